"""The schema: every migration from an empty file to the current version, and reading the version a file is at.

A database is created by running every migration in turn, so a new file and an old one brought forward have the
same schema. A migration runs inside the store's write transaction (see :mod:`.connections`); it writes with
sqlite-utils' table methods where they can say what it needs (``create``, ``create_index``, ``add_column``) and
with plain statements on the connection where they cannot (``COLLATE NOCASE`` indexes, the table rebuild, the
``UNIQUE`` column of version 5, whose shape is kept as it was released).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from barcode_plugins.errors import StoreError

#: ``PRAGMA application_id`` of a barcode-plugins database ("BPLG"): how a file is known to be ours.
APPLICATION_ID = 0x42504C47
#: The tables every barcode-plugins database has had since version 1 (how one without an application id is known).
OUR_TABLES = frozenset({"meta", "links", "purchase_orders", "po_lines", "stock_items", "receipts", "history"})


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
    # Matching looks lines up by part number, case-insensitively (create_index cannot say COLLATE).
    db.conn.execute("CREATE INDEX idx_po_lines_sku_nocase ON po_lines (sku COLLATE NOCASE)")
    db.conn.execute("CREATE INDEX idx_po_lines_mpn_nocase ON po_lines (mpn COLLATE NOCASE)")
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
    db.conn.execute("DROP INDEX IF EXISTS idx_history_barcode_hash")


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
    # (Connections._migrate), and the indexes are made again on the new tables. Plain statements: sqlite-utils'
    # transform() cannot add AUTOINCREMENT or convert a column's values.
    conn = db.conn
    for table, (columns, copied) in _V3_TABLES.items():
        conn.execute(f"CREATE TABLE {table}_v3 ({columns})")
        select = copied.format(q=_micros_sql("quantity"), r=_micros_sql("received"))
        conn.execute(f"INSERT INTO {table}_v3 SELECT {select} FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_v3 RENAME TO {table}")
    conn.execute("CREATE UNIQUE INDEX idx_po_lines_purchase_order_line ON po_lines (purchase_order, line)")
    conn.execute("CREATE INDEX idx_po_lines_sku_nocase ON po_lines (sku COLLATE NOCASE)")
    conn.execute("CREATE INDEX idx_po_lines_mpn_nocase ON po_lines (mpn COLLATE NOCASE)")
    conn.execute("CREATE UNIQUE INDEX idx_receipts_barcode_hash_bag ON receipts (barcode_hash, bag)")
    # A stock item deleted before this migration may still be printed on a label: its id is not handed out again.
    mentioned = conn.execute(
        "SELECT max(CAST(substr(item, 11) AS INTEGER)) FROM history WHERE item LIKE 'stockitem:%'"
    ).fetchone()[0]
    if mentioned:
        conn.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'stock_items', 0 WHERE NOT EXISTS"
            " (SELECT 1 FROM sqlite_sequence WHERE name = 'stock_items')"
        )
        conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'stock_items'", [mentioned])
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _add_embedding_columns_v4(db: sqlite_utils.Database) -> None:
    # A receipt may go into a host's own item (``receipts.item``, NULL for an internal stock item), and its
    # undo removes exactly the label's link (``receipts.link_key``); a failed scan keeps why (history.explanation).
    db.table("receipts").add_column("item", str)
    db.table("receipts").add_column("link_key", str)
    db.table("history").add_column("explanation", str)


def _create_api_tokens_v5(db: sqlite_utils.Database) -> None:
    # The HTTP server's write access. Only the SHA-256 of a token is kept: a copy of the database does not hand
    # out write access.
    db.conn.execute(
        "CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
        " hint TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"
    )


#: Forward migrations: ``MIGRATIONS[n]`` takes a database at version ``n`` to ``n + 1``.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_schema_v1,
    _drop_unused_history_index_v2,
    _exact_quantities_and_unreused_ids_v3,
    _add_embedding_columns_v4,
    _create_api_tokens_v5,
]
#: The version this code writes: a database at a lower one is migrated forward when opened.
SCHEMA_VERSION = len(MIGRATIONS)


def read_version(db: sqlite_utils.Database, path: str) -> int:
    """The schema version of the database behind ``db`` (0 for an empty file).

    :raises StoreError: the file holds another application's tables, a version that is not a number, or a
        version newer than this code.
    """
    tables = db.table_names()
    if "meta" not in tables:
        if tables:
            raise StoreError(f"{path} is a SQLite database of another application (no meta table)")
        return 0
    row = next(db.table("meta").rows_where("key = 'schema_version'", select="value"), None)
    text = str(row["value"]) if row else "0"
    if not text.isdecimal() or len(text) > 6:
        raise StoreError(f"{path}: schema_version {text[:20]!r} is not a version number (damaged?)")
    version = int(text)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this barcode-plugins ({SCHEMA_VERSION});"
            " upgrade barcode-plugins"
        )
    return version


def migrate(db: sqlite_utils.Database, path: str) -> None:
    """Bring the database forward to :data:`SCHEMA_VERSION`. Call it inside the store's write transaction, with
    foreign keys off (a table rebuild drops tables others point at).

    :raises StoreError: the migration left a broken reference (the caller's rollback keeps the file unchanged).
    """
    version = read_version(db, path)  # again, under the write lock: another process may have migrated
    if version >= SCHEMA_VERSION:
        return
    if "meta" not in db.table_names():
        db.table("meta").create({"key": str, "value": str}, pk="key")
    for migration in MIGRATIONS[version:]:
        migration(db)
    db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
    problems = db.conn.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise StoreError(f"{path}: migration found {len(problems)} broken reference(s); unchanged")
