"""A small host inventory as a plugin, for the embedding tests (installed with pip by ``tests/test_events.py``).

Its behaviour is switched by environment variables, read at call time, so one installed package serves every
test, in this process and in the CLI subprocesses:

- ``HOSTDEMO_MIRROR=1``: every event is mirrored into the ``host_events`` table, inside the transaction;
- ``HOSTDEMO_REFUSE=kind,...``: the in-transaction listener raises for these event kinds;
- ``HOSTDEMO_LOG=path``: every committed event is appended to this file, one line each;
- ``HOSTDEMO_FAIL_AFTER=1``: the after-commit listener raises (after writing its line);
- ``HOSTDEMO_OWN_ITEMS=1``: receipts go into the host's ``erp_stock`` table, as ``erp_stock:N``.
"""

from __future__ import annotations

import os

from barcode_plugins import Decoded, Event, ItemRef, PurchaseOrderLine, Transaction, hookimpl

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS host_events (id INTEGER PRIMARY KEY, kind TEXT, history_id INTEGER, item TEXT,"
    " quantity REAL, pid INTEGER)",
    "CREATE TABLE IF NOT EXISTS erp_stock (id INTEGER PRIMARY KEY, part TEXT, quantity REAL NOT NULL)",
)


def _mirror(event: Event, tx: Transaction) -> None:
    if event.kind in os.environ.get("HOSTDEMO_REFUSE", "").split(","):
        raise RuntimeError(f"host refuses {event.kind}")
    if os.environ.get("HOSTDEMO_MIRROR"):
        for statement in SCHEMA:
            tx.execute(statement)
        tx.execute(
            "INSERT INTO host_events (kind, history_id, item, quantity, pid) VALUES (?, ?, ?, ?, ?)",
            (event.kind, event.history_id, str(event.item) if event.item else None, event.quantity, os.getpid()),
        )


@hookimpl
def receipt_booked(event: Event, tx: Transaction) -> None:
    """Mirror the receipt."""
    _mirror(event, tx)


@hookimpl
def receipt_undone(event: Event, tx: Transaction) -> None:
    """Mirror the undo; take the stock back out of the host's own item."""
    _mirror(event, tx)
    if event.item is not None and event.item.type == "erp_stock":
        tx.execute("UPDATE erp_stock SET quantity = quantity - ? WHERE id = ?", (event.quantity, int(event.item.id)))


@hookimpl
def link_added(event: Event, tx: Transaction) -> None:
    """Mirror the link."""
    _mirror(event, tx)


@hookimpl
def link_removed(event: Event, tx: Transaction) -> None:
    """Mirror the unlink."""
    _mirror(event, tx)


@hookimpl
def event_committed(event: Event) -> None:
    """Tell "another system" (a file) about the committed event."""
    path = os.environ.get("HOSTDEMO_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event.kind} {event.history_id} {event.barcode_hash or event.link_key}\n")
    if os.environ.get("HOSTDEMO_FAIL_AFTER"):
        raise ConnectionError("the ERP is down")


@hookimpl
def create_receipt_item(barcode: Decoded, line: PurchaseOrderLine, quantity: float, tx: Transaction) -> ItemRef | None:
    """Receive into the host's own stock table."""
    if not os.environ.get("HOSTDEMO_OWN_ITEMS"):
        return None
    for statement in SCHEMA:
        tx.execute(statement)
    part = barcode.supplier_part_number or barcode.manufacturer_part_number or line.mpn
    cursor = tx.execute("INSERT INTO erp_stock (part, quantity) VALUES (?, ?)", (part, quantity))
    return ItemRef("erp_stock", str(cursor.lastrowid))


@hookimpl
def item_exists(item: ItemRef, tx: Transaction) -> bool | None:
    """``erp_stock:N`` exists when its row does."""
    if item.type != "erp_stock":
        return None
    if not tx.query("SELECT name FROM sqlite_master WHERE name = 'erp_stock'"):
        return False
    return bool(tx.query("SELECT 1 FROM erp_stock WHERE id = ?", (int(item.id),)))
