"""Default purchase-order matching: label order numbers against the order's references, and ``--po`` choosing
the order even when the label's order number does not match it."""

from __future__ import annotations

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Decoded, Engine, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.builtin.matching import order_fits


def label(*elements: str) -> str:
    return f"[)>{RS}06{GS}" + GS.join(elements) + f"{RS}{EOT}"


@pytest.fixture
def orders(engine: Engine) -> Engine:
    engine.import_purchase_orders(
        [
            PurchaseOrder(
                "PO-1", "Acme", "SO-111", "placed", (PurchaseOrderLine("PO-1", 1, mpn="NE555DR", quantity=10),)
            ),
            PurchaseOrder(
                "PO-2", "Acme", "SO-222", "placed", (PurchaseOrderLine("PO-2", 1, mpn="NE555DR", quantity=10),)
            ),
        ]
    )
    return engine


def test_the_labels_order_number_against_the_orders_supplier_reference(orders: Engine) -> None:
    result = orders.receive(label("1KSO-222", "1PNE555DR", "Q5"))
    assert (result.status, result.purchase_order) == ("received", "PO-2")


def test_the_buyers_po_on_the_label_against_the_order_reference(orders: Engine) -> None:
    assert orders.receive(label("KPO-1", "1PNE555DR", "Q5")).purchase_order == "PO-1"


def test_a_label_naming_another_order_matches_no_line(orders: Engine) -> None:
    assert orders.receive(label("1KSO-999", "1PNE555DR", "Q5")).status == "no_match"


def test_po_chooses_the_order_even_when_the_labels_order_number_differs(orders: Engine) -> None:
    # The label was printed for another order (or the buyer wrote the PO differently): the user's choice decides.
    result = orders.receive(label("1KSO-999", "KPO-X", "1PNE555DR", "Q5"), purchase_order="PO-2")
    assert (result.status, result.purchase_order, result.line) == ("received", "PO-2", 1)


def test_po_still_needs_the_part_to_fit(orders: Engine) -> None:
    assert orders.receive(label("1KSO-999", "1POTHER", "Q5"), purchase_order="PO-2").status != "received"


def test_order_fits_compares_case_and_space_insensitively() -> None:
    order = PurchaseOrder("PO-1", "Acme", "SO-111", "placed", ())
    barcode = Decoded(plugin="ecia", kind="supplier", supplier_order_number=" so-111 ")
    assert order_fits(barcode, order)
    assert not order_fits(Decoded(plugin="ecia", kind="supplier", purchase_order="PO-2"), order)
