"""Reading lines from a byte stream with a bound on each line, so input without newlines (``/dev/zero``, a binary
file given by mistake) costs a fixed amount of memory instead of all of it.

Lines are split on LF only (``str.splitlines`` would also split on GS and RS, which are inside ECIA labels); the
LF stays on the line, as a file iterator leaves it. A line longer than the bound is reported as soon as it
crosses the bound (a stream without newlines may never end), with its first bytes; the rest of it is skipped up
to the next LF, and reading goes on, unless no LF comes within ``give_up`` bytes: then the input is not a file of
lines at all (``/dev/zero`` never ends) and :class:`EndlessLine` stops the reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

_CHUNK = 64 * 1024


class EndlessLine(Exception):
    """No end of line within the ``give_up`` bytes of :func:`read_lines`: the rest of the input is not read."""

    def __init__(self, number: int, give_up: int) -> None:
        super().__init__(f"line {number} has no end within {give_up // 2**20:,} MB; the rest of the input was not read")
        self.number = number


class Line(NamedTuple):
    """One line: its number (from 1), its bytes (LF included), and whether it is longer than the bound (then
    ``data`` holds only its first ``limit`` bytes)."""

    number: int
    data: bytes
    too_long: bool = False


def read_lines(stream: BinaryIO, limit: int, give_up: int | None = None) -> Iterator[Line]:
    """The lines of ``stream``, each at most ``limit`` bytes (LF included), or flagged ``too_long``.

    Reads with ``read1`` where the stream has it, so lines arriving through a pipe are answered as they come.

    :raises EndlessLine: a line went on for more than ``give_up`` bytes (after it was reported ``too_long``).
    """
    read = getattr(stream, "read1", stream.read)
    number = 1
    pending = bytearray()
    skipping = 0  # bytes of the current line dropped after it was reported too long (0: not skipping)
    while chunk := read(_CHUNK):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            stop = len(chunk) if end < 0 else end + 1
            if skipping:
                skipping += stop - start
                if give_up is not None and skipping > give_up:
                    raise EndlessLine(number, give_up)
            else:
                if len(pending) + stop - start > limit:
                    pending += chunk[start : start + limit - len(pending)]
                    yield Line(number, bytes(pending), True)
                    skipping = len(pending)
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
            skipping = 0
            start = stop
    if pending and not skipping:
        yield Line(number, bytes(pending))
