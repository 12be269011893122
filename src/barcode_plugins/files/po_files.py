"""Purchase-order files (CSV and JSON) -> validated :class:`PurchaseOrder` values.

A file is accepted whole or rejected whole: the first problem found is reported with its row (CSV, counting
the header as row 1) or its path (JSON, ``[2].lines[0].quantity``) and the column.

Reading is bounded: a CSV file is read a line at a time (each at most :data:`MAX_CSV_LINE_BYTES`), a JSON file
whole but at most :data:`MAX_JSON_BYTES`, so a file without newlines or a device cannot take all the memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from barcode_plugins.errors import InputError
from barcode_plugins.files.text_files import csv_text_lines, encoding_hint, separator_hint
from barcode_plugins.models import PO_STATUSES, PurchaseOrder, PurchaseOrderLine, Quantity

#: The longest line of a CSV purchase-order file (ten columns of at most 200 characters fit many times over).
MAX_CSV_LINE_BYTES = 64 * 1024
#: The largest JSON purchase-order file (about 500,000 lines); a larger import can be split or given as CSV.
MAX_JSON_BYTES = 64 * 1024 * 1024

CSV_COLUMNS = (
    "reference",
    "supplier",
    "supplier_reference",
    "status",
    "line",
    "sku",
    "mpn",
    "manufacturer",
    "quantity",
    "destination",
)
_REQUIRED_COLUMNS = ("reference", "supplier", "status", "line", "quantity")
_HEADER_KEYS = ("supplier", "supplier_reference", "status")


def read_purchase_orders(path: Path) -> list[PurchaseOrder]:
    """Read a CSV or JSON file of purchase orders (by extension; content sniffed if the extension says neither)."""
    source = str(path)
    try:
        with path.open("rb") as stream:
            suffix = path.suffix.lower()
            is_json = suffix == ".json" or (suffix != ".csv" and _starts_like_json(stream))
            if is_json:
                return parse_json(_read_json_text(stream, source), source)
            lines = csv_text_lines(stream, source, MAX_CSV_LINE_BYTES, "a line is one order line")
            return _parse_csv_lines(lines, source)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _starts_like_json(stream: BinaryIO) -> bool:
    # Peek (nothing is consumed): the first thing after a BOM and white space is "[".
    head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"[")


def _read_json_text(stream: BinaryIO, source: str) -> str:
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise InputError(
            f"{source}: a JSON file of purchase orders is at most {MAX_JSON_BYTES // 2**20} MB; split it or use CSV"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{source} is not UTF-8 text (byte {error.start + 1}){encoding_hint(data)}") from None


def parse_csv(text: str, source: str = "<csv>") -> list[PurchaseOrder]:
    """One row per PO line, with the contract's header."""
    return _parse_csv_lines(io.StringIO(text, newline=""), source)


