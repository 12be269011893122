"""Link files (CSV) -> ``(raw, item)`` rows for :meth:`Engine.import_links`, read as a stream.

The header is ``raw,item``; ``raw`` is kept exactly as written (a scan may begin or end with spaces or hold control
characters; quote it), ``item`` is ``TYPE:ID``. Blank lines are skipped. Rows are read as the import asks for
them, so a file of any size takes the memory of one import batch, and every line is read with a bound, so a file
without newlines does too; the first problem is reported with its line (and the import then writes nothing).
"""

from __future__ import annotations

import csv
import sys
from array import array
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import BinaryIO

from barcode_plugins.errors import InputError
from barcode_plugins.files.text_files import csv_text_lines, separator_hint

COLUMNS = ("raw", "item")
#: The longest line of a link file, in bytes: a quoted scan of 8,192 characters (four bytes each, quotes doubled)
#: and an item reference fit with room to spare.
MAX_LINE_BYTES = 128 * 1024


def open_link_file(path: Path | None) -> tuple[Iterator[tuple[str, str]], Callable[[int], str]]:
    """The rows of a link file (``None``: standard input) as they are read, after its header is checked, and a
    function that names row ``n`` (from 0) by where it is (``links.csv line 7``)."""
    source = "<stdin>" if path is None else str(path)
    try:
        stream: BinaryIO = sys.stdin.buffer if path is None else path.open("rb")
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from None
    lines = array("q")  # the line each row starts on: eight bytes a row, not a string
    rows = _rows(stream, source, lines, path is not None)
    next(rows)  # reads and checks the header now, so a wrong file fails before anything else happens
    return rows, lambda index: f"{source} line {lines[index]}"


def _rows(stream: BinaryIO, source: str, lines: array[int], path_given: bool) -> Iterator[tuple[str, str]]:
    # A generator that first yields nothing for the header (checked), then one (raw, item) per data row; it
    # closes the file when done (standard input is left open).
    reader = csv.reader(
        csv_text_lines(stream, source, MAX_LINE_BYTES, "a row is a scan (at most 8,192 characters) and an item")
    )
    try:
        with stream if path_given else nullcontext():
            header = [name.strip() for name in next(reader, [])]
            if header != list(COLUMNS):
                shown = ",".join(header) if header else "nothing"
                raise InputError(
                    f"{source} line 1: expected the header {','.join(COLUMNS)}, found {shown}"
                    f"{separator_hint(header, COLUMNS)}"
                )
            yield ("", "")
            line = reader.line_num + 1  # where the next record starts (a quoted value may span lines)
            for record in reader:
                where, line = line, reader.line_num + 1
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != len(COLUMNS):
                    raise InputError(f"{source} line {where}: expected 2 values (raw,item), found {len(record)}")
                lines.append(where)
                yield record[0], record[1].strip()
    except csv.Error as error:
        raise InputError(f"{source} line {reader.line_num}: {error}") from None
