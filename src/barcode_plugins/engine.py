"""The engine: decode, scan, link, unlink, purchase orders and receiving — the embedding surface.

``Engine`` composes a store-free :class:`~barcode_plugins.decoder.Decoder`, the store and the actions below it
(:mod:`barcode_plugins.actions`): it checks and decodes its input, then gives each action the collaborators it
needs. It opens the store only when a method needs it, so decoding never pays for SQLite or sqlite-utils.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from barcode_plugins.decoder import MAX_SCAN_LENGTH, Decoder
from barcode_plugins.errors import (
    BarcodeError,
    InputError,
    NotFound,
    StoreError,
)
from barcode_plugins.hooks.manager import PluginManager
from barcode_plugins.models import (
    Decoded,
    HistoryEntry,
    ItemRef,
    Link,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiveResult,
    ScanResult,
    StockItem,
)

if TYPE_CHECKING:
    from barcode_plugins.actions.history import HistoryRetention
    from barcode_plugins.actions.transaction import Transactions
    from barcode_plugins.formats.label_formats import FormatRegistry
    from barcode_plugins.hooks.types import Transaction
    from barcode_plugins.images import ImageBarcode
    from barcode_plugins.quantities import Quantity
    from barcode_plugins.store import Store

DB_ENVIRONMENT_VARIABLE = "BARCODE_PLUGINS_DB"
HISTORY_LIMIT_ENVIRONMENT_VARIABLE = "BARCODE_PLUGINS_HISTORY_LIMIT"


def default_db_path() -> Path:
    """``$BARCODE_PLUGINS_DB``, else ``barcode-plugins.db`` in the user's data directory."""
    configured = os.environ.get(DB_ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured)
    import platformdirs  # lazy: only commands that open the store need it

    return Path(platformdirs.user_data_dir("barcode-plugins", appauthor=False)) / "barcode-plugins.db"


