"""Link files (CSV) -> ``(raw, item)`` rows for :meth:`Engine.import_links`, each with its place in the file.

The header is ``raw,item``; ``raw`` is kept exactly as written (a scan may begin or end with spaces or hold control
characters; quote it), ``item`` is ``TYPE:ID``. Blank lines are skipped. A file is read whole before anything is
written, and the first problem is reported with its line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import InputError
from .po_files import read_text

COLUMNS = ("raw", "item")


def read_link_file(path: Path | None) -> tuple[list[tuple[str, str]], list[str]]:
    """The rows of a link file (``None``: standard input) and, for each, where it is (``links.csv line 7``)."""
    return parse_link_csv(read_text(path), "<stdin>" if path is None else str(path))


def parse_link_csv(text: str, source: str = "<csv>") -> tuple[list[tuple[str, str]], list[str]]:
    """Rows and their names from CSV text with the header ``raw,item``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
        if header != list(COLUMNS):
            shown = ",".join(header) if header else "nothing"
            raise InputError(f"{source} line 1: expected the header {','.join(COLUMNS)}, found {shown}")
        rows: list[tuple[str, str]] = []
        names: list[str] = []
        line = reader.line_num + 1  # where the next record starts (a quoted value may span lines)
        for record in reader:
            where = f"{source} line {line}"
            line = reader.line_num + 1
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(COLUMNS):
                raise InputError(f"{where}: expected 2 values (raw,item), found {len(record)}")
            raw, item = record
            rows.append((raw, item.strip()))
            names.append(where)
    except csv.Error as error:
        raise InputError(f"{source} line {reader.line_num}: {error}") from None
    return rows, names
