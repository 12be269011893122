"""Bounded line reading: every line is whole or flagged over-long; memory never holds more than the bound."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.files.bounded_lines import EndlessLine, read_lines


class _Trickle(io.RawIOBase):
    """A stream that hands out a few bytes per read, as a pipe may."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._at, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        count = min(self._step, len(self._data) - self._at, len(buffer))
        buffer[:count] = self._data[self._at : self._at + count]
        self._at += count
        return count


def test_lines_keep_their_newline_and_numbers() -> None:
    lines = list(read_lines(io.BytesIO(b"ab\n\ncd\r\nlast"), 10))
    assert [(line.number, line.data, line.too_long) for line in lines] == [
        (1, b"ab\n", False),
        (2, b"\n", False),
        (3, b"cd\r\n", False),
        (4, b"last", False),
    ]


def test_an_over_long_line_is_flagged_with_its_length_and_reading_goes_on() -> None:
    lines = list(read_lines(io.BytesIO(b"ok\n" + b"x" * 100 + b"\nnext\n" + b"y" * 50), 8))
    assert [(line.number, line.too_long) for line in lines] == [(1, False), (2, True), (3, False), (4, True)]
    assert lines[1].data == b"x" * 8 and lines[2].data == b"next\n"


def test_a_line_without_end_is_reported_before_it_ends() -> None:
    # A stream without newlines may never end (/dev/zero): the line is reported once it crosses the bound.
    with open("/dev/zero", "rb") as zeros:
        line = next(read_lines(zeros, 1024))
    assert line == (1, bytes(1024), True)


@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=20), st.integers(1, 7))
def test_any_chunking_gives_the_same_lines(pieces: list[bytes], step: int) -> None:
    data = b"\n".join(pieces)
    whole = [tuple(line) for line in read_lines(io.BytesIO(data), 16)]
    trickled = [tuple(line) for line in read_lines(io.BufferedReader(_Trickle(data, step), 8), 16)]
    assert whole == trickled
    expected = [p + b"\n" for p in data.split(b"\n")]
    expected[-1] = expected[-1][:-1]
    expected = [e for e in expected if e]
    assert [line[1] for line in whole if not line[2]] == [e for e in expected if len(e) <= 16]


@pytest.mark.parametrize("limit", [1, 3])
def test_tiny_bounds(limit: int) -> None:
    lines = list(read_lines(io.BytesIO(b"a\nbcd\n"), limit))
    assert [line.too_long for line in lines] == [limit < 2, True]


def test_a_line_that_never_ends_stops_the_reading() -> None:
    with open("/dev/zero", "rb") as zeros:
        lines = read_lines(zeros, 1024, give_up=2**20)
        assert next(lines).too_long
        with pytest.raises(EndlessLine, match="line 1 has no end within 1 MB"):
            next(lines)


def test_give_up_counts_only_the_current_line() -> None:
    data = (b"x" * 3000 + b"\n") * 10 + b"ok\n"
    lines = list(read_lines(io.BytesIO(data), 1024, give_up=4096))
    assert [line.too_long for line in lines] == [True] * 10 + [False]
