"""Reading many scans: one per line from stdin or a file, as bytes, so nothing is lost on the way.

Lines are split on LF only: ``str.splitlines`` would also split on GS and RS, which are *inside* ECIA labels.
Each line is read with a bound (:mod:`barcode_plugins.files.bounded_lines`): input without newlines costs a fixed amount
of memory, and an over-long line is that line's error while the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from barcode_plugins.engine import MAX_SCAN_LENGTH
from barcode_plugins.errors import InputError
from barcode_plugins.files.bounded_lines import EndlessLine, Line, read_lines

#: The longest line read as a scan, in bytes: the longest scan in UTF-8 (four bytes a character at most), CR LF.
MAX_SCAN_LINE_BYTES = 4 * MAX_SCAN_LENGTH + 2
#: What a Windows editor writes before the first line of a UTF-8 text file.
UTF8_BOM = b"\xef\xbb\xbf"
#: A "line" that goes on this long is not a scan that went wrong but input that is not lines (``/dev/zero``).
GIVE_UP_BYTES = 16 * 2**20


def read_scans(stream: BinaryIO) -> Iterator[tuple[int, str | InputError]]:
    """Yield ``(line number, scan)`` or ``(line number, InputError)`` for an over-long line or invalid UTF-8;
    blank lines skipped. The error's message does not repeat the line number (callers show it). A line without
    end (16 MB) is a last error, and reading stops."""
    lines = read_lines(stream, MAX_SCAN_LINE_BYTES, GIVE_UP_BYTES)
    try:
        yield from _scans(lines)
    except EndlessLine as endless:
        yield endless.number, InputError(f"no end of line within {GIVE_UP_BYTES // 2**20} MB; stopped reading")


def _scans(lines: Iterator[Line]) -> Iterator[tuple[int, str | InputError]]:
    for number, data, too_long in lines:
        if too_long:
            yield (
                number,
                InputError(
                    f"longer than {MAX_SCAN_LINE_BYTES:,} bytes; a barcode holds at most {MAX_SCAN_LENGTH:,} characters"
                ),
            )
            continue
        line = data.rstrip(b"\r\n")
        if number == 1:  # a file saved by a Windows editor starts with a byte order mark: not part of the scan
            line = line.removeprefix(UTF8_BOM)
        if not line.strip():
            continue
        try:
            yield number, line.decode("utf-8")
        except UnicodeDecodeError as error:
            yield number, InputError(f"not valid UTF-8 (byte {error.start + 1})")
