"""Reading many scans: one per line from stdin or a file, as bytes, so nothing is lost on the way.

Lines are split on LF only: ``str.splitlines`` would also split on GS and RS, which are *inside* ECIA labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError


def read_scans(stream: BinaryIO) -> Iterator[tuple[int, str | InputError]]:
    """Yield ``(line number, scan)`` or ``(line number, InputError)`` for invalid UTF-8; blank lines skipped."""
    for number, line in enumerate(stream, start=1):
        line = line.rstrip(b"\r\n")
        if not line.strip():
            continue
        try:
            yield number, line.decode("utf-8")
        except UnicodeDecodeError as error:
            yield number, InputError(f"line {number} is not valid UTF-8 (byte {error.start + 1})")
