"""The store: the only module that speaks SQL (SQLite through sqlite-utils).

Tables: ``links``, ``purchase_orders``, ``po_lines``, ``stock_items``, ``receipts``, ``history`` and ``meta``
(schema version). WAL mode; every write the engine makes is one ``BEGIN IMMEDIATE`` transaction
(:meth:`Store.transaction`), so two processes never interleave half-done writes and a killed process leaves
either all of a scan or none of it.

Quantities are stored exactly, as whole numbers of millionths (``*_micros`` columns; see
:mod:`barcode_plugins.quantities`). Stock item, receipt and history ids are ``AUTOINCREMENT``: never reused, so a
printed label or a history id names one thing forever.

Threads: each thread gets its own connection (all closed by :meth:`Store.close`) and its own transactions, so
threads sharing a store behave like processes sharing the file. A ``":memory:"`` store has one connection, and a
lock makes its transactions take turns.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote

import attrs
import sqlite_utils

from barcode_plugins.errors import BarcodeError, EnvironmentFault, InputError, NotFound, StoreError
from barcode_plugins.models import (
    Decoded,
    HistoryEntry,
    ItemRef,
    Link,
    PoStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    StockItem,
)
from barcode_plugins.quantities import Quantity, from_micros, to_micros

BUSY_TIMEOUT_SECONDS = 30.0
#: ``PRAGMA application_id`` of a barcode-plugins database ("BPLG"): how a file is known to be ours.
APPLICATION_ID = 0x42504C47
#: The tables every barcode-plugins database has had since version 1 (how one without an application id is known).
_OUR_TABLES = frozenset({"meta", "links", "purchase_orders", "po_lines", "stock_items", "receipts", "history"})
#: History keeps at most this much of a raw scan (and its length): a refused 5 MB scan must not cost 5 MB.
MAX_HISTORY_RAW = 8192
#: SQLite integers are signed 64-bit: a larger id cannot exist (and would raise OverflowError as a parameter).
MAX_ID = 2**63 - 1
_SQLITE_HEADER = b"SQLite format 3\x00"


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


# Float quantities become whole millionths; ids become AUTOINCREMENT (a deleted id is never handed out again);
# a receipt gets its ``bag`` number: the first receipt of a label is bag 1 (still unique per label, so an
# accidental double scan stays impossible), "another bag like this one" is bag 2, 3...
_V3_TABLES = {
    "po_lines": (
        "id INTEGER PRIMARY KEY, purchase_order TEXT NOT NULL REFERENCES purchase_orders(reference),"
        " line INTEGER NOT NULL, sku TEXT, mpn TEXT, manufacturer TEXT, quantity_micros INTEGER NOT NULL,"
        " received_micros INTEGER NOT NULL, destination TEXT",
        "id, purchase_order, line, sku, mpn, manufacturer, {q}, {r}, destination",
    ),
    "stock_items": (
        "id INTEGER PRIMARY KEY AUTOINCREMENT, quantity_micros INTEGER NOT NULL, sku TEXT, mpn TEXT,"
        " manufacturer TEXT, location TEXT, lot_code TEXT, date_code TEXT, country_of_origin TEXT,"
        " purchase_order TEXT, line INTEGER, barcode_hash TEXT, created_at TEXT",
        "id, {q}, sku, mpn, manufacturer, location, lot_code, date_code, country_of_origin, purchase_order, line,"
        " barcode_hash, created_at",
    ),
    "receipts": (
        "id INTEGER PRIMARY KEY AUTOINCREMENT, barcode_hash TEXT NOT NULL, bag INTEGER NOT NULL DEFAULT 1,"
        " po_line_id INTEGER NOT NULL REFERENCES po_lines(id), quantity_micros INTEGER NOT NULL,"
        " stock_item_id INTEGER, location TEXT, at TEXT NOT NULL",
        "id, barcode_hash, 1, po_line_id, {q}, stock_item_id, location, at",
    ),
    "history": (
        "id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,"
        " raw TEXT, barcode_hash TEXT, plugin TEXT, item TEXT, purchase_order TEXT, line INTEGER,"
        " quantity_micros INTEGER, message TEXT",
        "id, at, action, status, raw, barcode_hash, plugin, item, purchase_order, line, {q}, message",
    ),
}


def _micros_sql(column: str) -> str:
    return f"CAST(round({column} * 1000000) AS INTEGER)"


def _exact_quantities_and_unreused_ids_v3(db: sqlite_utils.Database) -> None:
    # The table rebuild SQLite documents (create new, copy, drop, rename); foreign keys are off meanwhile
    # (Store._migrate), and the indexes are made again on the new tables.
    for table, (columns, copied) in _V3_TABLES.items():
        db.execute(f"CREATE TABLE {table}_v3 ({columns})")
        select = copied.format(q=_micros_sql("quantity"), r=_micros_sql("received"))
        db.execute(f"INSERT INTO {table}_v3 SELECT {select} FROM {table}")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_v3 RENAME TO {table}")
    db.execute("CREATE UNIQUE INDEX idx_po_lines_purchase_order_line ON po_lines (purchase_order, line)")
    db.execute("CREATE INDEX idx_po_lines_sku_nocase ON po_lines (sku COLLATE NOCASE)")
    db.execute("CREATE INDEX idx_po_lines_mpn_nocase ON po_lines (mpn COLLATE NOCASE)")
    db.execute("CREATE UNIQUE INDEX idx_receipts_barcode_hash_bag ON receipts (barcode_hash, bag)")
    # A stock item deleted before this migration may still be printed on a label: its id is not handed out again.
    mentioned = db.execute(
        "SELECT max(CAST(substr(item, 11) AS INTEGER)) FROM history WHERE item LIKE 'stockitem:%'"
    ).fetchone()[0]
    if mentioned:
        db.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'stock_items', 0 WHERE NOT EXISTS"
            " (SELECT 1 FROM sqlite_sequence WHERE name = 'stock_items')"
        )
        db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'stock_items'", [mentioned])
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _add_embedding_columns_v4(db: sqlite_utils.Database) -> None:
    # A receipt may go into a host's own item (``receipts.item``, NULL for an internal stock item), and its
    # undo removes exactly the label's link (``receipts.link_key``); a failed scan keeps why (history.explanation).
    db.execute("ALTER TABLE receipts ADD COLUMN item TEXT")
    db.execute("ALTER TABLE receipts ADD COLUMN link_key TEXT")
    db.execute("ALTER TABLE history ADD COLUMN explanation TEXT")


#: Forward migrations: ``MIGRATIONS[n]`` takes a database at version ``n`` to ``n + 1``.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_schema_v1,
    _drop_unused_history_index_v2,
    _exact_quantities_and_unreused_ids_v3,
    _add_embedding_columns_v4,
]
MIGRATIONS.append(lambda db: _create_api_tokens(db))  # API tokens (v5): see the section at the end
#: The version this code writes: a database at a lower one is migrated forward when opened.
SCHEMA_VERSION = len(MIGRATIONS)


def _micros(value: int | None) -> Quantity | None:
    return None if value is None else from_micros(value)


def _id_in_range(value: int) -> bool:
    return 0 < value <= MAX_ID


#: A link as the ``links`` table stores it: link_key, item_type, item_id, raw, plugin, created_at.
LinkRow = tuple[str, str, str, str, str | None, str]


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
# Only a taken key is skipped (not OR IGNORE, which would also swallow a NOT NULL violation).
_INSERT_LINK_IF_FREE = (
    "INSERT INTO links (link_key, item_type, item_id, raw, plugin, created_at) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (link_key) DO NOTHING"
)
_INSERT_HISTORY = (
    "INSERT INTO history (at, action, status, raw, barcode_hash, plugin, item, purchase_order, line,"
    " quantity_micros, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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


def explain(error: sqlite3.DatabaseError, path: str) -> BarcodeError:
    """The typed error for a SQLite failure: the machine's fault (:class:`EnvironmentFault`: disk full,
    read-only, locked too long, I/O) or the file's (:class:`StoreError`: not SQLite, damaged)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return EnvironmentFault(f"cannot write database {path}: the disk is full (nothing was written)")
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return EnvironmentFault(f"cannot write database {path}: it is read-only ({text})")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return EnvironmentFault(
            f"database {path} stayed locked by another process for more than {BUSY_TIMEOUT_SECONDS:g} s; try again"
        )
    if name.startswith("SQLITE_IOERR"):
        return EnvironmentFault(f"cannot read or write database {path}: input/output error ({text})")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not a barcode-plugins database (not SQLite, or damaged): {text}")
    if name == "SQLITE_CANTOPEN" or "unable to open" in text:
        return StoreError(f"cannot open database {path}: {text} (is the directory writable?)")
    return StoreError(f"database {path}: {text}")


