"""Scans read one per line: an over-long line or invalid UTF-8 is that line's error, the batch goes on."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from conftest import cli_path

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


def test_a_byte_order_mark_before_the_first_scan_is_dropped() -> None:
    # Windows editors start a saved text file with one; the first label of a shipment file was not recognised.
    data = "\ufeff[)>\x1e06\x1dKPO-7\r\n\ufeffsecond\n".encode()
    assert [scan for _, scan in read_scans(io.BytesIO(data))] == ["[)>\x1e06\x1dKPO-7", "\ufeffsecond"]


def test_decode_stream_names_the_line_once(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("decode", "-", input=b'{"part": 1}\n\xff\xfebad\n')
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "Error: line 2: not valid UTF-8 (byte 1)"


@pytest.mark.parametrize("command", [("receive", "--file", "/dev/zero"), ("decode", "-")])
def test_input_that_is_not_lines_ends_the_batch(tmp_path: Path, command: tuple[str, ...]) -> None:
    # /dev/zero never ends and has no newline: reading used to go on for ever (or until memory ran out).
    env = {**os.environ, "BARCODE_PLUGINS_DB": str(tmp_path / "x.db")}
    with open("/dev/zero", "rb") as zeros:
        result = subprocess.run(
            [cli_path(), *command], stdin=zeros, capture_output=True, timeout=120, check=False, env=env
        )
    assert result.returncode == 2
    said = (result.stdout + result.stderr).decode()  # receive lists each scan's outcome on stdout
    assert "no end of line within 16 MB; stopped reading" in said and "Traceback" not in said
