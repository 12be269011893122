"""Which open purchase-order lines a supplier label fits: the store's candidates, chosen by the ``match_po_line``
hook (the built-in default is :mod:`barcode_plugins.builtin.matching`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.models import Decoded, PurchaseOrderLine
    from barcode_plugins.store import Store


def match_lines(
    store: Store, plugins: PluginManager, barcode: Decoded, purchase_order: str | None = None
) -> list[PurchaseOrderLine]:
    """The open lines a supplier label fits best (several = ambiguous), through the ``match_po_line`` hook.

    :param purchase_order: the order the user chose (``receive --po``): only its lines are candidates, and
        the label counts as printed for that order even when its own order number differs (a label printed
        for one order and shipped against another, or a buyer who wrote the PO differently).
    """
    parts = [p for p in (barcode.supplier_part_number, barcode.manufacturer_part_number) if p]
    references = [r for r in (barcode.purchase_order, barcode.supplier_order_number, purchase_order) if r]
    orders = store.candidate_orders(parts, references)
    if purchase_order is not None:
        orders = [order for order in orders if order.reference.casefold() == purchase_order.casefold()]
        if len(orders) == 1:
            # The user's choice decides which order the label is for: the hooks see it as naming that order.
            chosen = orders[0]
            barcode = attrs.evolve(
                barcode, purchase_order=chosen.reference, supplier_order_number=chosen.supplier_reference
            )
    if not orders:
        return []
    given = {(line.purchase_order, line.line): line for order in orders for line in order.lines}
    answer = plugins.match_po_line(barcode, orders) or ()
    # A plugin may only choose among the lines it was given.
    return [line for line in answer if given.get((line.purchase_order, line.line)) == line]
