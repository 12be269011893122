"""The built-in internal format: JSON and short form, and what is refused."""

from __future__ import annotations

import pytest

from barcode_plugins import Engine, InternalBarcodeError, ItemRef
from barcode_plugins.builtin.internal import encode_json, encode_short, parse_internal


@pytest.mark.parametrize("item", [ItemRef("stockitem", "42"), ItemRef("part", "0"), ItemRef("purchaseorder", "PO-12")])
def test_both_forms_round_trip(item: ItemRef) -> None:
    assert parse_internal(encode_json(item)) == item
    assert parse_internal(encode_short(item)) == item


@pytest.mark.parametrize(
    "text",
    ['{"widget": 42}', '{"stockitem": "abc"}', '{"stockitem": 4.5}', '{"stockitem": null}', "bp:widget:1",
     "bp:stockitem:x", '{"location": true}'],
)  # fmt: skip
def test_internal_looking_but_invalid_is_a_typed_error(text: str) -> None:
    with pytest.raises(InternalBarcodeError):
        parse_internal(text)


@pytest.mark.parametrize("text", ['{"name": "x"}', '{"a": 1, "b": 2}', "[1]", "{", "BP:WIDGET:1", "BP:X", "hello"])
def test_other_text_is_not_ours(text: str) -> None:
    assert parse_internal(text) is None


@pytest.mark.parametrize("text", ["BP:STOCKITEM:2", "Bp:StockItem:2", "bp:STOCKITEM:2", "BP:stockitem:2"])
def test_short_form_in_any_case_is_ours_and_canonical(text: str) -> None:
    # A wedge scanner with caps lock on sends the short form in upper case.
    assert parse_internal(text) == ItemRef("stockitem", "2")


def test_a_huge_id_is_still_an_internal_item() -> None:
    # The store answers "no such stock item" for it (no overflow), so the decoder need not refuse it.
    assert parse_internal("BP:STOCKITEM:99999999999999999999") == ItemRef("stockitem", "99999999999999999999")


def test_deeply_nested_json_is_not_ours() -> None:
    assert parse_internal('{"stockitem": ' + "[" * 100_000 + "]" * 100_000 + "}") is None


def test_engine_decodes_internal_with_item(engine: Engine) -> None:
    decoded = engine.decode('{"stockitem": 42}')
    assert (decoded.kind, decoded.plugin, decoded.item) == ("internal", "internal", ItemRef("stockitem", "42"))
    assert engine.decode("bp:stockitem:42").item == decoded.item


def test_label_payload_decodes_back(engine: Engine) -> None:
    assert engine.decode(engine.label("location:5")).item == ItemRef("location", "5")
    assert engine.label("part:42", short=True) == "bp:part:42"
    with pytest.raises(InternalBarcodeError):
        engine.label("widget:1")
