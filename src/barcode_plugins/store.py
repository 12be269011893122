"""The store: the only module that speaks SQL (SQLite through sqlite-utils).

Tables: ``links``, ``purchase_orders``, ``po_lines``, ``stock_items``, ``receipts``, ``history`` and ``meta``
(schema version). WAL mode; every write the engine makes is one ``BEGIN IMMEDIATE`` transaction
(:meth:`Store.transaction`), so two processes never interleave half-done writes and a killed process leaves
either all of a scan or none of it.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import sqlite_utils

from .errors import StoreError
from .models import (
    Decoded,
    HistoryEntry,
    ItemRef,
    Link,
    PoStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Quantity,
    Receipt,
    StockItem,
)

BUSY_TIMEOUT_SECONDS = 30.0


def now() -> str:
    """UTC timestamp, ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _create_schema_v1(db: sqlite_utils.Database) -> None:
    db.table("links").create(
        {"link_key": str, "item_type": str, "item_id": str, "raw": str, "plugin": str, "created_at": str},
        pk="link_key",
        not_null={"item_type", "item_id", "created_at"},
    )
    db.table("links").create_index(["item_type", "item_id"])
    db.table("purchase_orders").create(
        {"reference": str, "supplier": str, "supplier_reference": str, "status": str, "updated_at": str},
        pk="reference",
        not_null={"supplier", "status"},
    )
    db.table("purchase_orders").create_index(["supplier_reference"])
    db.table("po_lines").create(
        {
            "id": int,
            "purchase_order": str,
            "line": int,
            "sku": str,
            "mpn": str,
            "manufacturer": str,
            "quantity": float,
            "received": float,
            "destination": str,
        },
        pk="id",
        not_null={"purchase_order", "line", "quantity", "received"},
        foreign_keys=[("purchase_order", "purchase_orders", "reference")],
    )
    db.table("po_lines").create_index(["purchase_order", "line"], unique=True)
    # Matching looks lines up by part number, case-insensitively.
    db.execute("CREATE INDEX idx_po_lines_sku_nocase ON po_lines (sku COLLATE NOCASE)")
    db.execute("CREATE INDEX idx_po_lines_mpn_nocase ON po_lines (mpn COLLATE NOCASE)")
    db.table("stock_items").create(
        {
            "id": int,
            "quantity": float,
            "sku": str,
            "mpn": str,
            "manufacturer": str,
            "location": str,
            "lot_code": str,
            "date_code": str,
            "country_of_origin": str,
            "purchase_order": str,
            "line": int,
            "barcode_hash": str,
            "created_at": str,
        },
        pk="id",
        not_null={"quantity"},
    )
    db.table("receipts").create(
        {
            "id": int,
            "barcode_hash": str,
            "po_line_id": int,
            "quantity": float,
            "stock_item_id": int,
            "location": str,
            "at": str,
        },
        pk="id",
        not_null={"barcode_hash", "po_line_id", "quantity", "at"},
        foreign_keys=[("po_line_id", "po_lines", "id")],
    )
    # One label is received once, whatever station scans it: the database enforces it.
    db.table("receipts").create_index(["barcode_hash"], unique=True)
    db.table("history").create(
        {
            "id": int,
            "at": str,
            "action": str,
            "status": str,
            "raw": str,
            "barcode_hash": str,
            "plugin": str,
            "item": str,
            "purchase_order": str,
            "line": int,
            "quantity": float,
            "message": str,
        },
        pk="id",
        not_null={"at", "action", "status"},
    )
    db.table("history").create_index(["barcode_hash"])


def _drop_unused_history_index_v2(db: sqlite_utils.Database) -> None:
    # Nothing reads history by barcode hash (history() filters by action, get_history by id): the index was one
    # more random page written by every scan, link and receive.
    db.execute("DROP INDEX IF EXISTS idx_history_barcode_hash")


def _add_embedding_columns_v3(db: sqlite_utils.Database) -> None:
    # A receipt may go into a host's own item (``receipts.item``, NULL for an internal stock item), and its
    # undo removes exactly the label's link (``receipts.link_key``); a failed scan keeps why (history.explanation).
    db.execute("ALTER TABLE receipts ADD COLUMN item TEXT")
    db.execute("ALTER TABLE receipts ADD COLUMN link_key TEXT")
    db.execute("ALTER TABLE history ADD COLUMN explanation TEXT")


