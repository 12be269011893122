"""Models: item references and the JSON round trip through the one converter."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins import (
    Decoded,
    HistoryEntry,
    InvalidItemReference,
    ItemRef,
    Link,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiveResult,
    ScanResult,
    StockItem,
)
from barcode_plugins.models import structure, to_json, unstructure
from barcode_plugins.testing.contract import CONTRACT_KEYS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stockitem:42", ItemRef("stockitem", "42")),
        ("  part:7 ", ItemRef("part", "7")),
        ("PurchaseOrder:PO-0012", ItemRef("purchaseorder", "PO-0012")),
        ("bin:A-3", ItemRef("bin", "A-3")),
    ],
)
def test_item_ref_parses(text: str, expected: ItemRef) -> None:
    assert ItemRef.parse(text) == expected
    assert ItemRef.parse(str(expected)) == expected


@pytest.mark.parametrize(
    "text",
    ["", "stockitem", "stockitem:", ":42", "stockitem:abc", "stock item:4", "x:" + "9" * 80, "part:4;DROP"],
)
def test_item_ref_rejects_with_a_message(text: str) -> None:
    with pytest.raises(InvalidItemReference) as caught:
        ItemRef.parse(text)
    assert "stockitem:42" in str(caught.value) or "item" in str(caught.value)


optional_text = st.none() | st.text(max_size=20)
decoded_values = st.builds(
    Decoded,
    plugin=st.none() | st.sampled_from(["digikey", "internal", "ecia"]),
    kind=st.sampled_from(["supplier", "internal", "external"]),
    supplier=optional_text,
    supplier_part_number=optional_text,
    manufacturer_part_number=optional_text,
    # Quantities are exact: whole numbers, or decimals (a JSON number reads back as the decimal it shows).
    quantity=st.none() | st.integers(0, 10**12) | st.decimals(Decimal("0.001"), Decimal(10**6), places=3),
    purchase_order=optional_text,
    ship_date=st.none() | st.dates().map(lambda d: d.isoformat()),
    fields=st.dictionaries(st.text(min_size=1, max_size=4), st.text(max_size=10), max_size=5),
    barcode_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    raw=st.text(max_size=50),
    item=st.none() | st.builds(ItemRef, st.sampled_from(["stockitem", "part"]), st.integers(0, 999).map(str)),
)


@given(decoded_values)
def test_decoded_round_trips_through_json(value: Decoded) -> None:
    document = json.loads(to_json(value))
    assert set(document) >= set(CONTRACT_KEYS)
    assert structure(document, Decoded) == value


def test_every_model_round_trips() -> None:
    item = ItemRef("stockitem", "3")
    line = PurchaseOrderLine("PO-1", 2, sku="A-ND", mpn="A", quantity=10, received=4, destination="shelf 1")
    values = [
        Link("k" * 64, item, "raw", "digikey", "2026-01-01T00:00:00+00:00"),
        PurchaseOrder("PO-1", "digikey", "SO-9", "placed", (line,)),
        StockItem(3, 4, sku="A-ND", location="shelf 1"),
        HistoryEntry(1, "2026-01-01", "scan", "found", "raw", item=item, quantity=2.5),
        ScanResult(Decoded(plugin="internal", kind="internal", item=item), item=item, po_lines=(line,)),
        ReceiveResult("received", "ok", "PO-1", 2, 4, 6, 3, Decoded(plugin="x", kind="supplier")),
    ]
    for value in values:
        assert structure(json.loads(to_json(value)), type(value)) == value


def test_line_json_shows_outstanding() -> None:
    line = PurchaseOrderLine("PO-1", 1, quantity=10, received=12)
    assert unstructure(line)["outstanding"] == 0
    assert attrs.evolve(line, received=3).outstanding == 7


def test_a_line_filled_by_fractions_shows_whole_numbers_as_ints() -> None:
    line = PurchaseOrderLine("PO-1", 1, quantity=Decimal("0.3"), received=Decimal("0.3"))
    assert type(line.outstanding) is int and line.outstanding == 0
    over = attrs.evolve(line, received=Decimal("1.3"))
    assert type(over.over_received) is int and over.over_received == 1


def test_item_travels_as_type_colon_id() -> None:
    document = unstructure(Decoded(plugin="internal", kind="internal", item=ItemRef("part", "7")))
    assert document["item"] == "part:7"


def _every_field_set() -> Decoded:
    # A distinct value in every field, so that a value landing in the wrong place shows.
    values: dict[str, object] = {field.name: f"value-{field.name}" for field in attrs.fields(Decoded)}
    values.update(kind="supplier", quantity=7, fields={"Q": "7"}, item=ItemRef("stockitem", "3"))
    return Decoded(**values)  # type: ignore[arg-type]


def test_identified_copies_every_field_like_evolve() -> None:
    # Decoded.identified copies by position, for speed (benchmarks: about 2 us per scan); it must equal evolve.
    original = _every_field_set()
    assert original.identified("p", "raw!", "hash!") == attrs.evolve(
        original, plugin="p", raw="raw!", barcode_hash="hash!"
    )


def test_external_is_an_unclaimed_result_with_its_own_fields() -> None:
    one, two = Decoded.external("a", "h1"), Decoded.external("b", "h2")
    assert one == Decoded(plugin=None, kind="external", raw="a", barcode_hash="h1")
    assert one.fields is not two.fields  # a caller may change its copy


def test_identified_keeps_a_plugins_subclass() -> None:
    @attrs.frozen
    class Richer(Decoded):
        reel: str = ""

    copy = Richer(plugin=None, kind="supplier", reel="R7").identified("acme", "raw", "h")
    assert (
        type(copy) is Richer
        and copy.reel == "R7"
        and (copy.plugin, copy.raw, copy.barcode_hash)
        == (
            "acme",
            "raw",
            "h",
        )
    )
