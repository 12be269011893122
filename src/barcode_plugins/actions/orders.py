"""Importing purchase orders into the store: idempotent by reference, and never losing what was received."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from barcode_plugins.errors import InputError

if TYPE_CHECKING:
    from barcode_plugins.models import PurchaseOrder
    from barcode_plugins.store import Store


def import_orders(store: Store, orders: Sequence[PurchaseOrder]) -> list[PurchaseOrder]:
    """Save ``orders`` (already read and checked) in one transaction with one history entry; a re-import replaces
    an order. Returns each order as stored (received and outstanding per line).

    :raises InputError: a line with receipts that the new order drops or cuts below what was received; nothing is
        written then.
    """
    with store.transaction():
        for order in orders:
            _check_reimport(store.get_purchase_order(order.reference), order)
            store.save_purchase_order(order)
        store.add_history("po_import", "imported", "", message=f"{len(orders)} order(s)")
    return [store.get_purchase_order(order.reference) or order for order in orders]


def _check_reimport(existing: PurchaseOrder | None, order: PurchaseOrder) -> None:
    if existing is None:
        return
    new_lines = {line.line: line for line in order.lines}
    for line in existing.lines:
        if line.received <= 0:
            continue
        replacement = new_lines.get(line.line)
        if replacement is None:
            raise InputError(
                f"{order.reference} line {line.line} has {line.received} received and is missing from the file;"
                " a line with receipts cannot be removed"
            )
        if replacement.quantity < line.received:
            raise InputError(
                f"{order.reference} line {line.line}: quantity {replacement.quantity} is below the"
                f" {line.received} already received"
            )
