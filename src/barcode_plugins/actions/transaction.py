"""The engine's write transactions: ``with engine.transaction() as tx:`` spans the engine's writes and the host's.

One ``BEGIN IMMEDIATE`` on the store's connection. Engine writes made inside it (``link``, ``receive``, ...) join
it instead of committing on their own; in-transaction event listeners run inside it; after-commit listeners run
once the outermost block commits, and never when it rolls back.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from barcode_plugins.errors import ReentrantCall
from barcode_plugins.hooks.types import Transaction

if TYPE_CHECKING:
    import sqlite3

    from barcode_plugins.actions.history import HistoryRetention
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.hooks.types import EngineReads, Event
    from barcode_plugins.store import Store

COMMITTED_HOOK = "event_committed"


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


class Transactions:
    """One engine's write transactions on its store: opens them (:meth:`open`), keeps each thread's
    :class:`TransactionState`, and after each outermost commit tells the ``event_committed`` listeners and trims
    the history to its limit.

    :param store: the store written to.
    :param plugins: whose ``event_committed`` listeners hear of committed events.
    :param engine: what ``tx.engine`` gives hook implementations (the engine's reads).
    :param retention: the history limit to keep after commits, if any.
    """

    def __init__(
        self, store: Store, plugins: PluginManager, engine: EngineReads, retention: HistoryRetention | None = None
    ) -> None:
        self.store = store
        self.plugins = plugins
        self.engine = engine
        self.retention = retention
        self.state = TransactionState()

    def open(self) -> AbstractContextManager[Transaction]:
        """One write transaction (nested blocks join the outermost; see the module docstring).

        :raises ReentrantCall: called from inside an in-transaction event listener.
        """
        return EngineTransaction(self)

    def connection(self) -> sqlite3.Connection:
        """The calling thread's connection to the store."""
        return self.store.db.conn

    def committed(self) -> None:
        """After the outermost block committed: tell the after-commit listeners, then count the write."""
        if self.state.pending:
            self.notify_committed()
        if self.retention is not None:
            self.retention.after_commit(self.store)

    def notify_committed(self) -> None:
        """Call every ``event_committed`` listener with each event of the transaction that just committed, in
        order.

        A listener that raises is recorded (``barcode-plugins plugins`` and the CLI's warning show it); the receipt
        or link it was told about stays committed, and the remaining listeners and events are still called.
        """
        state = self.state
        events, state.pending = state.pending, []
        for event in events:
            self.plugins.event_committed(event)


class EngineTransaction:
    """The context manager behind :meth:`Transactions.open` (a class: a receive enters it once per scan)."""

    __slots__ = ("_store_transaction", "_transactions")

    def __init__(self, transactions: Transactions) -> None:
        self._transactions = transactions
        self._store_transaction: AbstractContextManager[Any] | None = None

    def __enter__(self) -> Transaction:
        transactions = self._transactions
        state = transactions.state
        if state.in_listener:
            raise ReentrantCall(
                "an event listener called the engine; write through the tx it is given, or act after the commit"
                " (event_committed)"
            )
        if state.depth:
            state.depth += 1
            return state.current  # type: ignore[return-value]
        store = transactions.store
        foreign = store.db.conn.in_transaction
        self._store_transaction = store.transaction()
        self._store_transaction.__enter__()
        state.depth, state.foreign = 1, foreign
        state.current = Transaction(transactions.engine, transactions.connection)
        return state.current

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        transactions = self._transactions
        state = transactions.state
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
        transactions.committed()
