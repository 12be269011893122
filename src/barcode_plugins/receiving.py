"""Receiving a scanned label against a purchase-order line: one scan, one transaction.

Inside the transaction (``BEGIN IMMEDIATE``, so concurrent stations queue instead of racing): look for an
earlier receipt of the same label, match the line, check the outstanding quantity, then write the receipt, the
stock item, its link to the label and the history entry. A killed process leaves all of it or none of it; the
unique index on ``receipts.barcode_hash`` makes a double receipt impossible even in principle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .engine import MAX_SCAN_LENGTH
from .errors import AmbiguousBarcode, InputError, ListenerRefused, NotFound
from .events import announce
from .host_items import receipt_item
from .models import Decoded, ItemRef, PurchaseOrderLine, Quantity, ReceiveResult, ReceiveStatus

if TYPE_CHECKING:
    from .engine import Engine
    from .store import Store


def _fmt(quantity: Quantity | None) -> str:
    return "?" if quantity is None else f"{quantity:g}" if isinstance(quantity, float) else str(quantity)


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
    engine: Engine,
    raw: str,
    *,
    quantity: Quantity | None,
    location: str | None,
    purchase_order: str | None,
    allow_over: bool,
) -> ReceiveResult:
    """Receive one scan (see :meth:`Engine.receive`)."""
    store = engine.store
    try:
        barcode = engine.decode(raw)
    except AmbiguousBarcode as error:
        return _log(store, raw, None, "ambiguous", error.message, candidates=error.candidates)
    except InputError as error:
        return _log(store, raw, None, "error", error.message)
    if barcode.kind != "supplier":
        what = f"an internal barcode for {barcode.item}" if barcode.kind == "internal" else "not a supplier label"
        return _log(store, raw, barcode, "not_recognised", f"{what}; nothing to receive")
    amount = quantity if quantity is not None else barcode.quantity
    if amount is None or amount <= 0:
        return _log(store, raw, barcode, "needs_quantity", "the label carries no quantity; give one with --quantity")
    with engine.transaction():
        earlier = store.get_receipt(barcode.barcode_hash)
        if earlier is not None:
            line = store.get_line(earlier.purchase_order, earlier.line)
            return _log(
                store,
                raw,
                barcode,
                "already_received",
                f"already received {earlier.at[:19].replace('T', ' ')} UTC on {earlier.purchase_order} line"
                f" {earlier.line} ({_fmt(earlier.quantity)}) into {earlier.location or 'no location'},"
                f" stock item {earlier.stock_item}",
                purchase_order=earlier.purchase_order,
                line=earlier.line,
                quantity=earlier.quantity,
                outstanding=line.outstanding if line else None,
                stock_item=earlier.stock_item,
            )
        lines = engine.match_lines(barcode, purchase_order)
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
        if amount > line.outstanding and not allow_over:
            excess = amount - line.outstanding
            return _log(
                store,
                raw,
                barcode,
                "over_receipt",
                f"{_fmt(amount)} would exceed {line.purchase_order} line {line.line} by {_fmt(excess)}"
                f" (ordered {_fmt(line.quantity)}, received {_fmt(line.received)}); use --allow-over to accept",
                purchase_order=line.purchase_order,
                line=line.line,
                quantity=amount,
                outstanding=line.outstanding,
            )
        return _book(engine, store, raw, barcode, line, amount, location or line.destination)


def _book(
    engine: Engine,
    store: Store,
    raw: str,
    barcode: Decoded,
    line: PurchaseOrderLine,
    amount: Quantity,
    location: str | None,
) -> ReceiveResult:
    item = receipt_item(engine, barcode, line, amount, location)
    stock_item, linked_to = store.book_receipt(
        line, amount, location, barcode, raw, engine.link_key(barcode), item=item
    )
    item = item or ItemRef("stockitem", str(stock_item))
    note = "" if linked_to is None else f"; label stays linked to {linked_to}"
    outstanding = max(line.quantity - line.received - amount, 0)
    into = f"stock item {stock_item}" if stock_item is not None else f"item {item}"
    result = _log(
        store,
        raw,
        barcode,
        "received",
        f"received {_fmt(amount)} on {line.purchase_order} line {line.line}, {_fmt(outstanding)} outstanding;"
        f" {into}{' at ' + location if location else ''}{note}",
        purchase_order=line.purchase_order,
        line=line.line,
        quantity=amount,
        outstanding=outstanding,
        stock_item=stock_item,
        item=item,
    )
    announce(
        engine, "receipt_booked", result.history_id or 0, item=item, barcode_hash=barcode.barcode_hash, raw=raw,
        plugin=barcode.plugin, purchase_order=line.purchase_order, line=line.line, quantity=amount, location=location,
    )  # fmt: skip
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
            raw[:MAX_SCAN_LENGTH],  # an over-long scan is refused; its head is enough to recognise it
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


def undo_receipt(engine: Engine, reference: str | int) -> ReceiveResult:
    """Undo a receipt by barcode hash or history id (see :meth:`Engine.undo_receipt`)."""
    store = engine.store
    with engine.transaction():
        barcode_hash = str(reference)
        if isinstance(reference, int) or (isinstance(reference, str) and reference.isdigit()):
            entry = store.get_history(int(reference))
            if entry is None or entry.action != "receive" or entry.status != "received" or not entry.barcode_hash:
                raise NotFound(f"history entry {reference} is not a receipt")
            barcode_hash = entry.barcode_hash
        receipt = store.get_receipt(barcode_hash)
        if receipt is None:
            raise NotFound(f"nothing received under {str(reference)[:64]!r} (already undone?)")
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
            f"undid receipt of {_fmt(receipt.quantity)} on {receipt.purchase_order} line {receipt.line};"
            f" {_fmt(line.outstanding if line else None)} outstanding; "
            + (f"stock item {receipt.stock_item} removed" if receipt.stock_item is not None else f"item {item}")
        )
        history_id = store.add_history(
            "undo",
            "undone",
            "",
            barcode_hash=barcode_hash,
            purchase_order=receipt.purchase_order,
            line=receipt.line,
            quantity=receipt.quantity,
            message=message,
        )
        announce(
            engine, "receipt_undone", history_id, item=item, barcode_hash=barcode_hash,
            purchase_order=receipt.purchase_order, line=receipt.line, quantity=receipt.quantity,
            location=receipt.location,
        )  # fmt: skip
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
    engine: Engine,
    raw: str,
    quantity: Quantity | None,
    location: str | None,
    purchase_order: str | None,
    allow_over: bool,
    explain: bool,
) -> ReceiveResult:
    """:func:`receive_one`, plus: a listener's refusal becomes an ``error`` outcome (nothing booked), a failed
    outcome keeps its explanation in the history, and with ``explain`` the result carries one.

    A failure's explanation is built after its outcome is logged, outside the receipt's transaction (holding the
    write lock while every decoder runs again would stall the other stations), and added to the entry by a
    second small write: a process killed in between leaves the entry without an explanation, never anything
    half-booked.
    """
    from .explain import FAILED_RECEIVE_STATUSES, explain_receive, to_json

    # Explained before receiving: the lines as matching saw them, not after this receipt changed them.
    explanation = explain_receive(engine, raw, quantity, purchase_order, "") if explain else None
    try:
        result = receive_one(
            engine, raw, quantity=quantity, location=location, purchase_order=purchase_order, allow_over=allow_over
        )
    except ListenerRefused as error:
        result = _log(engine.store, raw, engine.decode(raw), "error", error.message)
    failed = result.status in FAILED_RECEIVE_STATUSES
    if failed or (explain and result.status != "received"):  # nothing changed: explained as the store is now
        explanation = explain_receive(engine, raw, quantity, purchase_order, result.message)
    if failed and explanation is not None and result.history_id:
        with engine.store.transaction():
            engine.store.set_history_explanation(result.history_id, to_json(explanation))
    if not explain:
        return result
    import attrs  # lazy: only an explained receipt is rebuilt

    return attrs.evolve(result, explanation=explanation)
