"""Expensive test setup done once per test run, shared by every pytest-xdist worker of that run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The directory ``name``, filled by ``build(directory)`` the first time any worker of this run asks for it.

    Workers share the parent of their own base temporary directory; a lock file there makes the others wait
    until the first has finished, and a marker written after ``build`` returns tells a finished directory from
    one a failed build left behind (which is built again).
    """
    import fcntl  # lazy: POSIX only, and only the tests that install something need it

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's base directory, shared by its workers
    directory = root / name
    done = root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            build(directory)
            done.touch()
    return directory
