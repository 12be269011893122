"""Purchase-order files: CSV and JSON in, whole-file rejection with row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barcode_plugins import InputError
from barcode_plugins.po_files import parse_csv, parse_json, read_purchase_orders

HEADER = "reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination\n"
GOOD = HEADER + (
    "PO-1,digikey,81234567,placed,1,497-1234-1-ND,STM32F103C8T6,ST,100,shelf A\n"
    "PO-1,digikey,81234567,placed,2,296-1395-5-ND,NE555P,TI,10,\n"
    "PO-2,Farnell,,pending,1,,LM358DR,TI,5,bin 3\n"
)


def test_csv_groups_rows_into_orders() -> None:
    orders = parse_csv(GOOD)
    assert [o.reference for o in orders] == ["PO-1", "PO-2"]
    first = orders[0]
    assert (first.supplier, first.supplier_reference, first.status) == ("digikey", "81234567", "placed")
    assert [(line.line, line.sku, line.quantity, line.destination) for line in first.lines] == [
        (1, "497-1234-1-ND", 100, "shelf A"),
        (2, "296-1395-5-ND", 10, None),
    ]
    assert orders[1].supplier_reference is None and orders[1].lines[0].sku is None


def test_json_gives_the_same_orders() -> None:
    data = [
        {"reference": o.reference, "supplier": o.supplier, "supplier_reference": o.supplier_reference,
         "status": o.status, "lines": [{"line": n.line, "sku": n.sku, "mpn": n.mpn, "manufacturer": n.manufacturer,
                                        "quantity": n.quantity, "destination": n.destination} for n in o.lines]}
        for o in parse_csv(GOOD)
    ]  # fmt: skip
    assert parse_json(json.dumps(data)) == parse_csv(GOOD)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("PO-1,digikey,,placed,1,A,,,abc,\n", "row 2, column quantity"),
        ("PO-1,digikey,,placed,1,A,,,-4,\n", "row 2, column quantity"),
        ("PO-1,digikey,,shipped,1,A,,,4,\n", "row 2, column status"),
        ("PO-1,digikey,,placed,x,A,,,4,\n", "row 2, column line"),
        ("PO-1,digikey,,placed,1,,,,4,\n", "sku or an mpn"),
        (",digikey,,placed,1,A,,,4,\n", "column reference"),
        ("PO-1,digikey,,placed,1,A,,,4,\nPO-1,digikey,,placed,1,B,,,4,\n", "row 3, column line"),
        ("PO-1,digikey,,placed,1,A,,,4,\nPO-1,mouser,,placed,2,B,,,4,\n", "row 3, column supplier"),
        ("PO-1,digikey,,placed,1,A,,,4,,extra\n", "more values"),
    ],
)
def test_malformed_csv_names_row_and_column(body: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_csv(HEADER + body)
    assert fragment in str(caught.value)


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match="missing column"):
        parse_csv("reference,supplier\nPO-1,x\n")


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("{}", "list"),
        ("[1]", "[0]"),
        ('[{"reference": "A", "supplier": "x", "status": "placed", "lines": []}]', "lines"),
        ('[{"reference": "A", "supplier": "x", "status": "placed",'
         ' "lines": [{"line": 1, "sku": "Q", "quantity": "lots"}]}]', "[0].lines[0], column quantity"),
        ("[", "not valid JSON"),
    ],
)  # fmt: skip
def test_malformed_json_names_the_path(document: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(document)
    assert fragment in str(caught.value)


def test_files_are_read_by_extension_and_bom_tolerated(tmp_path: Path) -> None:
    csv_file = tmp_path / "orders.csv"
    csv_file.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert len(read_purchase_orders(csv_file)) == 2
    binary = tmp_path / "orders.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="UTF-8"):
        read_purchase_orders(binary)
    with pytest.raises(InputError, match="cannot read"):
        read_purchase_orders(tmp_path / "missing.csv")
