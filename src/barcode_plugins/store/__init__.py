"""The store: the only package that speaks SQL (SQLite through sqlite-utils).

Tables: ``links``, ``purchase_orders``, ``po_lines``, ``stock_items``, ``receipts``, ``history``, ``api_tokens`` and
``meta`` (schema version). WAL mode; every write is one ``BEGIN IMMEDIATE`` transaction (:meth:`Store.transaction`),
so two processes never interleave half-done writes and a killed process leaves either all of a scan or none of it.

Quantities are stored exactly, as whole numbers of millionths (``*_micros`` columns; see
:mod:`barcode_plugins.quantities`). Stock item, receipt and history ids are ``AUTOINCREMENT``: never reused, so a
printed label or a history id names one thing forever.

Threads: each thread gets its own connection (all closed by :meth:`Store.close`) and its own transactions, so
threads sharing a store behave like processes sharing the file. A ``":memory:"`` store has one connection, and a
lock makes its transactions take turns.

One SQL idiom. Statements go to the calling thread's ``sqlite3`` connection (``self.db.conn.execute``), which is in
autocommit mode, so nothing begins or commits behind the store's back. The commit rule: every public method that
writes opens ``with self.transaction():`` itself, which joins the caller's transaction when one is open and is
otherwise its own; a write therefore never happens outside a transaction, and several writes the caller groups
commit together. Reads go through ``_rows``/``_one``/``_tuples``/``_scalar``, which turn a SQLite failure into a
typed error. Where a path is not hot — creating the schema, migrations, API tokens, the schema version — the
statements are sqlite-utils' table methods (``create``, ``create_index``, ``add_column``, ``upsert``, ``insert``,
``update``, ``rows_where``), which run inside that transaction as savepoints. Receiving, the scan's link lookup,
history writes and link imports keep constant prepared statements: measured faster, and a dict per row or a
savepoint per statement would cost more than the query.

Modules, by what they hold: :mod:`.schema` (migrations v1..v5, the version), :mod:`.connections` (opening,
per-thread connections, file identity, transactions, durability, errors), :mod:`.links`, :mod:`.orders`
(purchase orders, lines, receipts and stock items), :mod:`.history`, :mod:`.tokens`, :mod:`.values` (timestamps,
ids, nullable quantities). :class:`Store` composes the tables as mixins on the connection base rather than as
table-access objects: callers keep one object with one flat set of methods (``store.get_link``,
``store.book_receipt``), every table shares the same connection and ``transaction()`` without passing them
around, and the hot paths pay no extra delegation call.
"""

from __future__ import annotations

from barcode_plugins.store.history import HistoryTable
from barcode_plugins.store.links import LinkRow
from barcode_plugins.store.orders import OrderTables
from barcode_plugins.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from barcode_plugins.store.tokens import ApiToken, TokenTable
from barcode_plugins.store.values import now

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "ApiToken", "LinkRow", "Store", "now"]


class Store(OrderTables, HistoryTable, TokenTable):
    """One SQLite database holding links, purchase orders, stock, receipts, history and API tokens.

    :param path: a file path, or ``":memory:"`` for a throwaway store. The parent directory must exist (the
        engine creates the default data directory; a path the user gave is never created silently).
    :raises StoreError: the file is not a barcode-plugins database (another application's SQLite file is
        inspected read-only and refused without a byte changed), or it cannot be opened.
    """
