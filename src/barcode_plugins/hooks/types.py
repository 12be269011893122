"""What hook implementations receive besides the models: the :class:`Event` of an event hook and the open
:class:`Transaction` of an in-transaction hook (and the engine reads a transaction offers, :class:`EngineReads`).

They live beside the hook specifications because they are part of the hooks' interface; the actions below the
engine build them, and nothing here knows the engine or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs

from barcode_plugins.models import ItemRef, Quantity

if TYPE_CHECKING:
    import sqlite3

    from barcode_plugins.models import Decoded, Link, PurchaseOrder, StockItem

EventKind = Literal["receipt_booked", "receipt_undone", "link_added", "link_removed", "barcode_scanned"]


@attrs.frozen
class Event:
    """Something that happened in the store, as event listeners receive it (see the event hooks).

    ``kind`` is the name of the hook that announced it. ``history_id`` is the history entry written in the same
    transaction: ids grow in commit order, so they order events across processes. Fields an event does not
    concern are ``None``.
    """

    kind: EventKind
    history_id: int
    at: str
    item: ItemRef | None = None
    barcode_hash: str | None = None
    raw: str | None = None
    plugin: str | None = None
    link_key: str | None = None
    purchase_order: str | None = None
    line: int | None = None
    quantity: Quantity | None = None
    location: str | None = None


class EngineReads(Protocol):
    """What ``tx.engine`` is for a hook implementation: the engine's reads (:class:`barcode_plugins.Engine`
    offers them). Its writes are refused inside a listener: write through ``tx``."""

    def decode(self, raw: str) -> Decoded:
        """Decode one scan (never opens the store)."""
        ...

    def link_key(self, barcode: Decoded) -> str:
        """The key a barcode is linked under."""
        ...

    def links(self, item: str | ItemRef) -> list[Link]:
        """Every barcode linked to an item."""
        ...

    def stock_item(self, stock_item_id: int) -> StockItem:
        """A stock item by id (raises ``NotFound``)."""
        ...

    def purchase_order(self, reference: str) -> PurchaseOrder:
        """One purchase order with received and outstanding per line (raises ``NotFound``)."""
        ...

    def purchase_orders(self, status: str | None = None) -> list[PurchaseOrder]:
        """Every purchase order, optionally of one status."""
        ...


class Transaction:
    """A handle on the store's connection for a host's (or a plugin's) own SQL, inside the engine's transaction.

    Given by ``with engine.transaction() as tx:`` and passed to in-transaction hooks as ``tx``. Write only your
    own tables; the engine's tables (``links``, ``receipts``, ``stock_items``, ``po_lines``, ``history``...) are
    changed through the engine. Do not ``COMMIT``, ``ROLLBACK`` or ``BEGIN``: leaving the ``with`` block (or
    raising) does that.

    :param engine: what :attr:`engine` gives.
    :param connect: gives the calling thread's ``sqlite3`` connection to the store (called when first needed,
        so a handle that is never used opens nothing).
    """

    __slots__ = ("_connect", "engine")

    def __init__(self, engine: EngineReads, connect: Callable[[], sqlite3.Connection]) -> None:
        #: The engine, for reads (``tx.engine.stock_item(3)``). Its write methods are refused inside a listener.
        self.engine = engine
        self._connect = connect

    @property
    def connection(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection the engine writes on (the same file, the same transaction)."""
        return self._connect()

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


__all__ = ["EngineReads", "Event", "EventKind", "Transaction"]
