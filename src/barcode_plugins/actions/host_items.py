"""The host's own items: which item a receipt goes into, and whether an item reference names anything.

Glue between the engine and the ``create_receipt_item`` and ``item_exists`` hooks (the built-in defaults are in
:mod:`barcode_plugins.builtin.items`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from barcode_plugins.errors import NotFound
from barcode_plugins.models import Decoded, ItemRef, PurchaseOrderLine, Quantity

if TYPE_CHECKING:
    from barcode_plugins.actions.transaction import Transactions
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.hooks.types import Transaction

CREATE_HOOK = "create_receipt_item"


def require_existing(plugins: PluginManager, item: ItemRef, tx: Transaction) -> None:
    """Refuse an item reference that a plugin says names nothing (a type nobody answers for is accepted).

    :raises NotFound: with the reference and what to do.
    """
    if plugins.item_exists(item, tx) is False:
        raise NotFound(f"{item} does not exist; check the reference (e.g. with 'barcode-plugins scan')")


def receipt_item(
    plugins: PluginManager,
    transactions: Transactions,
    barcode: Decoded,
    line: PurchaseOrderLine,
    quantity: Quantity,
    location: str | None,
) -> ItemRef | None:
    """Ask ``create_receipt_item`` (inside the receipt's transaction) which item the stock goes into.

    ``None`` when no implementation answered (the default is blocked): the store then creates the internal stock
    item itself.

    :raises ListenerRefused: an implementation raised or answered something that is not an item reference;
        nothing may be booked then.
    """
    state = transactions.state
    state.in_listener = True  # a host's implementation writes through tx, never back through the engine
    try:
        return plugins.create_receipt_item(barcode, line, quantity, location, state.current)
    finally:
        state.in_listener = False
