"""The entry-point index cache: fast when current, rebuilt when anything is installed, harmless when broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from barcode_plugins.hooks.index import CACHE_ENVIRONMENT_VARIABLE, _cache_file, entry_points_of

PROBE = (
    "import sys; from barcode_plugins.hooks.manager import PluginManager; m = PluginManager();"
    " m.ensure_plugins_loaded();"
    " print(sorted(m._origin), 'importlib.metadata' in sys.modules)"
)


def _add_distribution(site: Path, name: str) -> None:
    (site / f"{name}_mod.py").write_text("")
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[barcode_plugins]\n{name} = {name}_mod\n")


def _probe(site: Path, cache: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(site), CACHE_ENVIRONMENT_VARIABLE: str(cache)}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True).stdout


def test_second_start_skips_importlib_metadata_until_something_is_installed(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    _add_distribution(site, "first")
    assert _probe(site, cache).strip().endswith("True")  # cold: scanned
    warm = _probe(site, cache)
    assert "'first'" in warm and warm.strip().endswith("False")  # warm: from the index
    _add_distribution(site, "second")
    rebuilt = _probe(site, cache)
    assert "'second'" in rebuilt and rebuilt.strip().endswith("True")


def test_broken_or_unwritable_cache_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENVIRONMENT_VARIABLE, str(tmp_path))
    expected = entry_points_of("barcode_plugins")
    _cache_file("barcode_plugins").write_text("{not json")
    assert entry_points_of("barcode_plugins") == expected
    monkeypatch.setenv(CACHE_ENVIRONMENT_VARIABLE, "/proc/no-such-place")
    assert entry_points_of("barcode_plugins") == expected
