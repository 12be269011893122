"""A plugin's wrong answer is that plugin's recorded failure, never a crash (checked in ``hook_results``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from sample_labels import GENERIC_ECIA

from barcode_plugins import Decoded, Engine, hookimpl
from barcode_plugins.hooks.results import check_decoded, check_lines, check_link_key
from barcode_plugins.models import ItemRef, PurchaseOrder, PurchaseOrderLine

Register = Callable[[object, str], None]


@pytest.mark.parametrize(
    "answer",
    [
        Decoded(plugin="x", kind="supplier", quantity="10"),  # type: ignore[arg-type]
        Decoded(plugin="x", kind="supplier", quantity=float("inf")),
        Decoded(plugin="x", kind="supplier", quantity=Decimal("NaN")),
        Decoded(plugin="x", kind="supplier", quantity=True),
        Decoded(plugin="x", kind="supplier", fields=["1P", "X"]),  # type: ignore[arg-type]
        Decoded(plugin="x", kind="supplier", fields={"Q": 10}),  # type: ignore[dict-item]
        Decoded(plugin="x", kind="supplier", supplier_part_number=12),  # type: ignore[arg-type]
        Decoded(plugin="x", kind="mine"),  # type: ignore[arg-type]
        Decoded(plugin="x", kind="internal", item="stockitem:1"),  # type: ignore[arg-type]
        "text",
    ],
)
def test_badly_typed_decode_answers_are_refused(answer: object) -> None:
    assert check_decoded(answer)


def test_well_typed_answers_pass() -> None:
    good = Decoded(plugin="x", kind="internal", quantity=Decimal("0.5"), fields={"Q": "1"}, item=ItemRef("part", "1"))
    assert check_decoded(good) is None
    assert check_lines([]) is None and check_lines((PurchaseOrderLine("PO", 1),)) is None
    assert check_link_key("key") is None


@pytest.mark.parametrize("answer", [3, "line", [3], (None,), {"a": 1}])
def test_badly_typed_lines_are_refused(answer: object) -> None:
    assert check_lines(answer)


@pytest.mark.parametrize("answer", [3, b"key", "", "k" * 2000])
def test_badly_typed_link_keys_are_refused(answer: object) -> None:
    assert check_link_key(answer)


def test_engine_skips_a_decoder_with_a_quantity_as_text(engine: Engine, register_plugin: Register) -> None:
    class TextQuantity:
        @hookimpl(tryfirst=True)
        def decode(self, text: str) -> Decoded | None:
            return Decoded(plugin="q", kind="supplier", quantity="ten")  # type: ignore[arg-type]

    register_plugin(TextQuantity(), "text_quantity")
    assert engine.decode(GENERIC_ECIA).plugin == "ecia"
    assert engine.plugins.failures[-1].plugin == "text_quantity"
    assert "quantity as str" in engine.plugins.failures[-1].error


def test_link_item_returning_a_number_is_recorded(engine: Engine, register_plugin: Register) -> None:
    class NumberKey:
        @hookimpl(tryfirst=True)
        def link_item(self, barcode: Decoded) -> str | None:
            return 42  # type: ignore[return-value]

    register_plugin(NumberKey(), "number_key")
    barcode = engine.decode("plain")
    assert engine.link_key(barcode) == barcode.barcode_hash
    assert (engine.plugins.failures[-1].plugin, engine.plugins.failures[-1].hook) == ("number_key", "link_item")


def test_match_po_line_returning_an_int_or_foreign_lines(engine: Engine, register_plugin: Register) -> None:
    class Matchers:
        @hookimpl(tryfirst=True)
        def match_po_line(self, barcode: Decoded, orders: Sequence[PurchaseOrder]) -> object:
            return 3

    class Inventing:
        @hookimpl(tryfirst=True)
        def match_po_line(self, barcode: Decoded, orders: Sequence[PurchaseOrder]) -> object:
            return [PurchaseOrderLine("PO-OTHER", 9, sku="LM358DR", quantity=1)]

    engine.import_purchase_orders(
        [PurchaseOrder("PO-7", "ecia", lines=(PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=100),))]
    )
    register_plugin(Matchers(), "int_matcher")
    lines = engine.match_lines(engine.decode(GENERIC_ECIA))
    assert [(line.purchase_order, line.line) for line in lines] == [("PO-7", 1)]  # the default matcher answered
    assert engine.plugins.failures[-1].plugin == "int_matcher"
    engine.plugins.unregister("int_matcher")
    register_plugin(Inventing(), "inventing")
    assert engine.match_lines(engine.decode(GENERIC_ECIA)) == []  # lines it was not given are dropped
    result = engine.receive(GENERIC_ECIA)
    assert result.status == "no_match"
