"""The engine: decode, scan, link, unlink, purchase orders and receiving — glue between the hooks and the store.

``Engine`` is the embedding surface. It opens the store only when a method needs it, so decoding never pays for
SQLite or sqlite-utils.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from barcode_plugins.errors import (
    AlreadyLinked,
    AmbiguousBarcode,
    BarcodeError,
    EnvironmentFault,
    InputError,
    InvalidItemReference,
    NotFound,
    NotLinked,
    StoreError,
)
from barcode_plugins.formats.label_formats import EMPTY_REGISTRY, DeclarationError, FormatRegistry, LabelFormat
from barcode_plugins.formats.normalize import barcode_hash, normalize
from barcode_plugins.hooks.manager import Caller, PluginManager
from barcode_plugins.hooks.results import PLUGIN_FAILURES, check_decoded, check_lines, check_link_key
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
    from barcode_plugins.actions.transaction import Transaction, TransactionState
    from barcode_plugins.images import ImageBarcode
    from barcode_plugins.quantities import Quantity
    from barcode_plugins.store import LinkRow, Store

#: The longest scan accepted. A QR code holds at most 7,089 characters, a DataMatrix 3,116.
MAX_SCAN_LENGTH = 8192
DB_ENVIRONMENT_VARIABLE = "BARCODE_PLUGINS_DB"
HISTORY_LIMIT_ENVIRONMENT_VARIABLE = "BARCODE_PLUGINS_HISTORY_LIMIT"
_SEPARATORS_AND_SPACE = "\x1d\x1e\x04\x1c\x1f \t\r\n"


def default_db_path() -> Path:
    """``$BARCODE_PLUGINS_DB``, else ``barcode-plugins.db`` in the user's data directory."""
    configured = os.environ.get(DB_ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured)
    import platformdirs  # lazy: only commands that open the store need it

    return Path(platformdirs.user_data_dir("barcode-plugins", appauthor=False)) / "barcode-plugins.db"


def _same_result(plugin: str, result: Decoded, other_plugin: str, other: Decoded) -> bool:
    return plugin == other_plugin and result.identified(plugin, "", "") == other.identified(plugin, "", "")


