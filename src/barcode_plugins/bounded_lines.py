"""Reading lines from a byte stream with a bound on each line, so input without newlines (``/dev/zero``, a binary
file given by mistake) costs a fixed amount of memory instead of all of it.

Lines are split on LF only (``str.splitlines`` would also split on GS and RS, which are inside ECIA labels); the
LF stays on the line, as a file iterator leaves it. A line longer than the bound is reported as soon as it
crosses the bound (a stream without newlines may never end), with its first bytes; the rest of it is skipped up
to the next LF, and reading goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

_CHUNK = 64 * 1024


class Line(NamedTuple):
    """One line: its number (from 1), its bytes (LF included), and whether it is longer than the bound (then
    ``data`` holds only its first ``limit`` bytes)."""

    number: int
    data: bytes
    too_long: bool = False


def read_lines(stream: BinaryIO, limit: int) -> Iterator[Line]:
    """The lines of ``stream``, each at most ``limit`` bytes (LF included), or flagged ``too_long``.

    Reads with ``read1`` where the stream has it, so lines arriving through a pipe are answered as they come.
    """
    read = getattr(stream, "read1", stream.read)
    number = 1
    pending = bytearray()
    skipping = False  # the current line crossed the bound and was reported: drop it up to its LF
    while chunk := read(_CHUNK):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            stop = len(chunk) if end < 0 else end + 1
            if not skipping:
                if len(pending) + stop - start > limit:
                    pending += chunk[start : start + limit - len(pending)]
                    yield Line(number, bytes(pending), True)
                    skipping = True
                elif end >= 0 and not pending:  # the common case: the whole line is in this chunk
                    yield Line(number, chunk[start:stop])
                else:
                    pending += chunk[start:stop]
                    if end >= 0:
                        yield Line(number, bytes(pending))
            if end < 0:
                break
            number += 1
            pending.clear()
            skipping = False
            start = stop
    if pending and not skipping:
        yield Line(number, bytes(pending))
