"""The installed plugins' entry points, cached between runs so that start-up skips ``importlib.metadata``.

Importing ``importlib.metadata`` (it pulls in ``email``, ``zipfile``, ``socket``...) and scanning every installed
distribution costs about a quarter of a ``barcode-plugins decode`` run. The answer only changes when something is
installed or removed, which changes the modification time of a ``sys.path`` directory; so the index is kept in
the user cache directory, keyed by those times, and rebuilt with ``importlib.metadata`` whenever they differ.
A missing, stale, unreadable or unwritable cache only costs the slow path, never a wrong answer about what
``sys.path`` holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import attrs

CACHE_ENVIRONMENT_VARIABLE = "BARCODE_PLUGINS_CACHE_DIR"


@attrs.frozen
class IndexedEntryPoint:
    """One entry point: ``name = module[:attribute]`` and the distribution that declares it."""

    name: str
    value: str
    distribution: str | None
    version: str | None

    def load(self) -> Any:
        """Import the module and follow the attribute path, as ``importlib.metadata.EntryPoint.load`` does."""
        module_name, _, attribute = self.value.partition(":")
        loaded: Any = import_module(module_name.strip())
        for part in filter(None, attribute.strip().split(".")):
            loaded = getattr(loaded, part)
        return loaded


def _fingerprint() -> list[tuple[str, int]]:
    stamps = []
    for entry in sys.path:
        try:
            stamps.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            stamps.append((entry, -1))
    return stamps


def _cache_file(group: str) -> Path:
    base = os.environ.get(CACHE_ENVIRONMENT_VARIABLE) or os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    interpreter = hashlib.sha256(sys.executable.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return Path(base).expanduser() / "barcode-plugins" / f"{group}-{interpreter}.json"


def _scan(group: str) -> list[IndexedEntryPoint]:
    from importlib.metadata import entry_points  # the slow path

    found = []
    for entry_point in entry_points(group=group):
        dist = entry_point.dist
        try:
            name, version = (dist.metadata["Name"], dist.version) if dist is not None else (None, None)
        except Exception:  # broken metadata: still load the plugin
            name, version = None, None
        found.append(IndexedEntryPoint(entry_point.name, entry_point.value, name, version))
    return found


def entry_points_of(group: str) -> list[IndexedEntryPoint]:
    """The entry points of ``group`` in ``sys.path`` order, from the cache when it is current."""
    fingerprint = _fingerprint()
    path = _cache_file(group)
    try:
        cached = json.loads(path.read_text("utf-8"))
        if cached["fingerprint"] == [list(stamp) for stamp in fingerprint]:
            return [IndexedEntryPoint(**row) for row in cached["entry_points"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = _scan(group)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps({"fingerprint": fingerprint, "entry_points": [attrs.asdict(e) for e in found]}), "utf-8"
        )
        os.replace(temporary, path)  # atomic: a concurrent reader sees the old file or the new one
    except OSError:
        pass  # a read-only home only costs speed
    return found
