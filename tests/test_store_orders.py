"""Purchase orders, receipts and stock items in the store: large orders, and the status following receipts."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from barcode_plugins import Engine, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.store import Store


def _ecia_label(number: int) -> str:
    return f"[)>\x1e06\x1d1PPART-1\x1dQ1\x1d1TLOT-{number}\x1e\x04"


def test_po_list_with_more_orders_than_sqlite_variables(tmp_path: Path) -> None:
    store = Store(tmp_path / "many.db")
    # SQLite's variable limit lowered on this connection (default 32,766): a listing that bound one variable per
    # order would fail here with 2,001 orders as it would with 32,767 at the default limit.
    limit = 2_000
    store.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    count = limit + 1
    with store.transaction():
        conn = store.db.conn
        conn.executemany(
            "INSERT INTO purchase_orders VALUES (?, 'Farnell', NULL, 'placed', '2026-01-01')",
            ((f"PO-{n:06d}",) for n in range(count)),
        )
        conn.executemany(
            "INSERT INTO po_lines (purchase_order, line, mpn, quantity_micros, received_micros)"
            " VALUES (?, 1, 'X', 5000000, 0)",
            ((f"PO-{n:06d}",) for n in range(count)),
        )
    with pytest.raises(sqlite3.OperationalError, match="too many SQL variables"):  # the limit holds
        store.db.conn.execute(f"SELECT 1 WHERE 1 IN ({', '.join('?' * count)})", list(range(count)))
    orders = store.list_purchase_orders()
    assert len(orders) == count and orders[-1].lines[0].quantity == 5
    assert len(store.list_purchase_orders("placed")) == count
    store.close()


def test_po_import_of_one_order_with_40000_lines(tmp_path: Path) -> None:
    lines = tuple(PurchaseOrderLine("BIG", n, mpn=f"P-{n}", quantity=1) for n in range(1, 40_001))
    with Engine(tmp_path / "big.db") as engine:
        engine.import_purchase_orders([PurchaseOrder("BIG", "Farnell", None, "placed", lines)])
        engine.import_purchase_orders([PurchaseOrder("BIG", "Farnell", None, "placed", lines[:39_000])])
        assert len(engine.purchase_order("BIG").lines) == 39_000


def test_the_order_status_follows_the_received_quantity_both_ways(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "status.db")
    store = engine.store
    lines = (PurchaseOrderLine("PO-9", 1, mpn="PART-1", quantity=2), PurchaseOrderLine("PO-9", 2, mpn="B", quantity=1))
    store.save_purchase_order(PurchaseOrder("PO-9", "Farnell", None, "placed", lines))
    first, second = engine.decode(_ecia_label(1)), engine.decode(_ecia_label(2))
    line = store.get_line("PO-9", 1)
    assert line is not None
    store.book_receipt(line, Decimal(1), None, first, first.raw, "k1")  # line 1 half received
    store.add_received("PO-9", 2, Decimal(1))  # line 2 full
    assert store.get_purchase_order("PO-9").status == "placed"  # type: ignore[union-attr]
    half = store.get_line("PO-9", 1)
    assert half is not None and half.received == 1
    store.book_receipt(half, Decimal(1), None, second, second.raw, "k2")  # fills the last line: complete
    order = store.get_purchase_order("PO-9")
    assert order is not None and order.status == "complete" and order.lines[0].received == 2
    receipt = store.get_receipt(second.barcode_hash)
    assert receipt is not None
    store.delete_receipt(receipt)  # taken back: open again
    order = store.get_purchase_order("PO-9")
    assert order is not None and order.status == "placed" and order.lines[0].received == 1
    assert store.received_on_line("PO-9", 1) == 1
    engine.close()
