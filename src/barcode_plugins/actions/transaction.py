"""The public transaction: ``with engine.transaction() as tx:`` spans the engine's writes and the host's own.

One ``BEGIN IMMEDIATE`` on the store's connection. Engine writes made inside it (``link``, ``receive``, ...) join
it instead of committing on their own; in-transaction event listeners run inside it; after-commit listeners run
once the outermost block commits, and never when it rolls back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from barcode_plugins.errors import ReentrantCall

if TYPE_CHECKING:
    import sqlite3

    from barcode_plugins.actions.events import Event
    from barcode_plugins.engine import Engine


class Transaction:
    """A handle on the store's connection for a host's (or a plugin's) own SQL, inside the engine's transaction.

    Given by ``with engine.transaction() as tx:`` and passed to in-transaction hooks as ``tx``. Write only your
    own tables; the engine's tables (``links``, ``receipts``, ``stock_items``, ``po_lines``, ``history``...) are
    changed through the engine. Do not ``COMMIT``, ``ROLLBACK`` or ``BEGIN``: leaving the ``with`` block (or
    raising) does that.
    """

    __slots__ = ("engine",)

    def __init__(self, engine: Engine) -> None:
        #: The engine, for reads (``tx.engine.stock_item(3)``). Its write methods are refused inside a listener.
        self.engine = engine

    @property
    def connection(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection the engine writes on (the same file, the same transaction)."""
        return self.engine.store.db.conn

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement on the engine's connection, inside the transaction."""
        return self.connection.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | dict[str, Any]]) -> sqlite3.Cursor:
        """Run one statement for each row of parameters, inside the transaction."""
        return self.connection.executemany(sql, rows)

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of a ``SELECT`` as dicts (column name -> value)."""
        cursor = self.connection.execute(sql, parameters)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor]


class TransactionState(threading.local):
    """Per engine and per thread: how deep the ``with`` blocks are nested, the open :class:`Transaction`, the
    events waiting for its commit, and whether an in-transaction listener is running."""

    def __init__(self) -> None:
        self.depth = 0
        self.current: Transaction | None = None
        #: The outermost block joined a transaction the engine did not open (``engine.store.transaction()``).
        self.foreign = False
        self.pending: list[Event] = []
        self.in_listener = False


class EngineTransaction:
    """The context manager behind :meth:`Engine.transaction` (a class: a receive enters it once per scan)."""

    __slots__ = ("_engine", "_store_transaction")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._store_transaction: AbstractContextManager[Any] | None = None

    def __enter__(self) -> Transaction:
        engine = self._engine
        state = engine.transaction_state
        if state.in_listener:
            raise ReentrantCall(
                "an event listener called the engine; write through the tx it is given, or act after the commit"
                " (event_committed)"
            )
        if state.depth:
            state.depth += 1
            return state.current  # type: ignore[return-value]
        store = engine.store
        foreign = store.db.conn.in_transaction
        self._store_transaction = store.transaction()
        self._store_transaction.__enter__()
        state.depth, state.current, state.foreign = 1, Transaction(engine), foreign
        return state.current

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        engine = self._engine
        state = engine.transaction_state
        state.depth -= 1
        if state.depth:
            return
        state.current = None
        outer = self._store_transaction
        self._store_transaction = None
        try:
            if outer is not None:
                outer.__exit__(exc_type, exc, traceback)
        except BaseException:
            state.pending.clear()
            raise
        if exc_type is not None or state.foreign:
            # Rolled back; or joined a transaction opened with ``engine.store.transaction()``, whose commit the
            # engine never sees: announcing later could announce a write that is then rolled back.
            state.pending.clear()
            return
        if state.pending:
            from barcode_plugins.actions.events import (
                notify_committed,  # lazy: only a write that announced events needs it
            )

            notify_committed(engine, state)
        if engine.history_limit is not None:
            from barcode_plugins.actions.history import after_commit

            after_commit(engine)
