"""The host inventory test plugin (``tests/host_plugin``), installed with pip once per session into a site
directory that tests put on ``sys.path`` (and ``PYTHONPATH`` for CLI subprocesses): registered through its entry
point exactly as a user's installed plugin is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from run_once import built_once

PACKAGE = Path(__file__).parent / "host_plugin"
SWITCHES = ("HOSTDEMO_MIRROR", "HOSTDEMO_REFUSE", "HOSTDEMO_LOG", "HOSTDEMO_FAIL_AFTER", "HOSTDEMO_OWN_ITEMS")


@pytest.fixture(scope="session")
def hostdemo_installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site directory holding the installed plugin (pip install --target; a few seconds, once per run)."""

    def install(site: Path) -> None:
        build = tmp_path_factory.mktemp("hostdemo-src") / "host_plugin"
        shutil.copytree(PACKAGE, build)  # pip writes build files next to the sources: keep tests/ clean
        install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(build)]
        # Offline first (needs setuptools and wheel in this environment), else pip fetches the build backend.
        result = subprocess.run([*install, "--no-build-isolation"], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            result = subprocess.run(install, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stderr[-2000:]

    site = built_once(tmp_path_factory, "hostdemo-site", install)
    assert (site / "barcode_plugins_hostdemo").is_dir()
    return site


@pytest.fixture
def hostdemo(hostdemo_installed: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The plugin on the path for this test (engines created now load it); yields the environment for CLI
    subprocesses. Its switches start off."""
    monkeypatch.syspath_prepend(str(hostdemo_installed))
    for name in SWITCHES:
        monkeypatch.delenv(name, raising=False)
    path = str(hostdemo_installed) + os.pathsep + os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", path)
    yield {"PYTHONPATH": path}
    sys.modules.pop("barcode_plugins_hostdemo", None)
