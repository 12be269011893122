"""Default purchase-order line matching (a fallback: supplier plugins that know better answer first).

A line fits a label when:
- the supplier agrees (the order's ``supplier`` is the plugin name or the supplier's display name), unless the
  label comes from the generic ECIA decoder, which cannot name its supplier;
- the order agrees: the label's customer PO equals the order reference, or the label's supplier order number
  equals the order's supplier reference (skipped only when the label carries no order reference at all);
- the part agrees: supplier part number against the line's SKU, else MPN against MPN (case-insensitive).
Among fitting lines, a line number printed on the label decides, then lines with quantity outstanding win.

When the user chooses the order (``receive --po``), the engine hands the hook only that order's lines and a label
that names that order, so the order check passes whatever order number the label printed.
Orders that are ``placed`` fit, and ``complete`` ones (every line received) too: one more bag is then an
over-receipt the user may allow, not "no order".
"""

from __future__ import annotations

from collections.abc import Sequence

from barcode_plugins import Decoded, PurchaseOrder, PurchaseOrderLine, hookimpl


def _same(left: str | None, right: str | None) -> bool:
    return bool(left) and bool(right) and left.strip().casefold() == right.strip().casefold()  # type: ignore[union-attr]


def supplier_fits(barcode: Decoded, order: PurchaseOrder) -> bool:
    """Whether the order's supplier is the label's (always true for a label no supplier plugin claimed)."""
    if barcode.supplier is None:
        return True
    return _same(order.supplier, barcode.plugin) or _same(order.supplier, barcode.supplier)


def order_fits(barcode: Decoded, order: PurchaseOrder) -> bool:
    """Whether the label names this order (by our reference or the supplier's), or names no order at all."""
    if not barcode.purchase_order and not barcode.supplier_order_number:
        return True
    return _same(barcode.purchase_order, order.reference) or _same(
        barcode.supplier_order_number, order.supplier_reference
    )


def part_fits(barcode: Decoded, line: PurchaseOrderLine) -> bool:
    """Supplier part number against SKU where both sides have one, else MPN against MPN."""
    if barcode.supplier_part_number and line.sku:
        return _same(barcode.supplier_part_number, line.sku)
    return _same(barcode.manufacturer_part_number, line.mpn) or _same(barcode.supplier_part_number, line.mpn)


def line_number(barcode: Decoded) -> int | None:
    """The PO line printed on the label as an integer (``"003"`` -> 3), if any."""
    value = (barcode.purchase_order_line or "").strip()
    return int(value) if value.isdigit() else None


def rank_lines(barcode: Decoded, lines: Sequence[PurchaseOrderLine]) -> list[PurchaseOrderLine]:
    """Keep the best of fitting lines: the printed line number first, then lines with quantity outstanding."""
    best = list(lines)
    number = line_number(barcode)
    if number is not None and any(line.line == number for line in best):
        best = [line for line in best if line.line == number]
    if any(line.outstanding > 0 for line in best):
        best = [line for line in best if line.outstanding > 0]
    return best


@hookimpl(trylast=True)
def match_po_line(barcode: Decoded, orders: Sequence[PurchaseOrder]) -> Sequence[PurchaseOrderLine] | None:
    """Match by supplier, order reference and part number (see the module docstring)."""
    fitting = [
        line
        for order in orders
        if order.status in ("placed", "complete") and supplier_fits(barcode, order) and order_fits(barcode, order)
        for line in order.lines
        if part_fits(barcode, line)
    ]
    return rank_lines(barcode, fitting)
