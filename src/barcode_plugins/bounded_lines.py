"""Reading lines from a byte stream with a bound on each line, so input without newlines (``/dev/zero``, a binary
file given by mistake) costs a fixed amount of memory instead of all of it.

Lines are split on LF only (``str.splitlines`` would also split on GS and RS, which are inside ECIA labels); the
LF stays on the line, as a file iterator leaves it. A line longer than the bound is not kept: its first bytes and
its length are reported, the rest is skipped up to the next LF, and reading goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

_CHUNK = 64 * 1024


class Line(NamedTuple):
    """One line: its number (from 1), its bytes (LF included), and whether it was longer than the bound (then
    ``data`` holds only its first bytes and ``length`` its full length)."""

    number: int
    data: bytes
    too_long: bool = False
    length: int = 0


def read_lines(stream: BinaryIO, limit: int) -> Iterator[Line]:
    """The lines of ``stream``, each at most ``limit`` bytes (LF included) or flagged ``too_long``.

    Reads with ``read1`` where the stream has it, so lines arriving through a pipe are answered as they come.
    """
    read = getattr(stream, "read1", stream.read)
    number = 1
    pending = bytearray()
    skipped = 0  # bytes of an over-long line already thrown away (0: the current line is within the bound)
    while chunk := read(_CHUNK):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                rest = len(chunk) - start
                if skipped:
                    skipped += rest
                elif len(pending) + rest > limit:
                    skipped = len(pending) + rest
                    pending += chunk[start : start + max(0, limit - len(pending))]
                else:
                    pending += chunk[start:]
                break
            piece = chunk[start : end + 1]
            if skipped:
                yield Line(number, bytes(pending), True, skipped + len(piece))
            elif len(pending) + len(piece) > limit:
                yield Line(number, bytes(pending + piece[: limit - len(pending)]), True, len(pending) + len(piece))
            elif pending:
                pending += piece
                yield Line(number, bytes(pending))
            else:  # the common case: the whole line is in this chunk
                yield Line(number, piece)
            number += 1
            pending.clear()
            skipped = 0
            start = end + 1
    if skipped:
        yield Line(number, bytes(pending), True, skipped)
    elif pending:
        yield Line(number, bytes(pending))
