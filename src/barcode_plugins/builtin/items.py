"""Default host items: a receipt goes into a new internal stock item; ``stockitem:N`` exists if its row does.

Both hooks are ``trylast``: a host's plugin that creates its own items, or knows its own item types, answers
first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from barcode_plugins import Decoded, ItemRef, PurchaseOrderLine, hookimpl

if TYPE_CHECKING:
    from barcode_plugins import Transaction
    from barcode_plugins.models import Quantity


@hookimpl(trylast=True)
def create_receipt_item(
    barcode: Decoded, line: PurchaseOrderLine, quantity: Quantity, location: str | None, tx: Transaction
) -> ItemRef:
    """A new internal stock item holding the received quantity (label fields first, the line's as fallback)."""
    stock_item_id = tx.engine.store.add_stock_item(line, quantity, location, barcode)
    return ItemRef("stockitem", str(stock_item_id))


@hookimpl(trylast=True)
def item_exists(item: ItemRef, tx: Transaction) -> bool | None:
    """Internal stock items are checked against the store; other types are not ours to judge."""
    if item.type != "stockitem":
        return None
    return item.id.isdigit() and tx.engine.store.get_stock_item(int(item.id)) is not None