class Engine:
    """Decode scans and act on them.

    One engine may be shared by threads (a web server, a host application): each thread gets its own database
    connection and its own transactions, so every receipt reported as booked is in the file. Call
    :meth:`close` once, after the threads are done.

    :param db: the SQLite file; ``None`` uses ``$BARCODE_PLUGINS_DB`` or the user data directory (created on
        first use); ``":memory:"`` gives a throwaway store.
    :param plugins: a :class:`PluginManager` to use instead of loading every installed plugin.
    :param history_limit: keep at most this many history entries (the oldest go first, checked every
        :data:`~barcode_plugins.actions.history.PRUNE_EVERY` writes); default ``$BARCODE_PLUGINS_HISTORY_LIMIT``, else
        unbounded.
    """

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        plugins: PluginManager | None = None,
        history_limit: int | None = None,
    ) -> None:
        #: The store-free decoder this engine composes (decode, link keys, label formats).
        self.decoder = Decoder(plugins)
        self.plugins = self.decoder.plugins
        # The hot path without a call layer: the method below documents it; a wrapper measured 0.05-0.2 µs a scan.
        self.decode = self.decoder.decode  # type: ignore[method-assign]
        self._db = db
        self._store: Store | None = None
        self._transactions: Transactions | None = None
        self._retention: HistoryRetention | None = None
        configured_limit = os.environ.get(HISTORY_LIMIT_ENVIRONMENT_VARIABLE)
        if history_limit is not None or configured_limit:
            from barcode_plugins.actions.history import (  # lazy: most engines keep the whole history
                HistoryRetention,
                history_limit_from,
            )

            limit = history_limit_from(history_limit, configured_limit)
            self._retention = None if limit is None else HistoryRetention(limit)
        self._store_lock = threading.Lock()

    # -- store -------------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The store, opened on first use (by one thread, however many ask at once)."""
        store = self._store
        if store is not None:
            return store
        with self._store_lock:
            if self._store is None:
                self._store = self._open_store()
            return self._store

    def _open_store(self) -> Store:
        from barcode_plugins.store import Store  # lazy: decoding must not import sqlite-utils

        path = self._db
        if path is None:
            path = default_db_path()
            if DB_ENVIRONMENT_VARIABLE not in os.environ:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreError(f"cannot create data directory {path.parent}: {error.strerror}") from None
        return Store(path)

    @property
    def history_limit(self) -> int | None:
        """The number of history entries kept (``None``: unbounded)."""
        return None if self._retention is None else self._retention.limit

    @property
    def transactions(self) -> Transactions:
        """The engine's write transactions on its store (opens the store; one set per store, however many threads
        ask at once)."""
        transactions = self._transactions
        if transactions is not None:
            return transactions
        store = self.store
        with self._store_lock:
            if self._transactions is None:
                from barcode_plugins.actions.transaction import Transactions  # lazy: decoding never writes

                self._transactions = Transactions(store, self.plugins, self, self._retention)
            return self._transactions

    def close(self) -> None:
        """Close the store (if it was opened): every thread's connection."""
        with self._store_lock:
            store, self._store = self._store, None
            self._transactions = None
        if store is not None:
            store.close()

    def __enter__(self) -> Engine:
        return self

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One write transaction spanning the engine's writes and the host's own SQL (``tx.execute``).

        Engine writes inside the block (``link``, ``receive``, ...) join it; in-transaction event listeners run
        inside it; after-commit listeners run when the outermost block commits. Raising inside rolls everything
        back. Hold it briefly: it holds the store's write lock (``BEGIN IMMEDIATE``), so other stations wait.
        See ``docs/embedding.md``.

        :raises ReentrantCall: called from inside an in-transaction event listener.
        """
        return self.transactions.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- decoding (the composed, store-free decoder) -----------------------------------------------------
    @property
    def formats(self) -> FormatRegistry:
        """The installed plugins' declared label formats (see :attr:`Decoder.formats`)."""
        return self.decoder.formats

    def decode(self, raw: str) -> Decoded:
        """Decode one scan (see :meth:`Decoder.decode`); never opens the store.

        :raises InputError: empty, too long, NUL bytes, or only separators.
        :raises AmbiguousBarcode: the scan reads several ways (separators lost) or two plugins claim it.
        """
        return self.decoder.decode(raw)

    def decode_many(self, lines: Iterable[str]) -> Iterator[Decoded | BarcodeError]:
        """Decode scans one by one; a bad scan yields its error instead of stopping the stream."""
        return self.decoder.decode_many(lines)

    def decode_image(self, source: str | Path | bytes | Any, *, pdf_dpi: int = 300) -> list[ImageBarcode]:
        """Find every barcode in a picture or PDF and decode each: one :class:`~barcode_plugins.images.ImageBarcode`
        per symbol (its format, corners and page, and the decoded barcode or the :class:`BarcodeError` its text
        gave), page by page, top to bottom. Needs the ``images`` extra; never opens the store.

        :param source: a file path (PNG, JPEG, anything Pillow opens, or PDF), the file's bytes, or a Pillow image.
        :param pdf_dpi: the resolution PDF pages are rendered at.
        :raises InputError: the file cannot be read or is not an image or PDF.
        :raises MissingDependency: the ``images`` extra is not installed.
        """
        from barcode_plugins.images.reading import decode_symbols  # lazy: Pillow and zxing-cpp only for images

        return decode_symbols(self.decoder, source, pdf_dpi=pdf_dpi)

    def link_key(self, barcode: Decoded) -> str:
        """The key a barcode is linked under (see :meth:`Decoder.link_key`)."""
        return self.decoder.link_key(barcode)

    # -- scanning and linking ----------------------------------------------------------------------------
    def scan(self, raw: str, *, explain: bool = False) -> ScanResult:
        """Decode, then resolve what the barcode refers to: internal item, linked item, received stock, open
        purchase-order lines. Logged in the history.

        :param explain: give the result an ``explanation`` (:class:`barcode_plugins.actions.explain.Explanation`): what
            normalisation repaired, each decoder's verdict, each order line considered. A scan that resolves to
            nothing keeps its explanation in the history either way.
        """
        from barcode_plugins.actions.scanning import scan

        barcode = self.decode(raw)  # first: a scan that does not decode opens no store
        return scan(self.store, self.decoder, self.plugins, self.transactions, raw, barcode, explain)

    def link(self, raw: str, item: str | ItemRef) -> Link:
        """Link a barcode (decodable or not) to an item. Relinking to the same item is a no-op.

        :raises AlreadyLinked: the barcode is linked to another item (the message names it).
        """
        from barcode_plugins.actions.linking import link

        target = item if isinstance(item, ItemRef) else ItemRef.parse(item)
        barcode = self.decode(raw)  # the item and the scan are checked before the store opens
        if barcode.kind == "internal":
            raise InputError(f"this is an internal barcode for {barcode.item}; it needs no link")
        key = self.link_key(barcode)
        return link(self.store, self.plugins, self.transactions, raw, barcode, key, target)

    def unlink(self, raw: str | None = None, *, item: str | ItemRef | None = None) -> list[Link]:
        """Remove the link of a barcode, or every link of an item. Returns what was removed.

        :raises NotLinked: there was nothing to remove.
        """
        if (raw is None) == (item is None):
            raise InputError("unlink takes a barcode or an item, not both or neither")
        from barcode_plugins.actions.linking import unlink_barcode, unlink_item

        if raw is not None:
            barcode = self.decode(raw)
            key = self.link_key(barcode)
            return unlink_barcode(self.store, self.plugins, self.transactions, raw, barcode, key)
        target = item if isinstance(item, ItemRef) else ItemRef.parse(str(item))
        return unlink_item(self.store, self.plugins, self.transactions, target)

    def links(self, item: str | ItemRef) -> list[Link]:
        """Every barcode linked to an item."""
        target = item if isinstance(item, ItemRef) else ItemRef.parse(item)
        return self.store.links_for(target)

    def import_links(
        self,
        links: Iterable[tuple[str, str | ItemRef]],
        *,
        row_names: Sequence[str] | Callable[[int], str] | None = None,
    ) -> int:
        """Link many ``(raw, item)`` pairs, all or nothing; keys already linked (to any item) are skipped. Returns
        the number added.

        Every scan is decoded and checked before it is written, across worker processes when the batch is large
        (:mod:`barcode_plugins.actions.bulk`). ``links`` may be a stream of any length: it is read a batch at a
        time, and when there is more than one batch the checked rows wait in a TEMP table until the last one, so
        memory stays bounded and the store is locked only for the final copy (one transaction).

        :param row_names: what to call each row in an error message (e.g. ``"links.csv line 7"``), by position
            from 0: a sequence or a function; default ``"row 1"``, ``"row 2"``, ...
        :raises InputError: naming the first row that cannot be linked (an item reference that is not
            ``TYPE:ID``, a scan that does not decode or reads several ways, an internal barcode); nothing is
            written then.
        """
        from barcode_plugins.actions.bulk import import_links

        return import_links(self.store, self.decoder, self.plugins, links, row_names)

    def label(self, item: str | ItemRef, *, short: bool = False) -> str:
        """The internal barcode payload to print for an item: JSON, or the short form for 1D labels."""
        from barcode_plugins.builtin.internal import encode_json, encode_short, parse_internal

        target = item if isinstance(item, ItemRef) else ItemRef.parse(item)
        payload = encode_short(target) if short else encode_json(target)
        parse_internal(payload)  # raises for a type our own decoder would refuse
        from barcode_plugins.actions.host_items import require_existing
        from barcode_plugins.hooks.types import Transaction

        # A read handle outside any transaction; the store opens only if a plugin asks for the connection.
        require_existing(self.plugins, target, Transaction(self, lambda: self.store.db.conn))
        return payload

    def history(
        self,
        limit: int = 50,
        action: str | None = None,
        *,
        status: str | None = None,
        purchase_order: str | None = None,
        barcode_hash: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
    ) -> list[HistoryEntry]:
        """The scan and receive log, newest first, filtered by every criterion given.

        :param status: the outcome (``received``, ``no_match``, ``linked``, ``not_recognised``, ...).
        :param since: entries at or after this time; :param until: entries before it (ISO 8601 text or a
            ``datetime``; without a timezone, UTC).
        :raises InputError: a limit below 1 or a time that is not ISO 8601.
        """
        if limit < 1:
            raise InputError("limit must be at least 1")
        from barcode_plugins.actions.history import query

        return query(self.store, limit, action, status, purchase_order, barcode_hash, since, until)

    def history_entry(self, history_id: int) -> HistoryEntry:
        """One history entry with its stored explanation (kept for failed scans).

        :raises NotFound: no such entry.
        """
        from barcode_plugins.actions.history import entry

        return entry(self.store, history_id)

    def prune_history(self, *, keep: int | None = None, older_than: timedelta | None = None) -> int:
        """Delete history beyond the newest ``keep`` entries and/or older than ``older_than``; returns how many
        were deleted. Receipts, links and stock stay (undo by barcode hash still works)."""
        from barcode_plugins.actions.history import prune

        return prune(self.store, keep, older_than)

    # -- purchase orders ---------------------------------------------------------------------------------
    def import_purchase_orders(self, source: str | Path | Iterable[PurchaseOrder]) -> list[PurchaseOrder]:
        """Import orders from a CSV/JSON file (or values), idempotent by reference: a re-import updates.

        :raises InputError: a malformed file (row and column named), or a line with receipts that the new
            file drops or cuts below what was received. Nothing is written then.
        """
        from barcode_plugins.actions.orders import import_orders
        from barcode_plugins.files.po_files import purchase_orders_from

        orders = purchase_orders_from(source)  # read and checked before the store is opened
        return import_orders(self.store, orders)

    def purchase_orders(self, status: str | None = None) -> list[PurchaseOrder]:
        """Every purchase order, optionally of one status."""
        return self.store.list_purchase_orders(status)

    def purchase_order(self, reference: str) -> PurchaseOrder:
        """One purchase order with received and outstanding per line.

        :raises NotFound: no such order.
        """
        order = self.store.get_purchase_order(reference)
        if order is None:
            raise NotFound(f"no purchase order {reference!r}")
        return order

    def match_lines(self, barcode: Decoded, purchase_order: str | None = None) -> list[PurchaseOrderLine]:
        """The open lines a supplier label fits best (several = ambiguous), through the ``match_po_line`` hook.

        :param purchase_order: the order the user chose (``receive --po``): only its lines are candidates, and
            the label counts as printed for that order even when its own order number differs (a label printed
            for one order and shipped against another, or a buyer who wrote the PO differently).
        """
        from barcode_plugins.actions.matching import match_lines

        return match_lines(self.store, self.plugins, barcode, purchase_order)

    # -- receiving ---------------------------------------------------------------------------------------
    def receive(
        self,
        raw: str,
        *,
        quantity: Quantity | float | str | None = None,
        location: str | None = None,
        purchase_order: str | None = None,
        allow_over: bool = False,
        explain: bool = False,
        another: bool = False,
    ) -> ReceiveResult:
        """Receive one scanned label against its open purchase-order line, in one transaction.

        Never raises for an outcome at the bench (unknown label, duplicate, over-receipt, a label quantity out of
        bounds...): the result's ``status`` says what happened and the history records it (with the explanation,
        for a failure). Raises only for unusable arguments or a store that cannot be written. An
        in-transaction listener that refuses the receipt gives status ``error`` with its message; nothing is
        booked then.

        :param quantity: overrides the label's; exact (``Decimal`` or text for fractions; a float is read as its
            shortest text). More than 0, at most 6 decimal places and 15 significant digits, below 10^12.
        :param allow_over: accept more than is outstanding on the line.
        :param explain: give the result an ``explanation``: repairs, decoder verdicts, and every order line
            considered with the reason it was kept or rejected.
        :param another: this is another bag with the same label as one already received (suppliers do print
            identical labels): book it as a further receipt with its own stock item. Without it a repeat scan
            is ``already_received``, so an accidental double scan books nothing.
        :raises QuantityError: ``quantity`` is not a number within those bounds.
        :raises EnvironmentFault: the store cannot be written (full, read-only, locked, file replaced).
        """
        from barcode_plugins.actions.receiving import receive_explained
        from barcode_plugins.quantities import checked

        return receive_explained(
            self.store,
            self.decoder,
            self.plugins,
            self.transactions,
            raw,
            None if quantity is None else checked(quantity),
            location,
            purchase_order,
            allow_over,
            explain,
            another,
        )

    def undo_receipt(self, reference: str | int) -> ReceiveResult:
        """Undo one receipt: restores the line (reopening a complete order), removes the stock item and its
        links, in one transaction.

        :param reference: a history id (undoes exactly the receipt that entry booked), or a barcode hash or a
            unique prefix of one of at least 8 hex characters (undoes that label's newest receipt).
        :raises NotFound: no such history entry, not a receipt, already undone, nothing received under the hash.
        :raises InputError: not a history id or a hash, or a prefix several labels share.
        """
        from barcode_plugins.actions.receiving import undo_receipt

        return undo_receipt(self.store, self.plugins, self.transactions, reference)

    def stock_item(self, stock_item_id: int) -> StockItem:
        """A stock item by id.

        :raises NotFound: no such stock item.
        """
        item = self.store.get_stock_item(stock_item_id)
        if item is None:
            raise NotFound(f"no stock item {stock_item_id}")
        return item

    # -- what the command line and the HTTP app need besides the above -------------------------------------
    def sharing_plugins(self, db: str | Path | None) -> Engine:
        """Another engine, on the store ``db``, that shares this engine's plugins: they are loaded once, and a
        failure recorded while one engine calls them is seen by the other (a process that runs several commands)."""
        return Engine(db, plugins=self.plugins)

    def plugin_infos(self) -> list[Any]:
        """Every plugin: name, distribution, version, status and hooks (:class:`~barcode_plugins.models.PluginInfo`
        values)."""
        return self.plugins.plugin_infos()

    def plugin_failures(self) -> list[Any]:
        """Every plugin failure recorded so far, oldest first (:class:`~barcode_plugins.models.HookFailure`)."""
        return list(self.plugins.failures)

    def take_plugin_warnings(self) -> list[str]:
        """The loader's warnings not yet taken (a name in ``BARCODE_PLUGINS_LOAD`` that no plugin has, ...);
        each is given once."""
        warnings = list(self.plugins.warnings)
        self.plugins.warnings.clear()
        return warnings

    def add_plugin_commands(self, group: Any) -> None:
        """Let plugins add commands to a click group (the ``register_commands`` hook). A plugin may add but not
        replace: a command the group had is put back, and the attempt is recorded as that plugin's failure."""
        existing = dict(group.commands)

        def keep_existing() -> str | None:
            clashes = sorted(name for name, command in existing.items() if group.commands.get(name) is not command)
            if not clashes:
                return None
            group.commands.update({name: existing[name] for name in clashes})
            return f"tried to replace the built-in command(s) {', '.join(clashes)}; kept the built-in"

        self.plugins.register_commands(group, keep_existing)

    def open_store(self) -> str:
        """Open the store now (creating or migrating it) rather than on first use; returns its path, so that a
        server fails on a bad database before it binds its port and can say which file it serves."""
        return self.store.path

    def schema_version(self) -> int:
        """The schema version the store is at."""
        return self.store.schema_version()

    def set_durable(self, durable: bool) -> None:
        """``True``: every commit is fsynced from now on (it survives a power cut: a person just saw
        "received"); ``False``, the default: a commit survives a killed process."""
        self.store.set_durable(durable)

    def create_api_token(self, name: str) -> tuple[Any, str]:
        """Make an HTTP API token named ``name``: returns the stored record (an ``ApiToken``: id, name, hint,
        dates; its hash, never the token) and the token itself, which exists only this once.

        :raises InputError: the name is not 1 to 64 printable characters, or a live token has it.
        """
        from barcode_plugins.actions.api_tokens import create_token  # lazy: only ``token create`` makes one

        return create_token(self.store, name)

    def api_tokens(self, include_revoked: bool = False) -> list[Any]:
        """The API tokens (``ApiToken`` records, oldest first): the live ones, or every one."""
        return self.store.api_tokens(include_revoked)

    def revoke_api_token(self, name_or_id: str) -> Any:
        """Revoke a live API token by name (or id) and return its record.

        :raises NotFound: no live token has that name or id.
        """
        return self.store.revoke_api_token(name_or_id)

    def api_token_is_valid(self, token: str | None) -> bool:
        """Whether ``token`` is a live API token of this store."""
        from barcode_plugins.actions.api_tokens import is_valid  # lazy: only the server checks tokens

        return is_valid(self.store, token)


__all__ = ["MAX_SCAN_LENGTH", "Engine", "default_db_path"]