def _rollback(conn: sqlite3.Connection) -> None:
    # A failed rollback (rare: WAL rollback only forgets frames) must not hide the error that caused it; what was
    # not committed is not in the file either way.
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute("ROLLBACK")


class _Transaction:
    """:meth:`Store.transaction`. A class rather than ``@contextmanager``: a receive enters it twice per scan and
    the generator machinery cost more than the rest of the bookkeeping."""

    __slots__ = ("_joined", "_store")

    def __init__(self, store: Store) -> None:
        self._store = store
        self._joined = False

    def __enter__(self) -> Store:
        store = self._store
        memory_lock = store._memory_lock
        if memory_lock is not None:
            memory_lock.acquire()  # the one in-memory connection: threads take turns, whole transactions
        try:
            conn = store.db.conn
            if conn.in_transaction:
                self._joined = True
                return store
            if memory_lock is None:
                store.check_file()
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            self._release()
            raise explain(error, store.path) from None
        except BaseException:
            self._release()
            raise
        return store

    def _release(self) -> None:
        if self._store._memory_lock is not None:
            self._store._memory_lock.release()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if self._joined:
                return  # the outer transaction commits or rolls back
            conn = self._store.db.conn
            if exc_type is not None:
                _rollback(conn)
                if isinstance(exc, sqlite3.DatabaseError):  # e.g. the disk filled up in the middle
                    raise explain(exc, self._store.path) from None
                return  # the exception propagates
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                _rollback(conn)
                raise explain(error, self._store.path) from None
        finally:
            self._release()