def _parse_csv_lines(lines: Iterable[str], source: str) -> list[PurchaseOrder]:
    reader = csv.DictReader(lines)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise InputError(f"{source} row 1: {error}") from None
    if not header:
        raise InputError(f"{source}: empty file, expected the header {','.join(CSV_COLUMNS)}")
    missing = [column for column in _REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InputError(
            f"{source} row 1: missing column(s) {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}"
            f"{separator_hint(header, CSV_COLUMNS)}"
        )
    reader.fieldnames = header
    return _orders_from_rows(_csv_rows(reader, source))


def _csv_rows(reader: csv.DictReader[str], source: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    number = 1
    try:
        for number, row in enumerate(reader, start=2):
            if None in row:
                raise InputError(f"{source} row {number}: more values than columns")
            if not any((value or "").strip() for value in row.values()):
                continue  # blank line
            yield f"{source} row {number}", {key: (value or "").strip() for key, value in row.items()}
    except csv.Error as error:
        raise InputError(f"{source} row {number + 1}: {error}") from None


def parse_json(text: str, source: str = "<json>") -> list[PurchaseOrder]:
    """A list of ``{reference, supplier, supplier_reference, status, lines: [{line, sku, ...}]}``."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InputError(f"{source}: not valid JSON: {error}") from None
    except RecursionError:  # a purchase order is three levels deep; thousands are an attack or an accident
        raise InputError(f"{source}: not valid JSON: nested too deeply") from None
    if not isinstance(data, list):
        raise InputError(f"{source}: expected a JSON list of purchase orders, got {type(data).__name__}")
    rows: list[tuple[str, Mapping[str, Any]]] = []
    for index, order in enumerate(data):
        where = f"{source} [{index}]"
        if not isinstance(order, dict):
            raise InputError(f"{where}: expected an object, got {type(order).__name__}")
        lines = order.get("lines")
        if not isinstance(lines, list) or not lines:
            raise InputError(f"{where}.lines: expected a non-empty list of lines")
        for line_index, line in enumerate(lines):
            if not isinstance(line, dict):
                raise InputError(f"{where}.lines[{line_index}]: expected an object")
            merged = {key: order.get(key) for key in ("reference", *_HEADER_KEYS)} | line
            rows.append((f"{where}.lines[{line_index}]", merged))
    return _orders_from_rows(rows)


def _orders_from_rows(rows: Iterable[tuple[str, Mapping[str, Any]]]) -> list[PurchaseOrder]:
    headers: dict[str, dict[str, Any]] = {}
    lines: dict[str, list[PurchaseOrderLine]] = {}
    numbers: dict[str, set[int]] = {}  # the line numbers seen per order: a duplicate is found in constant time
    for where, row in rows:
        reference = _text(row, "reference", where, required=True)
        assert reference is not None
        header = {
            "supplier": _text(row, "supplier", where, required=True),
            "supplier_reference": _text(row, "supplier_reference", where),
            "status": _status(row, where),
        }
        known = headers.setdefault(reference, header)
        for key in _HEADER_KEYS:
            if known[key] != header[key]:
                raise InputError(
                    f"{where}, column {key}: {header[key]!r} contradicts {known[key]!r} given earlier for {reference}"
                )
        number = _line_number(row, where)
        seen = numbers.setdefault(reference, set())
        if number in seen:
            raise InputError(f"{where}, column line: line {number} appears twice in {reference}")
        seen.add(number)
        sku, mpn = _text(row, "sku", where), _text(row, "mpn", where)
        if not sku and not mpn:
            raise InputError(f"{where}: a line needs a sku or an mpn to be matched against labels")
        lines.setdefault(reference, []).append(
            PurchaseOrderLine(
                purchase_order=reference,
                line=number,
                sku=sku,
                mpn=mpn,
                manufacturer=_text(row, "manufacturer", where),
                quantity=_quantity(row, where),
                destination=_text(row, "destination", where),
            )
        )
    return [PurchaseOrder(reference=ref, lines=tuple(lines[ref]), **header) for ref, header in headers.items()]


def _text(row: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        if required:
            raise InputError(f"{where}, column {key}: a value is required")
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InputError(f"{where}, column {key}: expected text, got {type(value).__name__}")
    value = value.strip()
    if len(value) > 200 or any(ord(char) < 32 for char in value):
        raise InputError(f"{where}, column {key}: {value[:40]!r} is too long or holds control characters")
    if required and not value:
        raise InputError(f"{where}, column {key}: a value is required")
    return value or None


def _status(row: Mapping[str, Any], where: str) -> str:
    status = (_text(row, "status", where, required=True) or "").lower()
    if status not in PO_STATUSES:
        raise InputError(f"{where}, column status: {status!r} is not one of {', '.join(PO_STATUSES)}")
    return status


def _line_number(row: Mapping[str, Any], where: str) -> int:
    value = row.get("line")
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) < 1 or int(text) > 1_000_000:
        raise InputError(f"{where}, column line: {value!r} is not a line number (a whole number from 1)")
    return int(text)


def _quantity(row: Mapping[str, Any], where: str) -> Quantity:
    from barcode_plugins.quantities import QuantityError, checked

    value = row.get("quantity")
    try:
        if isinstance(value, bool) or value is None or value == "":
            raise QuantityError(f"quantity {value!r} is not a number")
        return checked(value)
    except QuantityError as error:
        raise InputError(f"{where}, column {error.message}") from None


def purchase_orders_from(source: str | Path | Iterable[PurchaseOrder]) -> list[PurchaseOrder]:
    """The orders to import: read from a CSV or JSON file (a path), or orders given as values with their
    quantities checked and exact (a file's are checked as it is read).

    :raises InputError: a malformed file (row and column named), or a quantity out of bounds (order and line named).
    """
    if isinstance(source, (str, Path)):
        return read_purchase_orders(Path(source))
    return [_exact_order(order) for order in source]


def _exact_order(order: PurchaseOrder) -> PurchaseOrder:
    import attrs

    from barcode_plugins.quantities import QuantityError, checked

    lines = []
    for line in order.lines:
        try:
            lines.append(attrs.evolve(line, quantity=checked(line.quantity)))
        except QuantityError as error:
            raise InputError(f"{order.reference} line {line.line}: {error.message}") from None
    return attrs.evolve(order, lines=tuple(lines))
