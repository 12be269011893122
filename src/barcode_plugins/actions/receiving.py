"""Receiving a scanned label against a purchase-order line: one scan, one transaction.

Inside the transaction (``BEGIN IMMEDIATE``, so concurrent stations queue instead of racing): look for an
earlier receipt of the same label, match the line, check the outstanding quantity, then write the receipt, the
stock item, its link to the label and the history entry. A killed process leaves all of it or none of it; the
unique index on ``receipts (barcode_hash, bag)`` makes a double receipt impossible even in principle: a label's
first receipt is bag 1, and only an explicit "another bag like this one" books bag 2, 3...

Quantities are exact (:mod:`barcode_plugins.quantities`); a label's quantity beyond the bounds is an ``error``
outcome for that scan, never an exception that would stop a batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from barcode_plugins.actions.events import announce
from barcode_plugins.actions.host_items import receipt_item
from barcode_plugins.actions.matching import match_lines
from barcode_plugins.errors import AmbiguousBarcode, InputError, ListenerRefused, NotFound
from barcode_plugins.models import (
    Decoded,
    HistoryEntry,
    ItemRef,
    PurchaseOrderLine,
    Receipt,
    ReceiveResult,
    ReceiveStatus,
)
from barcode_plugins.quantities import LIMIT, Quantity, QuantityError, checked, show

if TYPE_CHECKING:
    from barcode_plugins.actions.transaction import Transactions
    from barcode_plugins.decoder import Decoder
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.store import Store

_HEX = frozenset("0123456789abcdef")
#: The shortest barcode-hash prefix ``undo`` accepts (``link`` prints 12 characters).
MIN_HASH_PREFIX = 8


def _looked_for(barcode: Decoded, purchase_order: str | None) -> str:
    parts = [f"supplier {barcode.plugin if barcode.supplier else 'any (generic ECIA label)'}"]
    if purchase_order:
        parts.append(f"PO {purchase_order}")
    if barcode.purchase_order:
        parts.append(f"customer PO {barcode.purchase_order}")
    if barcode.supplier_order_number:
        parts.append(f"supplier order {barcode.supplier_order_number}")
    if barcode.supplier_part_number:
        parts.append(f"part {barcode.supplier_part_number}")
    if barcode.manufacturer_part_number:
        parts.append(f"MPN {barcode.manufacturer_part_number}")
    return ", ".join(parts)


def receive_one(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    transactions: Transactions,
    raw: str,
    *,
    quantity: Quantity | None,
    location: str | None,
    purchase_order: str | None,
    allow_over: bool,
    another: bool = False,
) -> ReceiveResult:
    """Receive one scan (see :meth:`Engine.receive`); ``quantity`` is already checked."""
    try:
        barcode = decoder.decode(raw)
    except AmbiguousBarcode as error:
        return _log(store, raw, None, "ambiguous", error.message, candidates=error.candidates)
    except InputError as error:
        return _log(store, raw, None, "error", error.message)
    if barcode.kind != "supplier":
        what = f"an internal barcode for {barcode.item}" if barcode.kind == "internal" else "not a supplier label"
        return _log(store, raw, barcode, "not_recognised", f"{what}; nothing to receive")
    amount = quantity
    if amount is None and barcode.quantity is not None:
        try:
            amount = checked(barcode.quantity)
        except QuantityError as error:  # a label's number is input like any other: refused, not a crash
            return _log(store, raw, barcode, "error", f"the label's {error.message}; give one with --quantity")
    with transactions.open():
        earlier = store.get_receipt(barcode.barcode_hash)
        if earlier is not None and not another:
            line = store.get_line(earlier.purchase_order, earlier.line)
            return _log(
                store,
                raw,
                barcode,
                "already_received",
                f"already received {earlier.at[:19].replace('T', ' ')} UTC on {earlier.purchase_order} line"
                f" {earlier.line} ({show(earlier.quantity)}) into {earlier.location or 'no location'},"
                f" stock item {earlier.stock_item}; another bag with an identical label? receive it as another"
                " (--another)",
                purchase_order=earlier.purchase_order,
                line=earlier.line,
                quantity=earlier.quantity,
                outstanding=line.outstanding if line else None,
                stock_item=earlier.stock_item,
            )
        lines = match_lines(store, plugins, barcode, purchase_order)
        if not lines:
            return _log(
                store, raw, barcode, "no_match", f"no open order line for {_looked_for(barcode, purchase_order)}"
            )
        if len(lines) > 1:
            shown = [f"{line.purchase_order} line {line.line}" for line in lines]
            return _log(
                store,
                raw,
                barcode,
                "ambiguous",
                f"{len(lines)} lines fit equally: {', '.join(shown[:6])}; choose one with --po",
                candidates=tuple(shown),
            )
        line = lines[0]
        where = {"purchase_order": line.purchase_order, "line": line.line, "outstanding": line.outstanding}
        if amount is None:
            if line.outstanding <= 0 and not allow_over:  # matched first: no quantity asked for a full line
                return _log(
                    store,
                    raw,
                    barcode,
                    "over_receipt",
                    f"{line.purchase_order} line {line.line} is complete (ordered {show(line.quantity)}, received"
                    f" {show(line.received)}); nothing outstanding; use --allow-over to accept more",
                    **where,
                )
            message = "the label carries no quantity; give one with --quantity"
            return _log(store, raw, barcode, "needs_quantity", message, **where)
        if line.received + amount >= LIMIT:
            return _log(
                store,
                raw,
                barcode,
                "error",
                f"{show(amount)} would take {line.purchase_order} line {line.line} to {show(line.received + amount)}"
                f" received, beyond what the store holds exactly ({LIMIT - 1:,})",
                quantity=amount,
                **where,
            )
        if amount > line.outstanding and not allow_over:
            excess = amount - line.outstanding
            return _log(
                store,
                raw,
                barcode,
                "over_receipt",
                f"{show(amount)} would exceed {line.purchase_order} line {line.line} by {show(excess)}"
                f" (ordered {show(line.quantity)}, received {show(line.received)}); use --allow-over to accept",
                quantity=amount,
                **where,
            )
        return _book(
            store, decoder, plugins, transactions, raw, barcode, line, amount, location or line.destination, another
        )


def _book(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    transactions: Transactions,
    raw: str,
    barcode: Decoded,
    line: PurchaseOrderLine,
    amount: Quantity,
    location: str | None,
    another: bool,
) -> ReceiveResult:
    item = receipt_item(plugins, transactions, barcode, line, amount, location)
    stock_item, linked_to = store.book_receipt(
        line, amount, location, barcode, raw, decoder.link_key(barcode), item=item, another=another
    )
    item = item or ItemRef("stockitem", str(stock_item))
    note = "" if linked_to is None else f"; label stays linked to {linked_to}"
    after = attrs.evolve(line, received=line.received + amount)
    over, outstanding = after.over_received, after.outstanding
    over_note = f" ({show(over)} over the order)" if over > 0 else ""
    into = f"stock item {stock_item}" if stock_item is not None else f"item {item}"
    result = _log(
        store,
        raw,
        barcode,
        "received",
        f"received {show(amount)} on {line.purchase_order} line {line.line}, {show(outstanding)} outstanding"
        f"{over_note}; {into}{' at ' + location if location else ''}{note}",
        purchase_order=line.purchase_order,
        line=line.line,
        quantity=amount,
        outstanding=outstanding,
        stock_item=stock_item,
        item=item,
    )
    announce(
        plugins,
        transactions,
        "receipt_booked",
        result.history_id or 0,
        item=item,
        barcode_hash=barcode.barcode_hash,
        raw=raw,
        plugin=barcode.plugin,
        purchase_order=line.purchase_order,
        line=line.line,
        quantity=amount,
        location=location,
    )
    return result


def _log(
    store: Store,
    raw: str,
    barcode: Decoded | None,
    status: ReceiveStatus,
    message: str,
    *,
    purchase_order: str | None = None,
    line: int | None = None,
    quantity: Quantity | None = None,
    outstanding: Quantity | None = None,
    stock_item: int | None = None,
    candidates: tuple[str, ...] = (),
    item: ItemRef | None = None,
) -> ReceiveResult:
    """Write the history entry for an outcome (inside the caller's transaction, or its own) and return the
    outcome. The result is built once, with its history id (not built and then copied with ``attrs.evolve``)."""
    with store.transaction():
        history_id = store.add_history(
            "receive",
            status,
            raw,  # the store keeps a bounded head of an over-long scan, and its length
            barcode_hash=barcode.barcode_hash if barcode else None,
            plugin=barcode.plugin if barcode else None,
            item=item or (ItemRef("stockitem", str(stock_item)) if stock_item else None),
            purchase_order=purchase_order,
            line=line,
            quantity=quantity,
            message=message,
        )
    return ReceiveResult(
        status,
        message,
        purchase_order=purchase_order,
        line=line,
        quantity=quantity,
        outstanding=outstanding,
        stock_item=stock_item,
        barcode=barcode,
        candidates=candidates,
        history_id=history_id,
        item=item,
    )


def undo_receipt(
    store: Store, plugins: PluginManager, transactions: Transactions, reference: str | int
) -> ReceiveResult:
    """Undo a receipt by history id, barcode hash or hash prefix (see :meth:`Engine.undo_receipt`)."""
    with transactions.open():
        receipt = _find_receipt(store, reference)
        item, link_key = store.receipt_item(receipt)
        store.delete_receipt(receipt)
        if item is not None and item.type != "stockitem" and link_key is not None:
            store.delete_link_of(link_key, item)  # the host's item stays; only this label's link goes
        if receipt.stock_item is not None:
            stock = store.get_stock_item(receipt.stock_item)
            if stock is not None:
                store.delete_links_for(stock.ref)
                store.delete_stock_item(receipt.stock_item)
        line = store.get_line(receipt.purchase_order, receipt.line)
        message = (
            f"undid receipt of {show(receipt.quantity)} on {receipt.purchase_order} line {receipt.line};"
            f" {show(line.outstanding if line else None)} outstanding; "
            + (f"stock item {receipt.stock_item} removed" if receipt.stock_item is not None else f"item {item}")
        )
        history_id = store.add_history(
            "undo",
            "undone",
            "",
            barcode_hash=receipt.barcode_hash,
            item=item,
            purchase_order=receipt.purchase_order,
            line=receipt.line,
            quantity=receipt.quantity,
            message=message,
        )
        announce(
            plugins,
            transactions,
            "receipt_undone",
            history_id,
            item=item,
            barcode_hash=receipt.barcode_hash,
            purchase_order=receipt.purchase_order,
            line=receipt.line,
            quantity=receipt.quantity,
            location=receipt.location,
        )
    return ReceiveResult(
        "undone",
        message,
        purchase_order=receipt.purchase_order,
        line=receipt.line,
        quantity=-receipt.quantity,
        outstanding=line.outstanding if line else None,
        stock_item=receipt.stock_item,
        history_id=history_id,
        item=item,
    )


def receive_explained(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    transactions: Transactions,
    raw: str,
    quantity: Quantity | None,
    location: str | None,
    purchase_order: str | None,
    allow_over: bool,
    explain: bool,
    another: bool = False,
) -> ReceiveResult:
    """:func:`receive_one`, plus: a listener's refusal becomes an ``error`` outcome (nothing booked), a failed
    outcome keeps its explanation in the history, and with ``explain`` the result carries one.

    A failure's explanation is built after its outcome is logged, outside the receipt's transaction (holding the
    write lock while every decoder runs again would stall the other stations), and added to the entry by a
    second small write: a process killed in between leaves the entry without an explanation, never anything
    half-booked.
    """
    from barcode_plugins.actions.explain import FAILED_RECEIVE_STATUSES, explain_receive, to_json

    # Explained before receiving: the lines as matching saw them, not after this receipt changed them.
    explanation = explain_receive(store, decoder, plugins, raw, quantity, purchase_order, "") if explain else None
    try:
        result = receive_one(
            store,
            decoder,
            plugins,
            transactions,
            raw,
            quantity=quantity,
            location=location,
            purchase_order=purchase_order,
            allow_over=allow_over,
            another=another,
        )
    except ListenerRefused as error:
        result = _log(store, raw, decoder.decode(raw), "error", error.message)
    failed = result.status in FAILED_RECEIVE_STATUSES
    if failed or (explain and result.status != "received"):  # nothing changed: explained as the store is now
        explanation = explain_receive(store, decoder, plugins, raw, quantity, purchase_order, result.message)
    if failed and explanation is not None and result.history_id:
        with store.transaction():
            store.set_history_explanation(result.history_id, to_json(explanation))
    if explanation is None or not (explain or failed):
        return result
    # A failure carries the explanation it was given anyway (it is in its history entry too).
    return attrs.evolve(result, explanation=explanation)


def _find_receipt(store: Store, reference: str | int) -> Receipt:
    """The receipt ``reference`` names: a history id (exactly the receipt that entry booked), else a barcode hash
    or a unique prefix of one (the label's newest receipt).

    :raises NotFound: no such history entry, not a receipt, already undone, nothing received under the hash.
    :raises InputError: neither a number nor a hash, or a prefix shared by several labels.
    """
    text = str(reference).strip()
    if isinstance(reference, int) or text.isdecimal():
        # Longer than any SQLite id: not a history id (and int() of thousands of digits would be refused).
        entry = store.get_history(int(text)) if len(text) <= 19 else None
        if entry is not None:
            return _receipt_of_entry(store, entry)
        if isinstance(reference, int) or not MIN_HASH_PREFIX <= len(text) <= 64:
            raise NotFound(f"there is no history entry {text[:24]}")
        # Digits only, but long enough to be the start of a barcode hash: try that too.
    prefix = text.lower()
    if not MIN_HASH_PREFIX <= len(prefix) <= 64 or not _HEX.issuperset(prefix):
        raise InputError(
            f"{text[:64]!r} is neither a history id nor a barcode hash (at least {MIN_HASH_PREFIX} hex characters)"
        )
    hashes = store.received_hashes(prefix)
    if len(hashes) > 1:
        raise InputError(f"{prefix} is the start of several received labels' hashes; give more of it")
    receipt = store.get_receipt(hashes[0]) if hashes else None
    if receipt is None:
        undone = store.was_undone(prefix)
        if undone:
            raise NotFound(f"the receipt of {prefix} was already undone")
        no_entry = f"there is no history entry {prefix} and " if prefix.isdecimal() else ""
        raise NotFound(f"{no_entry}nothing received under {prefix}")
    return receipt


def _receipt_of_entry(store: Store, entry: HistoryEntry) -> Receipt:
    if entry.action != "receive" or entry.status != "received" or not entry.barcode_hash:
        raise NotFound(f"history entry {entry.id} is not a receipt (it is a {entry.action}: {entry.status})")
    stock = entry.item.id if entry.item is not None and entry.item.type == "stockitem" else ""
    if stock.isdecimal():
        receipt = store.get_receipt_of_stock_item(entry.barcode_hash, int(stock))
    else:  # a receipt into a host's own item
        receipt = store.get_receipt_of_item(entry.barcode_hash, entry.item) if entry.item is not None else None
    if receipt is None:
        raise NotFound(f"history entry {entry.id}: that receipt was already undone")
    return receipt
