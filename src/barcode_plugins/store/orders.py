"""Purchase orders and their lines, and what receiving writes against them: receipts and stock items.

A line's received quantity changes in one place (:meth:`OrderTables._change_received`), for a receipt booked and
for one taken back, and the order's status follows it there.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from barcode_plugins.models import (
    Decoded,
    ItemRef,
    PoStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    StockItem,
)
from barcode_plugins.quantities import Quantity, from_micros, to_micros
from barcode_plugins.store.links import INSERT_LINK_IF_FREE, LinkTable
from barcode_plugins.store.values import id_in_range, now

# -- receive hot path: constant SQL, so sqlite3's statement cache keeps each prepared -------------------------
_GET_RECEIPT = (
    "SELECT receipts.id, receipts.barcode_hash, po_lines.purchase_order, po_lines.line, receipts.quantity_micros,"
    " receipts.stock_item_id, receipts.location, receipts.at FROM receipts JOIN po_lines"
    " ON po_lines.id = receipts.po_line_id WHERE receipts.barcode_hash = ?"
)
_GET_NEWEST_RECEIPT = _GET_RECEIPT + " ORDER BY receipts.bag DESC LIMIT 1"
_NEXT_BAG = "SELECT coalesce(max(bag), 0) + 1 FROM receipts WHERE barcode_hash = ?"
_INSERT_STOCK_ITEM = (
    "INSERT INTO stock_items (quantity_micros, sku, mpn, manufacturer, location, lot_code, date_code,"
    " country_of_origin, purchase_order, line, barcode_hash, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RECEIPT = (
    "INSERT INTO receipts (barcode_hash, bag, po_line_id, quantity_micros, stock_item_id, location, at, item,"
    " link_key) SELECT ?, ?, id, ?, ?, ?, ?, ?, ? FROM po_lines WHERE purchase_order = ? AND line = ?"
)
_ADD_RECEIVED = "UPDATE po_lines SET received_micros = received_micros + ? WHERE purchase_order = ? AND line = ?"
# An order is complete when no line has anything outstanding; it reopens when an undo leaves some outstanding.
_COMPLETE_ORDER = (
    "UPDATE purchase_orders SET status = 'complete', updated_at = ? WHERE reference = ? AND status = 'placed'"
    " AND NOT EXISTS (SELECT 1 FROM po_lines WHERE purchase_order = ? AND received_micros < quantity_micros)"
)
_REOPEN_ORDER = (
    "UPDATE purchase_orders SET status = 'placed', updated_at = ? WHERE reference = ? AND status = 'complete'"
    " AND EXISTS (SELECT 1 FROM po_lines WHERE purchase_order = ? AND received_micros < quantity_micros)"
)
#: The lines a label is matched against: those of placed orders, and the fully received lines of complete ones
#: (one more bag is then an over-receipt the user may allow; a line closed short stays closed).
_RECEIVING_LINES = (
    "(purchase_orders.status = 'placed' OR (purchase_orders.status = 'complete'"
    " AND po_lines.received_micros >= po_lines.quantity_micros))"
)


@functools.lru_cache(maxsize=32)
def _candidates_sql(by_part: bool, count: int) -> str:
    """The candidate-lines query for ``count`` part numbers (or order references), built once per shape."""
    marks = ",".join("?" * count)
    if by_part:
        condition = f"(po_lines.sku COLLATE NOCASE IN ({marks}) OR po_lines.mpn COLLATE NOCASE IN ({marks}))"
    else:
        condition = (
            f"(purchase_orders.reference COLLATE NOCASE IN ({marks})"
            f" OR purchase_orders.supplier_reference COLLATE NOCASE IN ({marks}))"
        )
    return (
        "SELECT purchase_orders.supplier, purchase_orders.supplier_reference, purchase_orders.status,"
        " po_lines.purchase_order, po_lines.line, po_lines.sku, po_lines.mpn, po_lines.manufacturer,"
        " po_lines.quantity_micros, po_lines.received_micros, po_lines.destination"
        " FROM po_lines JOIN purchase_orders ON purchase_orders.reference = po_lines.purchase_order"
        f" WHERE {_RECEIVING_LINES} AND {condition}"
        " ORDER BY po_lines.purchase_order, po_lines.line"
    )


def _line(row: dict[str, Any]) -> PurchaseOrderLine:
    return PurchaseOrderLine(
        purchase_order=row["purchase_order"],
        line=row["line"],
        sku=row["sku"],
        mpn=row["mpn"],
        manufacturer=row["manufacturer"],
        quantity=from_micros(row["quantity_micros"]),
        received=from_micros(row["received_micros"]),
        destination=row["destination"],
    )


def _receipt(row: Sequence[Any]) -> Receipt:
    # Columns in Receipt's field order (see _GET_RECEIPT).
    return Receipt(row[0], row[1], row[2], row[3], from_micros(row[4]), row[5], row[6], row[7])


class OrderTables(LinkTable):
    """``purchase_orders``, ``po_lines``, ``stock_items`` and ``receipts`` (a receipt also links its label, hence
    the links underneath). Receiving and matching are hot: statements; listing orders reads with joins."""

    # -- purchase orders ---------------------------------------------------------------------------------
    def _orders(self, where: str, params: Sequence[Any]) -> list[PurchaseOrder]:
        headers = self._rows(f"SELECT * FROM purchase_orders {where} ORDER BY reference", params)
        if not headers:
            return []
        lines: dict[str, list[PurchaseOrderLine]] = {header["reference"]: [] for header in headers}
        # The same condition in a join, not ``IN (one ? per order)``: SQLite allows 32,766 variables.
        rows = self._rows(
            "SELECT po_lines.* FROM po_lines JOIN purchase_orders ON purchase_orders.reference ="
            f" po_lines.purchase_order {where} ORDER BY po_lines.purchase_order, po_lines.line",
            params,
        )
        for row in rows:
            lines[row["purchase_order"]].append(_line(row))
        return [
            PurchaseOrder(
                reference=header["reference"],
                supplier=header["supplier"],
                supplier_reference=header["supplier_reference"],
                status=header["status"],
                lines=tuple(lines[header["reference"]]),
            )
            for header in headers
        ]

    def get_purchase_order(self, reference: str) -> PurchaseOrder | None:
        """A purchase order with all its lines."""
        orders = self._orders("WHERE purchase_orders.reference = ?", [reference])
        return orders[0] if orders else None

    def list_purchase_orders(self, status: str | None = None) -> list[PurchaseOrder]:
        """Every purchase order (optionally of one status) with its lines."""
        if status is None:
            return self._orders("", [])
        return self._orders("WHERE purchase_orders.status = ?", [status])

    def save_purchase_order(self, order: PurchaseOrder) -> None:
        """Insert or update an order and its lines (exact quantities), keeping what has been received.

        Lines missing from ``order`` are deleted; the caller has refused the import if any of them had receipts.
        A placed order whose every line is already received in full becomes complete.
        """
        with self.transaction():
            conn = self.db.conn
            at = now()
            conn.execute(
                "INSERT INTO purchase_orders (reference, supplier, supplier_reference, status, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(reference) DO UPDATE SET supplier = excluded.supplier,"
                " supplier_reference = excluded.supplier_reference, status = excluded.status,"
                " updated_at = excluded.updated_at",
                [order.reference, order.supplier, order.supplier_reference, order.status, at],
            )
            # Set difference here, not ``NOT IN (one ? per line)``: an order may have more lines than SQLite
            # variables.
            kept = {line.line for line in order.lines}
            stored = conn.execute("SELECT line FROM po_lines WHERE purchase_order = ?", [order.reference])
            dropped = [(order.reference, number) for (number,) in stored if number not in kept]
            conn.executemany("DELETE FROM po_lines WHERE purchase_order = ? AND line = ?", dropped)
            conn.executemany(
                "INSERT INTO po_lines (purchase_order, line, sku, mpn, manufacturer, quantity_micros,"
                " received_micros, destination) VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(purchase_order, line)"
                " DO UPDATE SET sku = excluded.sku, mpn = excluded.mpn, manufacturer = excluded.manufacturer,"
                " quantity_micros = excluded.quantity_micros, destination = excluded.destination",
                [
                    (
                        order.reference,
                        line.line,
                        line.sku,
                        line.mpn,
                        line.manufacturer,
                        to_micros(line.quantity),
                        line.destination,
                    )
                    for line in order.lines
                ],
            )
            conn.execute(_COMPLETE_ORDER, (at, order.reference, order.reference))

    def candidate_orders(self, part_numbers: Sequence[str], order_references: Sequence[str]) -> list[PurchaseOrder]:
        """Placed orders (and complete ones, with their fully received lines: an over-receipt may still be
        allowed) with the lines that could fit a label: lines whose SKU or MPN is one of ``part_numbers``
        (case-insensitive), restricted to those lines only. Indexed: cost does not grow with the number of open
        lines that do not fit. ``order_references`` is accepted for labels without a part number; then every line
        of the named orders is a candidate. One query: the lines joined to their orders."""
        parts = [part for part in part_numbers if part]
        if parts:
            params = parts + parts
        else:
            refs = [ref for ref in order_references if ref]
            if not refs:
                return []
            params = refs + refs
        headers: dict[str, tuple[str, str | None, str]] = {}
        lines: dict[str, list[PurchaseOrderLine]] = {}
        # Columns by position (see _candidates_sql): a dict per row cost more than the query.
        for values in self._tuples(_candidates_sql(bool(parts), len(params) // 2), params):
            reference = values[3]
            if reference not in headers:
                headers[reference] = values[:3]
                lines[reference] = []
            lines[reference].append(
                PurchaseOrderLine(
                    reference,
                    values[4],
                    values[5],
                    values[6],
                    values[7],
                    from_micros(values[8]),
                    from_micros(values[9]),
                    values[10],
                )
            )
        return [
            PurchaseOrder(reference, supplier, supplier_reference, cast(PoStatus, status), tuple(lines[reference]))
            for reference, (supplier, supplier_reference, status) in headers.items()
        ]

    def orders_to_explain(self, part_numbers: Sequence[str], order_references: Sequence[str]) -> list[PurchaseOrder]:
        """Orders of any status with the lines a label could be about: lines whose SKU or MPN is one of
        ``part_numbers``, and every line of an order named by ``order_references`` (by our reference or the
        supplier's), all case-insensitive. At most 20 orders: enough to say why, bounded for a huge store."""
        parts = [part for part in part_numbers if part] or [""]
        refs = [ref for ref in order_references if ref] or [""]
        part_marks, ref_marks = ",".join("?" * len(parts)), ",".join("?" * len(refs))
        found = self._tuples(
            "SELECT DISTINCT po_lines.purchase_order FROM po_lines JOIN purchase_orders ON"
            " purchase_orders.reference = po_lines.purchase_order WHERE"
            f" po_lines.sku COLLATE NOCASE IN ({part_marks}) OR po_lines.mpn COLLATE NOCASE IN ({part_marks})"
            f" OR purchase_orders.reference COLLATE NOCASE IN ({ref_marks})"
            f" OR purchase_orders.supplier_reference COLLATE NOCASE IN ({ref_marks})"
            " ORDER BY po_lines.purchase_order LIMIT 20",
            [*parts, *parts, *refs, *refs],
        )
        if not found:
            return []
        references = [row[0] for row in found]
        return self._orders(f"WHERE reference IN ({','.join('?' * len(references))})", references)

    def get_line(self, purchase_order: str, line: int) -> PurchaseOrderLine | None:
        """One purchase-order line as it is now."""
        row = self._one("SELECT * FROM po_lines WHERE purchase_order = ? AND line = ?", [purchase_order, line])
        return _line(row) if row else None

    def _change_received(self, purchase_order: str, line: int, micros: int, at: str, *, settle: bool) -> None:
        """The one update of a line's received quantity (``micros`` may be negative: a receipt taken back). With
        ``settle`` the order's status follows: complete when nothing is left outstanding, placed again when
        something is; without it, the caller knows the line is not full, so the order cannot have completed."""
        conn = self.db.conn
        conn.execute(_ADD_RECEIVED, (micros, purchase_order, line))
        if settle:
            conn.execute(_REOPEN_ORDER if micros < 0 else _COMPLETE_ORDER, (at, purchase_order, purchase_order))

    def add_received(self, purchase_order: str, line: int, quantity: Quantity) -> None:
        """Add (or, negative, take back) a received quantity on a line; the order completes or reopens to match."""
        with self.transaction():
            self._change_received(purchase_order, line, to_micros(quantity), now(), settle=True)

    # -- stock and receipts ------------------------------------------------------------------------------
    def get_stock_item(self, stock_item_id: int) -> StockItem | None:
        """A stock item by id (``None`` for an id that cannot exist, however large)."""
        if not id_in_range(stock_item_id):
            return None
        row = self._one("SELECT * FROM stock_items WHERE id = ?", [stock_item_id])
        if row is None:
            return None
        row["quantity"] = from_micros(row.pop("quantity_micros"))
        return StockItem(**row)

    def add_stock_item(
        self,
        line: PurchaseOrderLine,
        quantity: Quantity,
        location: str | None,
        barcode: Decoded,
        at: str | None = None,
    ) -> int:
        """Insert the internal stock item a receipt creates (label fields first, the line's as fallback)."""
        with self.transaction():
            cursor = self.db.conn.execute(
                _INSERT_STOCK_ITEM,
                (
                    to_micros(quantity),
                    barcode.supplier_part_number or line.sku,
                    barcode.manufacturer_part_number or line.mpn,
                    barcode.manufacturer or line.manufacturer,
                    location,
                    barcode.lot_code,
                    barcode.date_code,
                    barcode.country_of_origin,
                    line.purchase_order,
                    line.line,
                    barcode.barcode_hash,
                    at or now(),
                ),
            )
        return int(cursor.lastrowid or 0)

    def delete_stock_item(self, stock_item_id: int) -> None:
        """Remove a stock item (its id is never handed out again)."""
        with self.transaction():
            self.db.conn.execute("DELETE FROM stock_items WHERE id = ?", [stock_item_id])

    def get_receipt(self, barcode_hash: str) -> Receipt | None:
        """The newest receipt of a label, if it was received."""
        rows = self._tuples(_GET_NEWEST_RECEIPT, (barcode_hash,))
        return _receipt(rows[0]) if rows else None

    def get_receipt_of_stock_item(self, barcode_hash: str, stock_item_id: int) -> Receipt | None:
        """The receipt of a label that created a given stock item (one of several bags of the same label)."""
        if not id_in_range(stock_item_id):
            return None
        rows = self._tuples(_GET_RECEIPT + " AND receipts.stock_item_id = ?", (barcode_hash, stock_item_id))
        return _receipt(rows[0]) if rows else None

    def get_receipt_of_item(self, barcode_hash: str, item: ItemRef) -> Receipt | None:
        """The receipt of a label that went into a host's own item (one of several bags of the same label)."""
        rows = self._tuples(_GET_RECEIPT + " AND receipts.item = ?", (barcode_hash, str(item)))
        return _receipt(rows[0]) if rows else None

    def received_hashes(self, prefix: str, limit: int = 2) -> list[str]:
        """Distinct barcode hashes of current receipts that start with ``prefix`` (lowercase hex), at most
        ``limit`` (two tell whether a prefix is unique). Indexed."""
        rows = self._tuples(
            "SELECT DISTINCT barcode_hash FROM receipts WHERE barcode_hash >= ? AND barcode_hash < ? LIMIT ?",
            (prefix, prefix + "g", limit),  # "g" sorts after every hex digit: the range is the prefix
        )
        return [row[0] for row in rows]

    def book_receipt(
        self,
        line: PurchaseOrderLine,
        quantity: Quantity,
        location: str | None,
        barcode: Decoded,
        raw: str,
        link_key: str,
        item: ItemRef | None = None,
        *,
        another: bool = False,
    ) -> tuple[int | None, ItemRef | None]:
        """Book a received label on ``line``: the stock ``item`` (a new internal stock item when ``None``: label
        fields first, the line's as fallback), the receipt (the label's first, or with ``another`` its next bag),
        the line's received quantity (completing the order when nothing is left outstanding), and a link from
        ``link_key`` to the item (with the scan as read, ``raw``) unless the key is linked already. Returns the
        internal stock item id (``None`` for a host's own item) and the item the key stays linked to (``None``
        when the link was added).

        The receive hot path: constant SQL (prepared once, kept by the statement cache), and the link written with
        ``ON CONFLICT DO NOTHING`` instead of a lookup first; the existing link is read only when the key was taken.
        """
        with self.transaction():
            conn = self.db.conn
            at = now()
            micros = to_micros(quantity)
            if item is None:
                item = ItemRef("stockitem", str(self.add_stock_item(line, quantity, location, barcode, at)))
            stock_id = int(item.id) if item.type == "stockitem" and item.id.isdigit() else None
            host_item = None if stock_id is not None else str(item)
            bag = conn.execute(_NEXT_BAG, (barcode.barcode_hash,)).fetchone()[0] if another else 1
            conn.execute(
                _INSERT_RECEIPT,
                (
                    barcode.barcode_hash,
                    bag,
                    micros,
                    stock_id,
                    location,
                    at,
                    host_item,
                    link_key,
                    line.purchase_order,
                    line.line,
                ),
            )
            # Only a receipt that fills its line can complete the order: skip the order-wide check otherwise.
            self._change_received(line.purchase_order, line.line, micros, at, settle=quantity >= line.outstanding)
            link = (link_key, item.type, item.id, raw, barcode.plugin, at)
            if conn.execute(INSERT_LINK_IF_FREE, link).rowcount:
                return stock_id, None
            existing = self.get_link(link_key)
            return stock_id, existing.item if existing else None

    def delete_receipt(self, receipt: Receipt) -> None:
        """Remove a receipt and take its quantity back off the line (reopening a complete order)."""
        with self.transaction():
            self.db.conn.execute("DELETE FROM receipts WHERE id = ?", [receipt.id])
            taken_back = -to_micros(receipt.quantity)
            self._change_received(receipt.purchase_order, receipt.line, taken_back, now(), settle=True)

    def receipt_item(self, receipt: Receipt) -> tuple[ItemRef | None, str | None]:
        """The item a receipt went into and the key its label was linked under (``None``s before schema 3)."""
        rows = self._tuples("SELECT item, link_key FROM receipts WHERE id = ?", (receipt.id,))
        row = rows[0] if rows else None
        item = ItemRef.parse(row[0]) if row and row[0] else None
        if item is None and receipt.stock_item is not None:
            item = ItemRef("stockitem", str(receipt.stock_item))
        return item, row[1] if row else None

    def received_on_line(self, purchase_order: str, line: int) -> Quantity:
        """The sum of receipts on a line, recomputed from the receipts (an audit of ``po_lines.received``)."""
        total = self._scalar(
            "SELECT coalesce(sum(receipts.quantity_micros), 0) FROM receipts JOIN po_lines ON po_lines.id ="
            " receipts.po_line_id WHERE po_lines.purchase_order = ? AND po_lines.line = ?",
            [purchase_order, line],
        )
        return from_micros(total)
