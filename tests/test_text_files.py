"""Hints for spreadsheet CSV files: a separator other than the comma, Windows-1252 instead of UTF-8."""

from __future__ import annotations

import io

import pytest

from barcode_plugins.errors import InputError
from barcode_plugins.files.text_files import csv_text_lines, encoding_hint, separator_hint


@pytest.mark.parametrize(("header", "shown"), [(["raw;item"], "';'"), (["raw\titem"], "TAB"), (["raw|item"], "'|'")])
def test_separator_hint_names_the_separator(header: list[str], shown: str) -> None:
    assert (
        separator_hint(header, ("raw", "item")) == f"; it looks separated by {shown}: save it as comma-separated (CSV)"
    )


@pytest.mark.parametrize("header", [["raw", "item"], ["barcode"], ["a;b"], []])
def test_no_separator_hint_without_a_reason(header: list[str]) -> None:
    assert separator_hint(header, ("raw", "item")) == ""


def test_encoding_hint_only_for_what_reads_as_windows_1252() -> None:
    assert "Windows-1252" in encoding_hint("Müller".encode("cp1252"))
    assert encoding_hint(b"\x81\x8d") == ""  # bytes Windows-1252 leaves undefined


def test_csv_text_lines_drop_the_bom_and_name_the_bad_line() -> None:
    lines = csv_text_lines(io.BytesIO(b"\xef\xbb\xbfa,b\nc,d\n\xe9\n"), "f.csv", 100, "why")
    assert next(lines) == "a,b\n" and next(lines) == "c,d\n"
    with pytest.raises(InputError, match=r"f.csv line 3 is not UTF-8 \(byte 1\); it looks like Windows-1252"):
        next(lines)
    with pytest.raises(InputError, match=r"f.csv line 1: longer than 1 KB; why"):
        list(csv_text_lines(io.BytesIO(b"x" * 5000), "f.csv", 1024, "why"))