#: Forward migrations: ``MIGRATIONS[n]`` takes a database at version ``n`` to ``n + 1``.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_schema_v1,
    _drop_unused_history_index_v2,
    _add_embedding_columns_v3,
]
#: The version this code writes: a database at a lower one is migrated forward when opened.
SCHEMA_VERSION = len(MIGRATIONS)


def _number(value: float | int | None) -> Quantity | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


#: A link as the ``links`` table stores it: link_key, item_type, item_id, raw, plugin, created_at.
LinkRow = tuple[str, str, str, str, str | None, str]


# -- receive hot path: constant SQL, so sqlite3's statement cache keeps each prepared -------------------------
_GET_RECEIPT = (
    "SELECT receipts.id, receipts.barcode_hash, po_lines.purchase_order, po_lines.line, receipts.quantity,"
    " receipts.stock_item_id, receipts.location, receipts.at FROM receipts JOIN po_lines"
    " ON po_lines.id = receipts.po_line_id WHERE receipts.barcode_hash = ?"
)
_INSERT_STOCK_ITEM = (
    "INSERT INTO stock_items (quantity, sku, mpn, manufacturer, location, lot_code, date_code,"
    " country_of_origin, purchase_order, line, barcode_hash, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RECEIPT = (
    "INSERT INTO receipts (barcode_hash, po_line_id, quantity, stock_item_id, location, at, item, link_key)"
    " SELECT ?, id, ?, ?, ?, ?, ?, ? FROM po_lines WHERE purchase_order = ? AND line = ?"
)
_ADD_RECEIVED = "UPDATE po_lines SET received = received + ? WHERE purchase_order = ? AND line = ?"
# Only a taken key is skipped (not OR IGNORE, which would also swallow a NOT NULL violation).
_INSERT_LINK_IF_FREE = (
    "INSERT INTO links (link_key, item_type, item_id, raw, plugin, created_at) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (link_key) DO NOTHING"
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
        " po_lines.quantity, po_lines.received, po_lines.destination"
        " FROM po_lines JOIN purchase_orders ON purchase_orders.reference = po_lines.purchase_order"
        f" WHERE purchase_orders.status = 'placed' AND {condition} ORDER BY po_lines.purchase_order, po_lines.line"
    )


class _Transaction:
    """:meth:`Store.transaction`. A class rather than ``@contextmanager``: a receive enters it twice per scan and
    the generator machinery cost more than the rest of the bookkeeping."""

    __slots__ = ("_joined", "_store")

    def __init__(self, store: Store) -> None:
        self._store = store
        self._joined = False

    def __enter__(self) -> Store:
        store = self._store
        conn = store.db.conn
        if conn.in_transaction:
            self._joined = True
            return store
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise StoreError(store._explain(error)) from None
        return store

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._joined:
            return  # the outer transaction commits or rolls back
        store = self._store
        conn = store.db.conn
        if exc_type is not None:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return  # the exception propagates
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(store._explain(error)) from None


