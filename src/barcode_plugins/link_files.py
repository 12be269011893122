"""Link files (CSV) -> ``(raw, item)`` rows for :meth:`Engine.import_links`, read as a stream.

The header is ``raw,item``; ``raw`` is kept exactly as written (a scan may begin or end with spaces or hold control
characters; quote it), ``item`` is ``TYPE:ID``. Blank lines are skipped. Rows are read as the import asks for
them, so a file of any size takes the memory of one import batch; the first problem is reported with its line
(and the import then writes nothing).
"""

from __future__ import annotations

import csv
import io
import sys
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from .errors import InputError

COLUMNS = ("raw", "item")


def open_link_file(path: Path | None) -> tuple[Iterator[tuple[str, str]], Callable[[int], str]]:
    """The rows of a link file (``None``: standard input) as they are read, after its header is checked, and a
    function that names row ``n`` (from 0) by where it is (``links.csv line 7``)."""
    source = "<stdin>" if path is None else str(path)
    try:
        stream: TextIO = (
            io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
            if path is None
            else path.open(encoding="utf-8-sig", newline="")
        )
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from None
    lines = array("q")  # the line each row starts on: eight bytes a row, not a string
    rows = _rows(stream, source, lines)
    next(rows)  # reads and checks the header now, so a wrong file fails before anything else happens
    return rows, lambda index: f"{source} line {lines[index]}"


def _rows(stream: TextIO, source: str, lines: array[int]) -> Iterator[tuple[str, str]]:
    # A generator that first yields nothing for the header (checked), then one (raw, item) per data row.
    reader = csv.reader(stream)
    line = 1
    try:
        with stream:
            header = [name.strip() for name in next(reader, [])]
            if header != list(COLUMNS):
                shown = ",".join(header) if header else "nothing"
                raise InputError(f"{source} line 1: expected the header {','.join(COLUMNS)}, found {shown}")
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
    except UnicodeDecodeError as error:
        raise InputError(f"{source} is not UTF-8 text (near line {line}, byte {error.start})") from None
