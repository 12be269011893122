"""Purchase-order files: CSV and JSON in, whole-file rejection with row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barcode_plugins import InputError, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.files.po_files import parse_csv, parse_json, purchase_orders_from, read_purchase_orders

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


def test_a_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(GOOD.replace(",", ";"), encoding="utf-8")
    with pytest.raises(InputError, match="looks separated by ';': save it as comma-separated"):
        read_purchase_orders(path)


def test_a_windows_1252_file_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + "PO-1,digikey,,placed,1,SKU-1,,Müller,5,Lager Süd\n").encode("cp1252"))
    with pytest.raises(InputError) as raised:
        read_purchase_orders(path)
    assert raised.value.message.count("line 2") == 1
    assert 'looks like Windows-1252 (Excel\'s plain "CSV"): save it as "CSV UTF-8"' in raised.value.message


def test_json_nested_100000_deep_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000)
    path = tmp_path / "orders.json"
    path.write_text('[{"lines": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    with pytest.raises(InputError, match="nested too deeply"):
        read_purchase_orders(path)


def test_a_csv_line_without_end_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(HEADER.encode() + b"PO-1," + b"x" * (8 * 2**20))
    with pytest.raises(InputError, match=r"orders.csv line 2: longer than 64 KB"):
        read_purchase_orders(path)


def test_a_json_file_beyond_the_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from barcode_plugins.files import po_files

    monkeypatch.setattr(po_files, "MAX_JSON_BYTES", 1000)
    path = tmp_path / "orders"  # no extension: sniffed as JSON
    path.write_text("[" + " " * 2000 + "]")
    with pytest.raises(InputError, match="a JSON file of purchase orders is at most"):
        read_purchase_orders(path)


def test_forty_thousand_lines_in_one_order_and_a_late_duplicate() -> None:
    # Parsing was quadratic in the lines of one order (each line compared with every earlier one): 40,000
    # lines took 40 s. The duplicate check is now a set; this checks it still finds the duplicate at the end.
    body = "".join(f"PO-1,digikey,,placed,{number},SKU-{number},,,5,\n" for number in range(1, 40_001))
    (order,) = parse_csv(HEADER + body)
    assert len(order.lines) == 40_000 and order.lines[-1].line == 40_000
    with pytest.raises(InputError, match="row 40002, column line: line 7 appears twice in PO-1"):
        parse_csv(HEADER + body + "PO-1,digikey,,placed,7,SKU-X,,,5,\n")


def test_orders_come_from_a_path_or_from_checked_values(tmp_path: Path) -> None:
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(GOOD, encoding="utf-8")
    assert purchase_orders_from(csv_file) == purchase_orders_from(str(csv_file)) == parse_csv(GOOD)
    given = parse_csv(GOOD)
    assert purchase_orders_from(iter(given)) == given
    too_precise = PurchaseOrderLine(purchase_order="PO-1", line=1, sku="X", quantity="0.0000001")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"PO-1 line 1: .*decimal places"):
        purchase_orders_from([PurchaseOrder(reference="PO-1", supplier="acme", lines=(too_precise,))])