class Store:
    """One SQLite database holding links, purchase orders, stock, receipts and history.

    :param path: a file path, or ``":memory:"`` for a throwaway store. The parent directory must exist (the
        engine creates the default data directory; a path the user gave is never created silently).
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(f"cannot open database {self.path}: directory {parent} does not exist")
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                self.db.enable_wal()
            self.set_durable(False)
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(self._explain(error)) from None
        except OSError as error:
            raise StoreError(f"cannot open database {self.path}: {error.strerror or error}") from None

    def _explain(self, error: sqlite3.DatabaseError) -> str:
        text = str(error)
        if "not a database" in text or "malformed" in text:
            return f"{self.path} is not a barcode-plugins database (not SQLite, or damaged): {text}"
        if "readonly" in text or "unable to open" in text:
            return f"cannot write database {self.path}: {text} (is the directory writable?)"
        return f"database {self.path}: {text}"

    def set_durable(self, durable: bool) -> None:
        """``True``: every commit is fsynced (survives power loss; interactive receiving).

        ``False`` (default): WAL with ``synchronous=NORMAL`` — a commit survives a killed process, which is what a
        batch needs, at a fraction of the cost.
        """
        self.db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def transaction(self) -> AbstractContextManager[Store]:
        """One write transaction (``BEGIN IMMEDIATE``: takes the write lock up front, so read-then-write is safe
        against other processes). Nested use joins the outer transaction."""
        return _Transaction(self)

    def _migrate(self) -> None:
        if self._version() >= SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._version()  # again, under the write lock: another process may have migrated
            if "meta" not in self.db.table_names():
                self.db.table("meta").create({"key": str, "value": str}, pk="key")
            for migration in MIGRATIONS[version:]:
                migration(self.db)
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                [str(SCHEMA_VERSION)],
            )

    def _version(self) -> int:
        if "meta" not in self.db.table_names():
            if self.db.table_names():
                raise StoreError(f"{self.path} is a SQLite database of another application (no meta table)")
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this barcode-plugins ({SCHEMA_VERSION});"
                " upgrade barcode-plugins"
            )
        return version

    def schema_version(self) -> int:
        """The schema version the database is at."""
        return self._version()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        # The raw connection, not ``db.query``: its savepoint guard triples the statements of a hot lookup.
        cursor = self.db.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    # -- links -------------------------------------------------------------------------------------------
    @staticmethod
    def _link(row: dict[str, Any]) -> Link:
        return Link(
            link_key=row["link_key"],
            item=ItemRef(row["item_type"], row["item_id"]),
            raw=row["raw"] or "",
            plugin=row["plugin"],
            created_at=row["created_at"],
        )

    def get_link(self, link_key: str) -> Link | None:
        """The link stored under ``link_key``."""
        row = self._one("SELECT * FROM links WHERE link_key = ?", [link_key])
        return self._link(row) if row else None

    def links_for(self, item: ItemRef) -> list[Link]:
        """Every link of an item, oldest first."""
        rows = self._rows(
            "SELECT * FROM links WHERE item_type = ? AND item_id = ? ORDER BY created_at",
            [item.type, item.id],
        )
        return [self._link(row) for row in rows]

    def add_link(self, link: Link) -> None:
        """Insert a link (the caller has checked, inside the same transaction, that the key is free)."""
        self.db.execute(
            "INSERT INTO links (link_key, item_type, item_id, raw, plugin, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [link.link_key, link.item.type, link.item.id, link.raw, link.plugin, link.created_at],
        )

    def add_links(self, links: Iterable[Link], batch_size: int = 10_000) -> int:
        """Insert many links in one transaction; keys already present are left as they are. Returns rows added."""
        added = 0
        with self.transaction():
            before = self.db.conn.total_changes
            batch: list[LinkRow] = []
            for link in links:
                batch.append((link.link_key, link.item.type, link.item.id, link.raw, link.plugin, link.created_at))
                if len(batch) >= batch_size:
                    self._insert_links(batch)
                    batch.clear()
            self._insert_links(batch)
            added = self.db.conn.total_changes - before
        return added

    def add_link_rows(self, rows: Sequence[LinkRow]) -> int:
        """:meth:`add_links` for rows already in column order (``link_key, item_type, item_id, raw, plugin,
        created_at``), in one transaction (the caller's, if one is open). Returns rows added."""
        with self.transaction():
            before = self.db.conn.total_changes
            self._insert_links(rows)
            return self.db.conn.total_changes - before

    # -- staged bulk import: rows wait in a TEMP table (this connection only, on disk, no lock on the store) --------
    def stage_links(self, rows: Sequence[LinkRow]) -> None:
        """Add ``(link_key, item_type, item_id, raw, plugin, created_at)`` rows to this connection's staging table
        for :meth:`add_staged_links`. Writes only the TEMP database: other connections are not held up."""
        conn = self.db.conn
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staged_links"
            " (link_key TEXT, item_type TEXT, item_id TEXT, raw TEXT, plugin TEXT, created_at TEXT)"
        )
        joined = conn.in_transaction
        if not joined:
            conn.execute("BEGIN")  # deferred: a write to TEMP takes no lock on the main database
        try:
            conn.executemany("INSERT INTO temp.staged_links VALUES (?, ?, ?, ?, ?, ?)", rows)
        except BaseException:
            if not joined and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if not joined:
            conn.execute("COMMIT")

    def add_staged_links(self) -> tuple[int, int]:
        """Insert the staged rows into ``links`` in staging order, keys already present left as they are, in one
        transaction (the caller's, if one is open). Returns (rows added, rows staged)."""
        conn = self.db.conn
        with self.transaction():
            staged = int(conn.execute("SELECT count(*) FROM temp.staged_links").fetchone()[0])
            before = conn.total_changes
            conn.execute(
                "INSERT OR IGNORE INTO links (link_key, item_type, item_id, raw, plugin, created_at)"
                " SELECT link_key, item_type, item_id, raw, plugin, created_at FROM temp.staged_links ORDER BY rowid"
            )
            added = conn.total_changes - before
        return added, staged

    def drop_staged_links(self) -> None:
        """Forget whatever is staged (after an import, or when one fails)."""
        self.db.conn.execute("DROP TABLE IF EXISTS temp.staged_links")

    def _insert_links(self, rows: Sequence[LinkRow]) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO links (link_key, item_type, item_id, raw, plugin, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def delete_link(self, link_key: str) -> None:
        """Remove one link."""
        self.db.execute("DELETE FROM links WHERE link_key = ?", [link_key])

    def delete_links_for(self, item: ItemRef) -> None:
        """Remove every link of an item."""
        self.db.execute("DELETE FROM links WHERE item_type = ? AND item_id = ?", [item.type, item.id])

    def count_links(self) -> int:
        """How many links are stored."""
        return int(self.db.execute("SELECT count(*) FROM links").fetchone()[0])

    # -- purchase orders ---------------------------------------------------------------------------------
    @staticmethod
    def _line(row: dict[str, Any]) -> PurchaseOrderLine:
        return PurchaseOrderLine(
            purchase_order=row["purchase_order"],
            line=row["line"],
            sku=row["sku"],
            mpn=row["mpn"],
            manufacturer=row["manufacturer"],
            quantity=_number(row["quantity"]) or 0,
            received=_number(row["received"]) or 0,
            destination=row["destination"],
        )

    def _orders(self, where: str, params: Sequence[Any]) -> list[PurchaseOrder]:
        headers = list(self._rows(f"SELECT * FROM purchase_orders {where} ORDER BY reference", params))
        if not headers:
            return []
        refs = [header["reference"] for header in headers]
        marks = ",".join("?" * len(refs))
        sql = f"SELECT * FROM po_lines WHERE purchase_order IN ({marks})"
        line_params: list[Any] = list(refs)
        lines: dict[str, list[PurchaseOrderLine]] = {ref: [] for ref in refs}
        for row in self._rows(sql + " ORDER BY purchase_order, line", line_params):
            lines[row["purchase_order"]].append(self._line(row))
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
        orders = self._orders("WHERE reference = ?", [reference])
        return orders[0] if orders else None

    def list_purchase_orders(self, status: str | None = None) -> list[PurchaseOrder]:
        """Every purchase order (optionally of one status) with its lines."""
        if status is None:
            return self._orders("", [])
        return self._orders("WHERE status = ?", [status])

    def save_purchase_order(self, order: PurchaseOrder) -> None:
        """Insert or update an order and its lines, keeping what has been received.

        Lines missing from ``order`` are deleted; the caller has refused the import if any of them had receipts.
        """
        self.db.execute(
            "INSERT INTO purchase_orders (reference, supplier, supplier_reference, status, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(reference) DO UPDATE SET supplier = excluded.supplier,"
            " supplier_reference = excluded.supplier_reference, status = excluded.status,"
            " updated_at = excluded.updated_at",
            [order.reference, order.supplier, order.supplier_reference, order.status, now()],
        )
        numbers = [line.line for line in order.lines]
        self.db.execute(
            f"DELETE FROM po_lines WHERE purchase_order = ? AND line NOT IN ({','.join('?' * len(numbers))})",
            [order.reference, *numbers],
        )
        self.db.conn.executemany(
            "INSERT INTO po_lines (purchase_order, line, sku, mpn, manufacturer, quantity, received, destination)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(purchase_order, line) DO UPDATE SET sku = excluded.sku,"
            " mpn = excluded.mpn, manufacturer = excluded.manufacturer, quantity = excluded.quantity,"
            " destination = excluded.destination",
            [
                (
                    order.reference,
                    line.line,
                    line.sku,
                    line.mpn,
                    line.manufacturer,
                    line.quantity,
                    line.destination,
                )
                for line in order.lines
            ],
        )

    def candidate_orders(self, part_numbers: Sequence[str], order_references: Sequence[str]) -> list[PurchaseOrder]:
        """Placed orders with the lines that could fit a label: lines whose SKU or MPN is one of
        ``part_numbers`` (case-insensitive), restricted to those lines only. Indexed: cost does not grow with
        the number of open lines that do not fit. ``order_references`` is accepted for labels without a part
        number; then every line of the named orders is a candidate. One query: the lines joined to their orders."""
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
        for values in self.db.conn.execute(_candidates_sql(bool(parts), len(params) // 2), params):
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
                    _number(values[8]) or 0,
                    _number(values[9]) or 0,
                    values[10],
                )
            )
        return [
            PurchaseOrder(reference, supplier, supplier_reference, cast(PoStatus, status), tuple(lines[reference]))
            for reference, (supplier, supplier_reference, status) in headers.items()
        ]

    def get_line(self, purchase_order: str, line: int) -> PurchaseOrderLine | None:
        """One purchase-order line as it is now."""
        row = self._one("SELECT * FROM po_lines WHERE purchase_order = ? AND line = ?", [purchase_order, line])
        return self._line(row) if row else None

    def add_received(self, purchase_order: str, line: int, quantity: Quantity) -> None:
        """Add (or, negative, take back) a received quantity on a line."""
        self.db.execute(
            "UPDATE po_lines SET received = received + ? WHERE purchase_order = ? AND line = ?",
            [quantity, purchase_order, line],
        )

    # -- stock and receipts ------------------------------------------------------------------------------
    def get_stock_item(self, stock_item_id: int) -> StockItem | None:
        """A stock item by id."""
        row = self._one("SELECT * FROM stock_items WHERE id = ?", [stock_item_id])
        if row is None:
            return None
        row["quantity"] = _number(row["quantity"])
        return StockItem(**row)

    def delete_stock_item(self, stock_item_id: int) -> None:
        """Remove a stock item."""
        self.db.execute("DELETE FROM stock_items WHERE id = ?", [stock_item_id])

    def get_receipt(self, barcode_hash: str) -> Receipt | None:
        """The receipt of a label, if it was received."""
        row = self.db.conn.execute(_GET_RECEIPT, (barcode_hash,)).fetchone()
        if row is None:
            return None
        # Columns in Receipt's field order (see _GET_RECEIPT).
        return Receipt(row[0], row[1], row[2], row[3], _number(row[4]) or 0, row[5], row[6], row[7])

    def book_receipt(
        self,
        line: PurchaseOrderLine,
        quantity: Quantity,
        location: str | None,
        barcode: Decoded,
        raw: str,
        link_key: str,
        item: ItemRef | None = None,
    ) -> tuple[int | None, ItemRef | None]:
        """Book a received label on ``line``: the stock ``item`` (a new internal stock item when ``None``: label
        fields first, the line's as fallback), the receipt (unique per barcode hash), the line's received
        quantity, and a link from ``link_key`` to the item (with the scan as read, ``raw``) unless the key is
        linked already. Returns the internal stock item id (``None`` for a host's own item) and the item the
        key stays linked to (``None`` when the link was added).

        The receive hot path: constant SQL on the raw connection (prepared once, kept by the statement cache),
        and the link written with ``ON CONFLICT DO NOTHING`` instead of a lookup first; the existing link is
        read only when the key was taken.
        """
        with self.transaction():
            conn = self.db.conn
            at = now()
            if item is None:
                item = ItemRef("stockitem", str(self.add_stock_item(line, quantity, location, barcode, at)))
            stock_id = int(item.id) if item.type == "stockitem" and item.id.isdigit() else None
            host_item = None if stock_id is not None else str(item)
            conn.execute(
                _INSERT_RECEIPT,
                (
                    barcode.barcode_hash,
                    quantity,
                    stock_id,
                    location,
                    at,
                    host_item,
                    link_key,
                    line.purchase_order,
                    line.line,
                ),
            )
            conn.execute(_ADD_RECEIVED, (quantity, line.purchase_order, line.line))
            link = (link_key, item.type, item.id, raw, barcode.plugin, at)
            if conn.execute(_INSERT_LINK_IF_FREE, link).rowcount:
                return stock_id, None
            existing = self.get_link(link_key)
            return stock_id, existing.item if existing else None

    def delete_receipt(self, receipt: Receipt) -> None:
        """Remove a receipt and take its quantity back off the line."""
        self.db.execute("DELETE FROM receipts WHERE id = ?", [receipt.id])
        self.add_received(receipt.purchase_order, receipt.line, -receipt.quantity)

    def received_on_line(self, purchase_order: str, line: int) -> Quantity:
        """The sum of receipts on a line, recomputed from the receipts (an audit of ``po_lines.received``)."""
        row = self.db.execute(
            "SELECT coalesce(sum(receipts.quantity), 0) FROM receipts JOIN po_lines ON po_lines.id ="
            " receipts.po_line_id WHERE po_lines.purchase_order = ? AND po_lines.line = ?",
            [purchase_order, line],
        ).fetchone()
        return _number(row[0]) or 0

    # -- history -----------------------------------------------------------------------------------------
    def add_history(
        self,
        action: str,
        status: str,
        raw: str,
        *,
        barcode_hash: str | None = None,
        plugin: str | None = None,
        item: ItemRef | None = None,
        purchase_order: str | None = None,
        line: int | None = None,
        quantity: Quantity | None = None,
        message: str | None = None,
    ) -> int:
        """Append a history entry; returns its id."""
        cursor = self.db.execute(
            "INSERT INTO history (at, action, status, raw, barcode_hash, plugin, item, purchase_order, line,"
            " quantity, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                now(),
                action,
                status,
                raw,
                barcode_hash,
                plugin,
                str(item) if item else None,
                purchase_order,
                line,
                quantity,
                message,
            ],
        )
        return int(cursor.lastrowid or 0)

    @staticmethod
    def _history(row: dict[str, Any]) -> HistoryEntry:
        return HistoryEntry(
            id=row["id"],
            at=row["at"],
            action=row["action"],
            status=row["status"],
            raw=row["raw"] or "",
            barcode_hash=row["barcode_hash"],
            plugin=row["plugin"],
            item=ItemRef.parse(row["item"]) if row["item"] else None,
            purchase_order=row["purchase_order"],
            line=row["line"],
            quantity=_number(row["quantity"]),
            message=row["message"],
        )

    def history(self, limit: int = 50, action: str | None = None) -> list[HistoryEntry]:
        """The newest entries first."""
        where, params = ("WHERE action = ?", [action]) if action else ("", [])
        rows = self._rows(f"SELECT * FROM history {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [self._history(row) for row in rows]

    def get_history(self, history_id: int) -> HistoryEntry | None:
        """One history entry by id."""
        row = self._one("SELECT * FROM history WHERE id = ?", [history_id])
        return self._history(row) if row else None

    # -- embedding: host items, explanations, history queries and retention ------------------------------
    def add_stock_item(
        self,
        line: PurchaseOrderLine,
        quantity: Quantity,
        location: str | None,
        barcode: Decoded,
        at: str | None = None,
    ) -> int:
        """Insert the internal stock item a receipt creates (label fields first, the line's as fallback)."""
        cursor = self.db.conn.execute(
            _INSERT_STOCK_ITEM,
            (
                quantity,
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

    def receipt_item(self, receipt: Receipt) -> tuple[ItemRef | None, str | None]:
        """The item a receipt went into and the key its label was linked under (``None``s before schema 3)."""
        row = self.db.conn.execute("SELECT item, link_key FROM receipts WHERE id = ?", (receipt.id,)).fetchone()
        item = ItemRef.parse(row[0]) if row and row[0] else None
        if item is None and receipt.stock_item is not None:
            item = ItemRef("stockitem", str(receipt.stock_item))
        return item, row[1] if row else None

    def delete_link_of(self, link_key: str, item: ItemRef) -> None:
        """Remove the link under ``link_key`` if it points at ``item`` (an undone receipt's label link)."""
        self.db.conn.execute(
            "DELETE FROM links WHERE link_key = ? AND item_type = ? AND item_id = ?", (link_key, item.type, item.id)
        )

    def set_history_explanation(self, history_id: int, explanation_json: str) -> None:
        """Keep why a scan failed with its history entry (JSON of an :class:`~barcode_plugins.explain.Explanation`)."""
        self.db.conn.execute("UPDATE history SET explanation = ? WHERE id = ?", (explanation_json, history_id))

    def history_explanation(self, history_id: int) -> str | None:
        """The stored explanation JSON of a history entry, if any."""
        row = self.db.conn.execute("SELECT explanation FROM history WHERE id = ?", (history_id,)).fetchone()
        return row[0] if row else None

    def query_history(
        self,
        limit: int,
        *,
        action: str | None = None,
        status: str | None = None,
        purchase_order: str | None = None,
        barcode_hash: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[HistoryEntry, str | None]]:
        """History entries, newest first, each with its explanation JSON; every filter given must hold
        (``since`` inclusive, ``until`` exclusive, both ISO timestamps compared as UTC text)."""
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("action", action),
            ("status", status),
            ("purchase_order", purchase_order),
            ("barcode_hash", barcode_hash),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            conditions.append("at >= ?")
            params.append(since)
        if until is not None:
            conditions.append("at < ?")
            params.append(until)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._rows(f"SELECT * FROM history {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [(self._history(row), row.get("explanation")) for row in rows]

    def prune_history(self, keep: int | None = None, before: str | None = None) -> int:
        """Delete history beyond the newest ``keep`` entries and/or older than ``before`` (ISO UTC); returns how
        many were deleted. Receipts, links and stock are not touched."""
        deleted = 0
        with self.transaction():
            conn = self.db.conn
            if keep is not None:
                row = conn.execute("SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?", (keep,)).fetchone()
                if row is not None:
                    deleted += conn.execute("DELETE FROM history WHERE id <= ?", (row[0],)).rowcount
            if before is not None:
                deleted += conn.execute("DELETE FROM history WHERE at < ?", (before,)).rowcount
        return deleted

    def orders_to_explain(self, part_numbers: Sequence[str], order_references: Sequence[str]) -> list[PurchaseOrder]:
        """Orders of any status with the lines a label could be about: lines whose SKU or MPN is one of
        ``part_numbers``, and every line of an order named by ``order_references`` (by our reference or the
        supplier's), all case-insensitive. At most 20 orders: enough to say why, bounded for a huge store."""
        parts = [part for part in part_numbers if part] or [""]
        refs = [ref for ref in order_references if ref] or [""]
        part_marks, ref_marks = ",".join("?" * len(parts)), ",".join("?" * len(refs))
        found = self.db.conn.execute(
            "SELECT DISTINCT po_lines.purchase_order FROM po_lines JOIN purchase_orders ON"
            " purchase_orders.reference = po_lines.purchase_order WHERE"
            f" po_lines.sku COLLATE NOCASE IN ({part_marks}) OR po_lines.mpn COLLATE NOCASE IN ({part_marks})"
            f" OR purchase_orders.reference COLLATE NOCASE IN ({ref_marks})"
            f" OR purchase_orders.supplier_reference COLLATE NOCASE IN ({ref_marks})"
            " ORDER BY po_lines.purchase_order LIMIT 20",
            [*parts, *parts, *refs, *refs],
        ).fetchall()
        if not found:
            return []
        references = [row[0] for row in found]
        return self._orders(f"WHERE reference IN ({','.join('?' * len(references))})", references)