class Store:
    """One SQLite database holding links, purchase orders, stock, receipts and history.

    :param path: a file path, or ``":memory:"`` for a throwaway store. The parent directory must exist (the
        engine creates the default data directory; a path the user gave is never created silently).
    :raises StoreError: the file is not a barcode-plugins database (another application's SQLite file is
        inspected read-only and refused without a byte changed), or it cannot be opened.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        memory = self.path == ":memory:"
        self._memory_lock: threading.RLock | None = threading.RLock() if memory else None  # type: ignore[valid-type]
        self._local = threading.local()
        #: Every open connection and the thread it belongs to (close() closes them all).
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        self._durable = False
        self._closed = False
        self._shared_db: sqlite_utils.Database | None = None
        self._identity: tuple[int, int] | None = None
        self._wal_identity: tuple[int, int] | None = None
        if not memory:
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(f"cannot open database {self.path}: directory {parent} does not exist")
            self._inspect()
        try:
            db = self._connect(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False))
            if not memory:
                db.enable_wal()
            self._migrate()
            if not memory:
                self._identity = _identity(self.path)
                self._wal_identity = _identity(self.path + "-wal")
        except sqlite3.DatabaseError as error:
            self.close()
            raise explain(error, self.path) from None
        except OSError as error:
            self.close()
            raise StoreError(f"cannot open database {self.path}: {error.strerror or error}") from None
        except BaseException:
            self.close()
            raise

    def _inspect(self) -> None:
        """Refuse a file that is not ours before writing anything to it (not even ``journal_mode``)."""
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(100)
        except FileNotFoundError:
            return  # a new database
        except OSError as error:
            raise StoreError(f"cannot open database {self.path}: {error.strerror or error}") from None
        if not header:
            return  # an empty file: SQLite makes it a new database
        if len(header) < 100 or not header.startswith(_SQLITE_HEADER):
            raise StoreError(f"{self.path} is not a barcode-plugins database (not SQLite, or damaged)")
        if int.from_bytes(header[68:72], "big") == APPLICATION_ID:
            return
        # No id in the file's header: a database of version 2 or older, one whose header is still in the WAL, or
        # another application's. A read-only look tells them apart.
        uri = f"file:{quote(os.path.abspath(self.path))}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        try:
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if application_id == APPLICATION_ID:
                return
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return
            ours = application_id == 0 and tables >= _OUR_TABLES
            if ours:
                ours = conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is not None
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        finally:
            conn.close()
        if not ours:
            raise StoreError(
                f"{self.path} is a SQLite database of another application (no barcode-plugins schema);"
                " it was left untouched"
            )

    def _connect(self, conn: sqlite3.Connection) -> sqlite_utils.Database:
        """Set up a new connection for the calling thread and remember it for :meth:`close`. Connections of
        threads that have ended are closed here: a server starting a thread per request must not leak one each."""
        with self._connections_lock:
            if self._closed:
                conn.close()
                raise StoreError(f"database {self.path} is closed")
            self._connections.append((threading.current_thread(), conn))
        db = sqlite_utils.Database(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA synchronous = {'FULL' if self._durable else 'NORMAL'}")
        self._local.db = db
        if self._memory_lock is not None:
            self._shared_db = db
            return db
        if self._identity is not None:
            # Read first, so this connection holds the write-ahead log open: closing the last other one below
            # would otherwise delete the -wal file, and a new one would look like a replaced log.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        with self._connections_lock:
            ended = [old for thread, old in self._connections if not thread.is_alive()]
            self._connections = [(thread, old) for thread, old in self._connections if thread.is_alive()]
        for old in ended:
            old.close()  # its thread is gone, so nothing can be using it
        return db

    @property
    def db(self) -> sqlite_utils.Database:
        """The calling thread's connection (opened on its first use; the one connection of a memory store)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            return db
        if self._memory_lock is not None:
            if self._shared_db is None:
                raise StoreError("the in-memory database is closed")
            return self._shared_db
        if self._closed:
            raise StoreError(f"database {self.path} is closed")
        self.check_file()  # a new connection must not create an empty file where the database was
        uri = f"file:{quote(os.path.abspath(self.path))}?mode=rw"
        try:
            return self._connect(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False))
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None

    def check_file(self) -> None:
        """Raise :class:`EnvironmentFault` if the database file (or its write-ahead log) was removed or replaced
        since the store opened it: writing on would go to a file nobody will read again. Two ``stat`` calls."""
        if self._identity is None:
            return
        current = _identity(self.path)
        problem = None
        if current is None:
            problem = "was removed"
        elif current != self._identity:
            problem = "was replaced by another file"
        elif self._wal_identity is not None and _identity(self.path + "-wal") != self._wal_identity:
            problem = "lost its write-ahead log (the -wal file was removed or replaced)"
        if problem:
            raise EnvironmentFault(
                f"database {self.path} {problem} while open; stopped before writing (reopen it to go on)"
            )

    def set_durable(self, durable: bool) -> None:
        """``True``: every commit is fsynced (survives power loss; interactive receiving).

        ``False`` (default): WAL with ``synchronous=NORMAL`` — a commit survives a killed process, which is what a
        batch needs, at a fraction of the cost. Applies to the calling thread's connection and every one opened
        after.
        """
        self._durable = durable
        self.db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")

    def close(self) -> None:
        """Close every thread's connection. Call it when no thread uses the store any more."""
        with self._connections_lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for _thread, conn in connections:
            conn.close()
        self._local = threading.local()
        self._shared_db = None

    def transaction(self) -> AbstractContextManager[Store]:
        """One write transaction (``BEGIN IMMEDIATE``: takes the write lock up front, so read-then-write is safe
        against other processes and threads). Nested use joins the outer transaction.

        :raises EnvironmentFault: the file was removed or replaced, the disk is full, the file is read-only, or
            another writer held the lock longer than the busy timeout.
        """
        return _Transaction(self)

    def _migrate(self) -> None:
        if self._version() >= SCHEMA_VERSION:
            return
        conn = self.db.conn
        # A table rebuild (version 3) drops tables other tables point at: foreign keys wait until it is done.
        # The pragma cannot change inside a transaction, so it is set around it.
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
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
                problems = conn.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise StoreError(f"{self.path}: migration found {len(problems)} broken reference(s); unchanged")
        finally:
            conn.execute("PRAGMA foreign_keys = ON")

    def _version(self) -> int:
        if "meta" not in self.db.table_names():
            if self.db.table_names():
                raise StoreError(f"{self.path} is a SQLite database of another application (no meta table)")
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        text = str(row[0]) if row else "0"
        if not text.isdecimal() or len(text) > 6:
            raise StoreError(f"{self.path}: schema_version {text[:20]!r} is not a version number (damaged?)")
        version = int(text)
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
        try:
            cursor = self.db.conn.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            row = self.db.conn.execute(sql, params).fetchone()
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        return row[0] if row else None

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
            if not joined:
                conn.execute("COMMIT")
        except BaseException as error:
            if not joined and conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError):  # e.g. the temporary directory's disk is full
                raise explain(error, self.path) from None
            raise

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
        # Cleanup after a failure must not hide it; a TEMP table goes with its connection anyway.
        with contextlib.suppress(sqlite3.DatabaseError):
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
        return int(self._scalar("SELECT count(*) FROM links"))

    # -- purchase orders ---------------------------------------------------------------------------------
    @staticmethod
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
        conn = self.db.conn
        at = now()
        conn.execute(
            "INSERT INTO purchase_orders (reference, supplier, supplier_reference, status, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(reference) DO UPDATE SET supplier = excluded.supplier,"
            " supplier_reference = excluded.supplier_reference, status = excluded.status,"
            " updated_at = excluded.updated_at",
            [order.reference, order.supplier, order.supplier_reference, order.status, at],
        )
        # Set difference here, not ``NOT IN (one ? per line)``: an order may have more lines than SQLite variables.
        kept = {line.line for line in order.lines}
        stored = conn.execute("SELECT line FROM po_lines WHERE purchase_order = ?", [order.reference])
        dropped = [(order.reference, number) for (number,) in stored if number not in kept]
        conn.executemany("DELETE FROM po_lines WHERE purchase_order = ? AND line = ?", dropped)
        conn.executemany(
            "INSERT INTO po_lines (purchase_order, line, sku, mpn, manufacturer, quantity_micros, received_micros,"
            " destination) VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(purchase_order, line) DO UPDATE SET"
            " sku = excluded.sku, mpn = excluded.mpn, manufacturer = excluded.manufacturer,"
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
        try:
            found = self.db.conn.execute(_candidates_sql(bool(parts), len(params) // 2), params).fetchall()
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        # Columns by position (see _candidates_sql): a dict per row cost more than the query.
        for values in found:
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

    def get_line(self, purchase_order: str, line: int) -> PurchaseOrderLine | None:
        """One purchase-order line as it is now."""
        row = self._one("SELECT * FROM po_lines WHERE purchase_order = ? AND line = ?", [purchase_order, line])
        return self._line(row) if row else None

    def add_received(self, purchase_order: str, line: int, quantity: Quantity) -> None:
        """Add (or, negative, take back) a received quantity on a line; the order completes or reopens to match."""
        conn = self.db.conn
        conn.execute(_ADD_RECEIVED, (to_micros(quantity), purchase_order, line))
        at = now()
        conn.execute(_REOPEN_ORDER if quantity < 0 else _COMPLETE_ORDER, (at, purchase_order, purchase_order))

    # -- stock and receipts ------------------------------------------------------------------------------
    def get_stock_item(self, stock_item_id: int) -> StockItem | None:
        """A stock item by id (``None`` for an id that cannot exist, however large)."""
        if not _id_in_range(stock_item_id):
            return None
        row = self._one("SELECT * FROM stock_items WHERE id = ?", [stock_item_id])
        if row is None:
            return None
        row["quantity"] = from_micros(row.pop("quantity_micros"))
        return StockItem(**row)

    def delete_stock_item(self, stock_item_id: int) -> None:
        """Remove a stock item (its id is never handed out again)."""
        self.db.conn.execute("DELETE FROM stock_items WHERE id = ?", [stock_item_id])

    @staticmethod
    def _receipt(row: Sequence[Any]) -> Receipt:
        # Columns in Receipt's field order (see _GET_RECEIPT).
        return Receipt(row[0], row[1], row[2], row[3], from_micros(row[4]), row[5], row[6], row[7])

    def get_receipt(self, barcode_hash: str) -> Receipt | None:
        """The newest receipt of a label, if it was received."""
        try:
            row = self.db.conn.execute(_GET_NEWEST_RECEIPT, (barcode_hash,)).fetchone()
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        return None if row is None else self._receipt(row)

    def get_receipt_of_stock_item(self, barcode_hash: str, stock_item_id: int) -> Receipt | None:
        """The receipt of a label that created a given stock item (one of several bags of the same label)."""
        if not _id_in_range(stock_item_id):
            return None
        row = self.db.conn.execute(
            _GET_RECEIPT + " AND receipts.stock_item_id = ?", (barcode_hash, stock_item_id)
        ).fetchone()
        return None if row is None else self._receipt(row)

    def get_receipt_of_item(self, barcode_hash: str, item: ItemRef) -> Receipt | None:
        """The receipt of a label that went into a host's own item (one of several bags of the same label)."""
        row = self.db.conn.execute(_GET_RECEIPT + " AND receipts.item = ?", (barcode_hash, str(item))).fetchone()
        return None if row is None else self._receipt(row)

    def received_hashes(self, prefix: str, limit: int = 2) -> list[str]:
        """Distinct barcode hashes of current receipts that start with ``prefix`` (lowercase hex), at most
        ``limit`` (two tell whether a prefix is unique). Indexed."""
        rows = self.db.conn.execute(
            "SELECT DISTINCT barcode_hash FROM receipts WHERE barcode_hash >= ? AND barcode_hash < ? LIMIT ?",
            (prefix, prefix + "g", limit),  # "g" sorts after every hex digit: the range is the prefix
        )
        return [row[0] for row in rows]

    def was_undone(self, prefix: str) -> bool:
        """Whether the history holds an undone receipt of a label whose hash starts with ``prefix``."""
        found = self._scalar(
            "SELECT 1 FROM history WHERE action = 'undo' AND barcode_hash >= ? AND barcode_hash < ? LIMIT 1",
            (prefix, prefix + "g"),
        )
        return found is not None

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

        The receive hot path: constant SQL on the raw connection (prepared once, kept by the statement cache),
        and the link written with ``ON CONFLICT DO NOTHING`` instead of a lookup first; the existing link is
        read only when the key was taken.
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
            conn.execute(_ADD_RECEIVED, (micros, line.purchase_order, line.line))
            if quantity >= line.outstanding:  # this line is now full: maybe the whole order is
                conn.execute(_COMPLETE_ORDER, (at, line.purchase_order, line.purchase_order))
            link = (link_key, item.type, item.id, raw, barcode.plugin, at)
            if conn.execute(_INSERT_LINK_IF_FREE, link).rowcount:
                return stock_id, None
            existing = self.get_link(link_key)
            return stock_id, existing.item if existing else None

    def delete_receipt(self, receipt: Receipt) -> None:
        """Remove a receipt and take its quantity back off the line (reopening a complete order)."""
        self.db.conn.execute("DELETE FROM receipts WHERE id = ?", [receipt.id])
        self.add_received(receipt.purchase_order, receipt.line, -receipt.quantity)

    def received_on_line(self, purchase_order: str, line: int) -> Quantity:
        """The sum of receipts on a line, recomputed from the receipts (an audit of ``po_lines.received``)."""
        total = self._scalar(
            "SELECT coalesce(sum(receipts.quantity_micros), 0) FROM receipts JOIN po_lines ON po_lines.id ="
            " receipts.po_line_id WHERE po_lines.purchase_order = ? AND po_lines.line = ?",
            [purchase_order, line],
        )
        return from_micros(total)

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
        """Append a history entry; returns its id (never reused). A raw scan longer than 8 KiB is kept as its
        first 8 KiB and its length."""
        if len(raw) > MAX_HISTORY_RAW:
            raw = f"{raw[:MAX_HISTORY_RAW]}… [{len(raw):,} characters in all]"
        cursor = self.db.conn.execute(
            _INSERT_HISTORY,
            (
                now(),
                action,
                status,
                raw,
                barcode_hash,
                plugin,
                str(item) if item else None,
                purchase_order,
                line,
                None if quantity is None else to_micros(quantity),
                message,
            ),
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
            quantity=_micros(row["quantity_micros"]),
            message=row["message"],
        )

    def get_history(self, history_id: int) -> HistoryEntry | None:
        """One history entry by id (``None`` for an id that cannot exist, however large)."""
        if not _id_in_range(history_id):
            return None
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
        """Keep why a scan failed with its history entry (JSON of an
        :class:`~barcode_plugins.actions.explain.Explanation`)."""
        self.db.conn.execute("UPDATE history SET explanation = ? WHERE id = ?", (explanation_json, history_id))

    def history_explanation(self, history_id: int) -> str | None:
        """The stored explanation JSON of a history entry, if any."""
        row = self.db.conn.execute("SELECT explanation FROM history WHERE id = ?", (history_id,)).fetchone()
        return row[0] if row else None

    def history(
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
        limit = min(limit, MAX_ID)  # a larger number would overflow the SQLite parameter
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

    # -- API tokens (the HTTP server's write access) ---------------------------------------------------------------
    # Only the SHA-256 of a token is kept: a copy of the database does not hand out write access.

    @staticmethod
    def _api_token(row: dict[str, Any]) -> ApiToken:
        return ApiToken(row["id"], row["name"], row["token_hash"], row["hint"], row["created_at"], row["revoked_at"])

    def add_api_token(self, name: str, token_hash: str, hint: str) -> ApiToken:
        """Store a new token's hash under ``name`` (names are unique among tokens that are not revoked)."""
        with self.transaction():
            if self._one("SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [name]):
                raise InputError(f"a token named {name!r} exists; revoke it first or choose another name")
            cursor = self.db.conn.execute(
                "INSERT INTO api_tokens (name, token_hash, hint, created_at) VALUES (?, ?, ?, ?)",
                [name, token_hash, hint, now()],
            )
            row = self._one("SELECT * FROM api_tokens WHERE id = ?", [cursor.lastrowid])
        assert row is not None  # just inserted, same transaction
        return self._api_token(row)

    def api_tokens(self, include_revoked: bool = False) -> list[ApiToken]:
        """Tokens, oldest first."""
        where = "" if include_revoked else "WHERE revoked_at IS NULL"
        return [self._api_token(row) for row in self._rows(f"SELECT * FROM api_tokens {where} ORDER BY id")]

    def api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The live (not revoked) token with this hash."""
        row = self._one("SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", [token_hash])
        return self._api_token(row) if row else None

    def revoke_api_token(self, name_or_id: str) -> ApiToken:
        """Revoke a live token by name or id; :class:`NotFound` if there is none."""
        with self.transaction():
            row = self._one("SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [name_or_id])
            if row is None and name_or_id.isdigit():
                row = self._one("SELECT * FROM api_tokens WHERE id = ? AND revoked_at IS NULL", [int(name_or_id)])
            if row is None:
                raise NotFound(f"no live token named {name_or_id[:64]!r}")
            self.db.conn.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [now(), row["id"]])
            row = self._one("SELECT * FROM api_tokens WHERE id = ?", [row["id"]])
        assert row is not None
        return self._api_token(row)


def _identity(path: str) -> tuple[int, int] | None:
    """Device and inode of a file (``None`` if it does not exist): what stays the same while it is the same file."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


@attrs.frozen
class ApiToken:
    """A token for the HTTP API as stored: its hash and a short hint, never the token itself."""

    id: int
    name: str
    token_hash: str
    hint: str
    created_at: str
    revoked_at: str | None = None


def _create_api_tokens(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
        " hint TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"
    )