def _show(text: str) -> str:
    # Make separators visible in messages: a reading with raw GS/RS would print as nothing on a terminal.
    return text.translate({0x1D: "␝", 0x1E: "␞", 0x04: "␄"})


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
        self.plugins = plugins or PluginManager()
        self._db = db
        self._store: Store | None = None
        self._formats: tuple[object, FormatRegistry] | None = None
        self._routes: tuple[object, FormatRegistry, dict[frozenset[str], list[Caller]]] | None = None
        self._transaction_state: TransactionState | None = None
        self.history_limit = history_limit
        configured_limit = os.environ.get(HISTORY_LIMIT_ENVIRONMENT_VARIABLE)
        if history_limit is not None or configured_limit:
            from barcode_plugins.actions.history import history_limit_from  # lazy: most engines keep the whole history

            self.history_limit = history_limit_from(history_limit, configured_limit)
        #: Committed writes since the history was last trimmed to ``history_limit``.
        self.writes_since_prune = 0
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

    def close(self) -> None:
        """Close the store (if it was opened): every thread's connection."""
        with self._store_lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    def __enter__(self) -> Engine:
        return self

    @property
    def transaction_state(self) -> TransactionState:
        """Per thread: the open :meth:`transaction` and the events waiting for its commit."""
        state = self._transaction_state
        if state is None:
            from barcode_plugins.actions.transaction import TransactionState  # lazy: decoding never opens a transaction

            state = self._transaction_state = TransactionState()
        return state

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One write transaction spanning the engine's writes and the host's own SQL (``tx.execute``).

        Engine writes inside the block (``link``, ``receive``, ...) join it; in-transaction event listeners run
        inside it; after-commit listeners run when the outermost block commits. Raising inside rolls everything
        back. Hold it briefly: it holds the store's write lock (``BEGIN IMMEDIATE``), so other stations wait.
        See ``docs/embedding.md``.

        :raises ReentrantCall: called from inside an in-transaction event listener.
        """
        from barcode_plugins.actions.transaction import EngineTransaction

        return EngineTransaction(self)

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- decoding ----------------------------------------------------------------------------------------
    @property
    def formats(self) -> FormatRegistry:
        """The installed plugins' declared label formats (the ``label_formats`` hook), compiled once per plugin set:
        rebuilt only when a plugin is registered or removed. A declaration that raises or cannot be used is
        recorded as that plugin's failure, and the plugin counts as declaring nothing (it is always asked)."""
        implementations = self.plugins.implementations("label_formats")
        cached = self._formats
        if cached is not None and cached[0] is implementations:
            return cached[1]
        declared: dict[str, list[LabelFormat]] = {}
        for impl, answer in self.plugins.call_each("label_formats"):
            if answer is None:
                continue
            try:
                formats = list(answer)
                for label_format in formats:
                    if not isinstance(label_format, LabelFormat):
                        raise DeclarationError(f"returned {type(label_format).__name__}, not a LabelFormat")
                    label_format.check()
            except (DeclarationError, TypeError) as error:
                self.plugins.record_failure(impl.plugin_name, "label_formats", str(error))
                continue
            if formats:
                declared.setdefault(impl.plugin_name, []).extend(formats)
        registry = FormatRegistry(declared) if declared else EMPTY_REGISTRY
        self._formats = (implementations, registry)
        return registry

    def decode(self, raw: str) -> Decoded:
        """Decode one scan. Unknown text decodes as ``kind="external"`` (it can still be linked).

        :raises InputError: empty, too long, NUL bytes, or only separators.
        :raises AmbiguousBarcode: the scan reads several ways (separators lost) or two plugins claim it.
        """
        _check_scan(raw)
        normalized = normalize(raw, self.formats)
        text = normalized.text
        if text[:1] in _SEPARATORS_AND_SPACE and not text.strip(_SEPARATORS_AND_SPACE):  # first test: no copy
            raise InputError("scan holds only separators and no data")
        if not normalized.alternatives:  # one reading, the common case
            answer = self._decode_reading(text)
            if answer is None:
                return Decoded.external(raw, barcode_hash(text))
            return answer[1].identified(answer[0], raw, barcode_hash(text))
        if not normalized.complete:
            raise AmbiguousBarcode(
                f"the separators were lost and the scan reads more than {len(normalized.alternatives) + 1} ways;"
                " rescan with a scanner that keeps control characters",
                (normalized.text, *normalized.alternatives),
            )
        readings = (normalized.text, *normalized.alternatives)
        # With several readings every claimed one counts: preferring the one a supplier plugin likes would be a
        # silent guess, so they must all agree. Two that disagree settle it; the rest need not be decoded.
        claimed: list[tuple[str, tuple[str, Decoded]]] = []
        for reading in readings:
            answer = self._decode_reading(reading)
            if answer is None:
                continue
            claimed.append((reading, answer))
            if len(claimed) > 1 and not _same_result(*claimed[0][1], *answer):
                break
        if not claimed:
            return Decoded.external(raw, barcode_hash(normalized.text))
        reading, (plugin, result) = claimed[0]
        if len(claimed) > 1 and not _same_result(plugin, result, *claimed[-1][1]):
            candidates = list(readings)
            raise AmbiguousBarcode(
                f"the scan can be read {len(candidates)} ways (separators were lost): "
                + " | ".join(_show(candidate)[:80] for candidate in candidates[:5])
                + "; rescan with a scanner that keeps control characters",
                candidates,
            )
        return result.identified(plugin, raw, barcode_hash(reading))

    def _decode_reading(self, text: str) -> tuple[str, Decoded] | None:
        """Ask the decoders: ``(plugin name, result)`` of the one that claimed ``text``, or ``None``.

        Fallback decoders (``trylast``) are asked only when no specific decoder answered. A plugin that declared
        label formats is asked only when one of them fits ``text``.
        """
        specific: list[tuple[str, Decoded]] = []
        for name, call, fallback in self._decoders_for(text):
            if fallback and specific:
                break
            try:
                result = call(text)
            except BarcodeError:
                raise
            except PLUGIN_FAILURES as error:  # a broken plugin is recorded and skipped, never fatal
                self.plugins.record_failure(name, "decode", f"{type(error).__name__}: {error}", text)
                continue
            if result is None:
                continue
            wrong = check_decoded(result)
            if wrong is not None:
                self.plugins.record_failure(name, "decode", wrong, text)
                continue
            if fallback:
                return name, result
            specific.append((name, result))
        if len(specific) > 1:
            names = [name for name, _ in specific]
            raise AmbiguousBarcode(
                f"plugins {', '.join(names)} all claim this barcode; block one with BARCODE_PLUGINS_BLOCK=<name>",
                names,
            )
        return specific[0] if specific else None

    def _decoders_for(self, text: str) -> list[Caller]:
        """The decoders to ask about ``text``, in call order: those that declared no format, and those with a
        declared format that fits. Cached per set of fitting plugins, so that an installed plugin that cannot
        claim a scan costs no step of the loop that asks the decoders."""
        callers = self.plugins.callers("decode")
        formats = self.formats
        routes = self._routes
        if routes is None or routes[0] is not callers or routes[1] is not formats:
            routes = self._routes = (callers, formats, {})
        fitting = formats.fitting(text) if formats.declaring else formats.declaring
        route = routes[2].get(fitting)
        if route is None:
            declaring = formats.declaring
            route = routes[2][fitting] = [c for c in callers if c.name not in declaring or c.name in fitting]
        return route

    def decode_many(self, lines: Iterable[str]) -> Iterator[Decoded | BarcodeError]:
        """Decode scans one by one; a bad scan yields its error instead of stopping the stream."""
        for line in lines:
            try:
                yield self.decode(line)
            except BarcodeError as error:
                yield error

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

        return decode_symbols(self, source, pdf_dpi=pdf_dpi)

    def link_key(self, barcode: Decoded) -> str:
        """The key a barcode is linked under (the ``link_item`` hook; default: its barcode hash)."""
        for name, call, _ in self.plugins.callers("link_item"):
            try:
                key = call(barcode)
            except BarcodeError:
                raise
            except PLUGIN_FAILURES as error:  # a broken plugin is recorded and skipped, never fatal
                self.plugins.record_failure(name, "link_item", f"{type(error).__name__}: {error}", barcode)
                continue
            if key is None:
                continue
            wrong = check_link_key(key)
            if wrong is None:  # firstresult: the first usable answer decides
                return key
            self.plugins.record_failure(name, "link_item", wrong, barcode)
        return barcode.barcode_hash

    # -- scanning and linking ----------------------------------------------------------------------------
    def scan(self, raw: str, *, explain: bool = False) -> ScanResult:
        """Decode, then resolve what the barcode refers to: internal item, linked item, received stock, open
        purchase-order lines. Logged in the history.

        :param explain: give the result an ``explanation`` (:class:`barcode_plugins.actions.explain.Explanation`): what
            normalisation repaired, each decoder's verdict, each order line considered. A scan that resolves to
            nothing keeps its explanation in the history either way.
        """
        barcode = self.decode(raw)
        store = self.store
        item = barcode.item
        link = None
        if item is None:
            link = store.get_link(self.link_key(barcode))
            item = link.item if link else None
        stock_item = None
        if item is not None and item.type == "stockitem" and item.id.isdigit():
            stock_item = store.get_stock_item(int(item.id))
        matched: tuple[PurchaseOrderLine, ...] = ()
        if barcode.kind == "supplier":
            matched = tuple(self.match_lines(barcode))
        # The lines still open (matching also offers complete ones, for over-receipts; the explanation says so).
        lines = tuple(line for line in matched if line.outstanding > 0)
        message = _scan_message(barcode, item, link, lines)
        explanation = None
        if explain or (item is None and not lines):
            from barcode_plugins.actions.explain import explain_scan

            explanation = explain_scan(self, raw, barcode, item, matched)
        from barcode_plugins.actions.events import announce  # lazy: decoding never announces anything

        warning = None
        try:
            with self.transaction():
                history_id = store.add_history(
                    "scan",
                    "found" if item or barcode.kind != "external" else "not_recognised",
                    raw,
                    barcode_hash=barcode.barcode_hash,
                    plugin=barcode.plugin,
                    item=item,
                    message=message,
                )
                if item is None and not lines and explanation is not None:
                    from barcode_plugins.actions.explain import to_json

                    store.set_history_explanation(history_id, to_json(explanation))
                announce(
                    self,
                    "barcode_scanned",
                    history_id,
                    raw=raw,
                    barcode_hash=barcode.barcode_hash,
                    plugin=barcode.plugin,
                    item=item,
                )
        except EnvironmentFault as error:
            # A scan only looks: a read-only or full store still answers, without its history line.
            warning = f"not logged in the history: {error.message}"
        return ScanResult(
            barcode,
            item,
            link,
            stock_item,
            lines,
            message,
            explanation=explanation,  # asked for, or a scan that found nothing: explained either way
            warning=warning,
        )

    def link(self, raw: str, item: str | ItemRef) -> Link:
        """Link a barcode (decodable or not) to an item. Relinking to the same item is a no-op.

        :raises AlreadyLinked: the barcode is linked to another item (the message names it).
        """
        from barcode_plugins.actions.events import announce  # lazy: decoding never writes
        from barcode_plugins.actions.host_items import require_existing

        target = item if isinstance(item, ItemRef) else ItemRef.parse(item)
        barcode = self.decode(raw)
        if barcode.kind == "internal":
            raise InputError(f"this is an internal barcode for {barcode.item}; it needs no link")
        key = self.link_key(barcode)
        from barcode_plugins.store import now

        store = self.store
        with self.transaction() as tx:
            require_existing(self, target, tx)
            existing = store.get_link(key)
            if existing is not None:
                if existing.item == target:
                    return existing
                raise AlreadyLinked(
                    f"barcode is already linked to {existing.item} (since {existing.created_at[:19]}); unlink it first"
                )
            link = Link(key, target, raw, barcode.plugin, now())
            store.add_link(link)
            history_id = store.add_history(
                "link",
                "linked",
                raw,
                barcode_hash=barcode.barcode_hash,
                plugin=barcode.plugin,
                item=target,
                message=f"linked to {target}",
            )
            announce(
                self, "link_added", history_id, item=target, link_key=key, barcode_hash=barcode.barcode_hash, raw=raw,
                plugin=barcode.plugin,
            )  # fmt: skip
        return link

    def unlink(self, raw: str | None = None, *, item: str | ItemRef | None = None) -> list[Link]:
        """Remove the link of a barcode, or every link of an item. Returns what was removed.

        :raises NotLinked: there was nothing to remove.
        """
        if (raw is None) == (item is None):
            raise InputError("unlink takes a barcode or an item, not both or neither")
        from barcode_plugins.actions.events import announce_removed  # lazy: decoding never writes
        from barcode_plugins.actions.host_items import require_existing

        store = self.store
        if raw is not None:
            barcode = self.decode(raw)
            key = self.link_key(barcode)
            with self.transaction():
                link = store.get_link(key)
                if link is None:
                    raise NotLinked("this barcode is not linked to anything")
                store.delete_link(key)
                history_id = store.add_history(
                    "unlink",
                    "unlinked",
                    raw,
                    barcode_hash=barcode.barcode_hash,
                    plugin=barcode.plugin,
                    item=link.item,
                    message=f"unlinked from {link.item}",
                )
                announce_removed(self, history_id, [link])
            return [link]
        target = item if isinstance(item, ItemRef) else ItemRef.parse(str(item))
        with self.transaction() as tx:
            require_existing(self, target, tx)
            links = store.links_for(target)
            if not links:
                raise NotLinked(f"{target} has no linked barcodes")
            store.delete_links_for(target)
            history_id = store.add_history(
                "unlink", "unlinked", "", item=target, message=f"removed {len(links)} link(s)"
            )
            announce_removed(self, history_id, links)
        return links

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
        from barcode_plugins.actions import bulk
        from barcode_plugins.store import now

        def numbered(index: int) -> str:
            return f"row {index + 1}"

        name: Callable[[int], str] = (
            numbered if row_names is None else row_names if callable(row_names) else row_names.__getitem__
        )
        at = now()
        store = self.store
        source = iter(links)
        first = 0
        staged = False
        try:
            while batch := list(islice(source, bulk.IMPORT_BATCH_ROWS)):
                rows = self._checked_link_rows(batch, first, name, at)
                first += len(batch)
                if not staged and len(batch) < bulk.IMPORT_BATCH_ROWS:
                    with store.transaction():  # the whole import is this one batch: straight in
                        added = store.add_link_rows(rows)
                        self._log_link_import(added, len(rows))
                    return added
                store.stage_links(rows)
                staged = True
            if not staged:
                return 0
            with store.transaction():
                added, total = store.add_staged_links()
                self._log_link_import(added, total)
            return added
        finally:
            if staged:
                store.drop_staged_links()

    def _checked_link_rows(
        self, batch: list[tuple[str, str | ItemRef]], first: int, name: Callable[[int], str], at: str
    ) -> list[LinkRow]:
        """One batch of an import as table rows; :class:`InputError` names the first row that cannot be linked."""
        from barcode_plugins.actions.bulk import link_keys

        targets: list[ItemRef] = []
        for index, (_, item) in enumerate(batch, first):
            try:
                targets.append(item if isinstance(item, ItemRef) else ItemRef.parse(item))
            except InvalidItemReference as error:
                raise InputError(f"{name(index)}: {error.message}") from None
        rows: list[LinkRow] = []
        keyed = link_keys(self, [raw for raw, _ in batch])
        for index, ((raw, _), target, (key, plugin)) in enumerate(zip(batch, targets, keyed, strict=True), first):
            if key is None:
                raise InputError(f"{name(index)}: {plugin}")
            rows.append((key, target.type, target.id, raw, plugin, at))
        return rows

    def _log_link_import(self, added: int, total: int) -> None:
        self.store.add_history(
            "link_import", "imported", "", message=f"{added} link(s) added, {total - added} already linked"
        )

    def label(self, item: str | ItemRef, *, short: bool = False) -> str:
        """The internal barcode payload to print for an item: JSON, or the short form for 1D labels."""
        from barcode_plugins.builtin.internal import encode_json, encode_short, parse_internal

        target = item if isinstance(item, ItemRef) else ItemRef.parse(item)
        payload = encode_short(target) if short else encode_json(target)
        parse_internal(payload)  # raises for a type our own decoder would refuse
        from barcode_plugins.actions.host_items import require_existing
        from barcode_plugins.actions.transaction import Transaction

        require_existing(self, target, Transaction(self))
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

        return query(self, limit, action, status, purchase_order, barcode_hash, since, until)

    def history_entry(self, history_id: int) -> HistoryEntry:
        """One history entry with its stored explanation (kept for failed scans).

        :raises NotFound: no such entry.
        """
        from barcode_plugins.actions.history import entry

        return entry(self, history_id)

    def prune_history(self, *, keep: int | None = None, older_than: timedelta | None = None) -> int:
        """Delete history beyond the newest ``keep`` entries and/or older than ``older_than``; returns how many
        were deleted. Receipts, links and stock stay (undo by barcode hash still works)."""
        from barcode_plugins.actions.history import prune

        return prune(self, keep, older_than)

    # -- purchase orders ---------------------------------------------------------------------------------
    def import_purchase_orders(self, source: Path | Iterable[PurchaseOrder]) -> list[PurchaseOrder]:
        """Import orders from a CSV/JSON file (or values), idempotent by reference: a re-import updates.

        :raises InputError: a malformed file (row and column named), or a line with receipts that the new
            file drops or cuts below what was received. Nothing is written then.
        """
        if isinstance(source, (str, Path)):
            from barcode_plugins.files.po_files import read_purchase_orders

            orders = read_purchase_orders(Path(source))
        else:
            orders = [_exact_order(order) for order in source]
        store = self.store
        with store.transaction():
            for order in orders:
                _check_reimport(store.get_purchase_order(order.reference), order)
                store.save_purchase_order(order)
            store.add_history("po_import", "imported", "", message=f"{len(orders)} order(s)")
        return [store.get_purchase_order(order.reference) or order for order in orders]

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
        parts = [p for p in (barcode.supplier_part_number, barcode.manufacturer_part_number) if p]
        references = [r for r in (barcode.purchase_order, barcode.supplier_order_number, purchase_order) if r]
        orders = self.store.candidate_orders(parts, references)
        if purchase_order is not None:
            orders = [order for order in orders if order.reference.casefold() == purchase_order.casefold()]
            if len(orders) == 1:
                # The user's choice decides which order the label is for: the hooks see it as naming that order.
                chosen = orders[0]
                barcode = attrs.evolve(
                    barcode, purchase_order=chosen.reference, supplier_order_number=chosen.supplier_reference
                )
        if not orders:
            return []
        given = {(line.purchase_order, line.line): line for order in orders for line in order.lines}
        answer = (
            self.plugins.call_first("match_po_line", check=check_lines, barcode=barcode, orders=tuple(orders)) or ()
        )
        # A plugin may only choose among the lines it was given.
        return [line for line in answer if given.get((line.purchase_order, line.line)) == line]

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
            self,
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

        return undo_receipt(self, reference)

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
        for impl, _answer in self.plugins.call_each("register_commands", cli=group):
            clashes = sorted(name for name, command in existing.items() if group.commands.get(name) is not command)
            if clashes:
                group.commands.update({name: existing[name] for name in clashes})
                self.plugins.record_failure(
                    impl.plugin_name,
                    "register_commands",
                    f"tried to replace the built-in command(s) {', '.join(clashes)}; kept the built-in",
                )

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


