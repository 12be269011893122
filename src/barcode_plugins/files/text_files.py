"""Hints for text files as spreadsheets write them: what to change when a CSV file is not what we read.

Excel in much of Europe saves "CSV" separated by ``;`` (the comma is the decimal separator there) and, unless
"CSV UTF-8" is chosen, in Windows-1252. Both give errors that say what is wrong but not why; these say why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import BinaryIO

from barcode_plugins.errors import InputError
from barcode_plugins.files.bounded_lines import read_lines


def csv_text_lines(stream: BinaryIO, source: str, limit: int, what: str) -> Iterator[str]:
    """The physical lines of a UTF-8 CSV file as text (a BOM dropped), each at most ``limit`` bytes, so that
    ``csv.reader``'s line count is the line number an editor shows.

    :param what: what a line holds, for the message about an over-long one (``"a row is a scan and an item"``).
    :raises InputError: a line is too long or not UTF-8 (named, with a hint when it looks like Windows-1252).
    """
    for number, data, too_long in read_lines(stream, limit):
        if too_long:
            raise InputError(f"{source} line {number}: longer than {limit // 1024} KB; {what}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"{source} line {number} is not UTF-8 (byte {error.start + 1}){encoding_hint(data)}"
            ) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def encoding_hint(data: bytes) -> str:
    """``"; looks like Windows-1252 ..."`` if bytes that are not UTF-8 read as Windows-1252, else ``""``."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return '; it looks like Windows-1252 (Excel\'s plain "CSV"): save it as "CSV UTF-8"'


def separator_hint(header: Sequence[str], expected: Sequence[str]) -> str:
    """``"; it looks separated by ';' ..."`` if a header read as one column holds the expected names split by
    another separator, else ``""``."""
    if len(header) != 1:
        return ""
    for separator in (";", "\t", "|"):
        names = [name.strip() for name in header[0].split(separator)]
        if len(names) > 1 and set(names) & set(expected):
            shown = "TAB" if separator == "\t" else repr(separator)
            return f"; it looks separated by {shown}: save it as comma-separated (CSV)"
    return ""
