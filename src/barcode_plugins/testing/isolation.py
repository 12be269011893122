"""Watching a hook call: no I/O while it runs, and a bound on how long it may take.

Both are context managers that patch for the duration of one call and always restore: nothing stays patched
after the ``with`` block, whatever happened inside it.
"""

from __future__ import annotations

import builtins
import io
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: ``(module, attribute)`` pairs replaced while a hook runs: files, directories, processes, network, SQLite.
#: Import machinery does not go through these (it uses ``posix`` and ``_io`` directly), so lazy imports inside
#: a hook still work.
IO_ENTRY_POINTS: tuple[tuple[Any, str], ...] = (
    (builtins, "open"),
    (io, "open"),
    (os, "open"),
    (os, "remove"),
    (os, "unlink"),
    (os, "rename"),
    (os, "replace"),
    (os, "mkdir"),
    (os, "makedirs"),
    (os, "rmdir"),
    (os, "listdir"),
    (os, "scandir"),
    (os, "system"),
    (os, "popen"),
    (socket, "socket"),
    (socket, "create_connection"),
    (socket, "getaddrinfo"),
    (sqlite3, "connect"),
    (subprocess, "Popen"),
)


class IOAttempted(PermissionError):
    """Raised inside the hook when it tries I/O (a ``PermissionError``, so well-behaved code treats it as one)."""


@contextmanager
def forbid_io() -> Iterator[list[str]]:
    """Make every I/O entry point raise :class:`IOAttempted` while the block runs.

    Yields the list of attempts (``"open('labels.csv')"``): a hook that catches the error and carries on is still
    caught, because the caller checks the list after the block.
    """
    attempts: list[str] = []
    saved = [(owner, name, getattr(owner, name)) for owner, name in IO_ENTRY_POINTS]

    def forbidden(label: str) -> Callable[..., Any]:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            shown = ", ".join(repr(arg)[:80] for arg in args[:2])
            attempts.append(f"{label}({shown})")
            raise IOAttempted(f"{label} is not allowed inside a barcode_plugins hook (no I/O)")

        return refuse

    try:
        for owner, name, _original in saved:
            setattr(owner, name, forbidden(f"{owner.__name__}.{name}"))
        yield attempts
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


class CallTooSlow(BaseException):
    """The hard time limit interrupted a call that would not return (a ``BaseException``, so that a hook's
    ``except Exception`` cannot swallow it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block with :class:`CallTooSlow` after ``seconds`` (a hang becomes a failure, not a stuck run).

    Uses ``SIGALRM``, so it only acts in the main thread on POSIX and when no other interval timer is running
    (pytest-timeout's, say); elsewhere it does nothing and the caller's measured bound still applies. Code
    stuck inside one long C call (a catastrophic regular expression) is interrupted when that call returns.
    """
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise CallTooSlow(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Stopwatch:
    """Measures one call: ``with watch: ...`` then ``watch.seconds``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self._start