def _check_scan(raw: Any) -> None:
    if not isinstance(raw, str):
        raise InputError(f"a scan must be text, got {type(raw).__name__}")
    if len(raw) > MAX_SCAN_LENGTH:
        raise InputError(f"scan is {len(raw):,} characters long; a barcode holds at most {MAX_SCAN_LENGTH:,}")
    if "\x00" in raw:
        raise InputError("scan contains NUL bytes, which no barcode scanner sends")
    if not raw.strip(" \t\r\n\f\v"):  # not str.strip(): GS and RS count as whitespace to Python
        raise InputError("empty scan")


def _exact_order(order: PurchaseOrder) -> PurchaseOrder:
    """An order given as values, its quantities checked and exact (a file's are checked as it is read)."""
    import attrs

    from barcode_plugins.quantities import QuantityError, checked

    lines = []
    for line in order.lines:
        try:
            lines.append(attrs.evolve(line, quantity=checked(line.quantity)))
        except QuantityError as error:
            raise InputError(f"{order.reference} line {line.line}: {error.message}") from None
    return attrs.evolve(order, lines=tuple(lines))


def _check_reimport(existing: PurchaseOrder | None, order: PurchaseOrder) -> None:
    if existing is None:
        return
    new_lines = {line.line: line for line in order.lines}
    for line in existing.lines:
        if line.received <= 0:
            continue
        replacement = new_lines.get(line.line)
        if replacement is None:
            raise InputError(
                f"{order.reference} line {line.line} has {line.received} received and is missing from the file;"
                " a line with receipts cannot be removed"
            )
        if replacement.quantity < line.received:
            raise InputError(
                f"{order.reference} line {line.line}: quantity {replacement.quantity} is below the"
                f" {line.received} already received"
            )


def _scan_message(
    barcode: Decoded, item: ItemRef | None, link: Link | None, lines: tuple[PurchaseOrderLine, ...]
) -> str:
    if barcode.kind == "internal":
        return f"internal barcode for {item}"
    if link is not None:
        return f"linked to {link.item}"
    if lines:
        shown = ", ".join(f"{line.purchase_order} line {line.line}" for line in lines[:5])
        return f"{barcode.supplier or 'supplier'} label; open order line: {shown}"
    if barcode.kind == "supplier":
        return f"{barcode.supplier or 'ECIA'} label; no link and no open order line"
    return "not recognised and not linked"


__all__ = ["Engine", "default_db_path"]
