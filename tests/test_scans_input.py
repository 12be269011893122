"""Scans read one per line: an over-long line or invalid UTF-8 is that line's error, the batch goes on."""

from __future__ import annotations

import io

from barcode_plugins.cli.scans_input import MAX_SCAN_LINE_BYTES, read_scans
from barcode_plugins.errors import InputError


def test_over_long_and_invalid_lines_are_errors_and_reading_goes_on() -> None:
    data = b"first\r\n" + b"A" * (MAX_SCAN_LINE_BYTES + 10) + b"\n\n\xff\xfebad\nlast"
    read = list(read_scans(io.BytesIO(data)))
    assert [number for number, _ in read] == [1, 2, 4, 5]
    assert read[0][1] == "first" and read[3][1] == "last"
    too_long, not_utf8 = read[1][1], read[2][1]
    assert isinstance(too_long, InputError) and "longer than 32,770 bytes; a barcode holds at most 8,192" in str(
        too_long
    )
    assert isinstance(not_utf8, InputError) and str(not_utf8) == "not valid UTF-8 (byte 1)"


def test_decode_stream_names_the_line_once(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("decode", "-", input=b'{"part": 1}\n\xff\xfebad\n')
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "Error: line 2: not valid UTF-8 (byte 1)"
