"""Why a scan was read and resolved the way it was: how explanations are built (their values are in ``models``).

Built only when asked (``Engine.scan(raw, explain=True)``, ``Engine.receive(raw, ..., explain=True)``) or when a
scan fails (then stored with its history entry), never on the ordinary path: building one decodes the scan again,
asking every decoder, and looks at every order line the label could be about, of any status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from barcode_plugins.models import DecoderVerdict, Explanation, LineVerdict

if TYPE_CHECKING:
    from barcode_plugins.decoder import Decoder
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.models import Decoded, PurchaseOrder, PurchaseOrderLine, Quantity
    from barcode_plugins.store import Store

#: Receive outcomes that are failures: their explanation is kept in the history.
FAILED_RECEIVE_STATUSES = frozenset(
    {"already_received", "no_match", "ambiguous", "over_receipt", "not_recognised", "needs_quantity", "error"}
)


def to_json(explanation: Explanation) -> str:
    """The explanation as the JSON stored in the history."""
    from barcode_plugins.models import to_json as models_to_json

    return models_to_json(explanation)


def from_json(text: str) -> Explanation:
    """An explanation read back from the history."""
    import json

    from barcode_plugins.models import structure

    return structure(json.loads(text), Explanation)  # type: ignore[no-any-return]


# -- decoding ------------------------------------------------------------------------------------------------
def decoder_verdicts(plugins: PluginManager, text: str) -> list[DecoderVerdict]:
    """Ask every decoder about ``text`` (already normalised), as the engine does, and note each answer."""
    from barcode_plugins.errors import BarcodeError
    from barcode_plugins.models import Decoded

    ecia = text.startswith("[)>")
    verdicts: list[DecoderVerdict] = []
    claimed_specific = False
    for impl in plugins.implementations("decode"):
        name = impl.plugin_name
        if impl.trylast and claimed_specific:
            verdicts.append(DecoderVerdict(name, "not_asked", "a fallback; a specific decoder claimed the scan"))
            continue
        try:
            result = impl.function(*[text for _ in impl.argnames])
        except BarcodeError as error:
            verdicts.append(DecoderVerdict(name, "refused", error.message))
            continue
        except Exception as error:  # the explanation reports a broken decoder instead of failing with it
            verdicts.append(DecoderVerdict(name, "failed", f"{type(error).__name__}: {error}"))
            continue
        if result is None:
            if ecia and name != "internal":  # our own format is JSON or bp:..., never an ECIA envelope
                verdicts.append(DecoderVerdict(name, "declined", "an ECIA label, but not this plugin's"))
            else:
                verdicts.append(DecoderVerdict(name, "not_its_shape", "not a format this plugin reads"))
        elif not isinstance(result, Decoded):
            verdicts.append(DecoderVerdict(name, "failed", f"returned {type(result).__name__}, not Decoded"))
        else:
            claimed_specific = claimed_specific or not impl.trylast
            what = result.supplier_part_number or result.manufacturer_part_number or result.kind
            verdicts.append(DecoderVerdict(name, "claimed", f"{result.kind} label ({what})"))
    return verdicts


def _reading(decoder: Decoder, plugins: PluginManager, raw: str) -> tuple[tuple[str, ...], int, list[DecoderVerdict]]:
    from barcode_plugins.formats.normalize import normalize

    normalized = normalize(raw, decoder.formats)  # the installed plugins' formats, as decoding uses them
    return normalized.repairs, 1 + len(normalized.alternatives), decoder_verdicts(plugins, normalized.text)


def _unrecognised_reason(verdicts: Sequence[DecoderVerdict]) -> str:
    failed = [verdict for verdict in verdicts if verdict.verdict == "failed"]
    if failed:
        first = failed[0]
        return (
            f"plugin {first.plugin} failed on this scan ({first.detail}) and no other plugin recognised it;"
            f" report it to the plugin's author, or block it with BARCODE_PLUGINS_BLOCK={first.plugin}"
        )
    if any(verdict.verdict == "declined" for verdict in verdicts):
        return (
            "an ECIA label that no installed supplier plugin claims and the generic decoder could not read;"
            " install the supplier's plugin, or link the label to an item with 'barcode-plugins link RAW ITEM'"
        )
    asked = ", ".join(verdict.plugin for verdict in verdicts) or "none"
    return (
        f"unknown label: no installed plugin reads this format (asked: {asked}); if it is a supplier's label,"
        " install its plugin, otherwise link it to an item with 'barcode-plugins link RAW ITEM'"
    )


def explain_error(decoder: Decoder, plugins: PluginManager, raw: str, message: str) -> Explanation:
    """The explanation of a scan that could not be decoded at all (``message`` is the error's)."""
    from barcode_plugins.decoder import MAX_SCAN_LENGTH

    if not isinstance(raw, str) or "\x00" in raw or len(raw) > MAX_SCAN_LENGTH or not raw.strip():
        return Explanation(message)
    repairs, readings, verdicts = _reading(decoder, plugins, raw)
    return Explanation(message, repairs, readings, tuple(verdicts))


# -- resolving -----------------------------------------------------------------------------------------------
def explain_scan(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    raw: str,
    barcode: Decoded,
    item: object,
    lines: Sequence[PurchaseOrderLine],
) -> Explanation:
    """The explanation of :meth:`Engine.scan`: how it was read, and for a supplier label every line considered."""
    repairs, readings, verdicts = _reading(decoder, plugins, raw)
    line_verdicts: list[LineVerdict] = []
    if barcode.kind == "internal":
        reason = f"our own label for {barcode.item}"
    elif item is not None:
        reason = f"linked to {item}"
    elif barcode.kind == "external":
        reason = _unrecognised_reason(verdicts)
    else:
        line_verdicts, reason = explain_lines(store, barcode, lines, None, None)
    return Explanation(reason, repairs, readings, tuple(verdicts), tuple(line_verdicts))


def explain_receive(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    raw: str,
    quantity: Quantity | None,
    purchase_order: str | None,
    message: str,
) -> Explanation:
    """The explanation of :meth:`Engine.receive` as the store is now (``message``: the outcome's, for scans
    that never reached matching)."""
    from barcode_plugins.actions.matching import match_lines
    from barcode_plugins.errors import BarcodeError

    try:
        barcode = decoder.decode(raw)
    except BarcodeError:
        return explain_error(decoder, plugins, raw, message)
    repairs, readings, verdicts = _reading(decoder, plugins, raw)
    line_verdicts: list[LineVerdict] = []
    amount = quantity if quantity is not None else barcode.quantity
    if barcode.kind == "external":
        reason = _unrecognised_reason(verdicts)
    elif barcode.kind != "supplier" or amount is None:
        reason = message
    else:
        earlier = store.get_receipt(barcode.barcode_hash)
        lines = match_lines(store, plugins, barcode, purchase_order)
        line_verdicts, reason = explain_lines(store, barcode, lines, purchase_order, amount)
        if earlier is not None:
            reason = message
    return Explanation(reason, repairs, readings, tuple(verdicts), tuple(line_verdicts))


def explain_lines(
    store: Store,
    barcode: Decoded,
    chosen: Sequence[PurchaseOrderLine],
    purchase_order: str | None,
    amount: Quantity | None,
) -> tuple[list[LineVerdict], str]:
    """Every line the label could be about with the reason it was kept or rejected, and the overall reason.

    ``chosen`` is what matching (the ``match_po_line`` hook) kept; the reasons for the others are the default
    matcher's rules, checked one by one so that each failing rule is named.
    """
    parts = [part for part in (barcode.supplier_part_number, barcode.manufacturer_part_number) if part]
    named = [ref for ref in (barcode.purchase_order, barcode.supplier_order_number) if ref]
    orders = store.orders_to_explain(parts, named)
    kept = {(line.purchase_order, line.line) for line in chosen}
    verdicts: list[LineVerdict] = []
    nearest: tuple[int, PurchaseOrder, PurchaseOrderLine, list[str]] | None = None
    for order in orders:
        for line in order.lines:
            problems = _problems(barcode, order, line, purchase_order)
            is_kept = (line.purchase_order, line.line) in kept
            if is_kept:
                reason = "fits: supplier, order and part agree" + _fullness(line, amount)
            elif problems:
                reason = "; ".join(problems)
            else:
                reason = "fits, but another line fits better" + _fullness(line, None)
            verdicts.append(LineVerdict(line.purchase_order, line.line, is_kept, reason))
            if problems and (nearest is None or len(problems) < nearest[0]):
                nearest = (len(problems), order, line, problems)
    return verdicts, _overall(barcode, chosen, orders, nearest, named, parts, amount)


def _same(left: str | None, right: str | None) -> bool:
    return bool(left) and bool(right) and left.strip().casefold() == right.strip().casefold()  # type: ignore[union-attr]


def _problems(barcode: Decoded, order: PurchaseOrder, line: PurchaseOrderLine, purchase_order: str | None) -> list[str]:
    from barcode_plugins.builtin.matching import order_fits, part_fits, supplier_fits

    problems: list[str] = []
    if purchase_order is not None and not _same(order.reference, purchase_order):
        problems.append(f"not the order chosen with --po {purchase_order}")
    # A complete order still takes a further bag on a line that is fully received (an over-receipt to allow).
    if order.status != "placed" and not (order.status == "complete" and line.outstanding <= 0):
        problems.append(f"order {order.reference} is {order.status}, not placed")
    if not supplier_fits(barcode, order):
        problems.append(
            f"wrong supplier: order {order.reference} is from {order.supplier}, the label is {barcode.supplier}'s"
        )
    if not order_fits(barcode, order):
        label_names = " / ".join(ref for ref in (barcode.purchase_order, barcode.supplier_order_number) if ref)
        theirs = f" (supplier's reference {order.supplier_reference})" if order.supplier_reference else ""
        problems.append(f"the label names order {label_names}, this line is on {order.reference}{theirs}")
    if not part_fits(barcode, line):
        label_part = barcode.supplier_part_number or barcode.manufacturer_part_number or "no part number"
        line_part = " / ".join(part for part in (line.sku, line.mpn) if part) or "no part number"
        problems.append(f"part {label_part} is not this line's ({line_part})")
    return problems


def _fullness(line: PurchaseOrderLine, amount: Quantity | None) -> str:
    if line.outstanding <= 0:
        return f"; but the line is complete ({line.received} of {line.quantity} received)"
    if amount is not None and amount > line.outstanding:
        return f"; but {amount} is more than the {line.outstanding} outstanding"
    return f"; {line.outstanding} outstanding"


def _overall(
    barcode: Decoded,
    chosen: Sequence[PurchaseOrderLine],
    orders: Sequence[PurchaseOrder],
    nearest: tuple[int, PurchaseOrder, PurchaseOrderLine, list[str]] | None,
    named: Sequence[str],
    parts: Sequence[str],
    amount: Quantity | None,
) -> str:
    if len(chosen) > 1:
        shown = ", ".join(f"{line.purchase_order} line {line.line}" for line in chosen[:6])
        return f"two or more lines tie ({shown}): nothing on the label tells them apart; choose one with --po"
    if len(chosen) == 1:
        line = chosen[0]
        where = f"{line.purchase_order} line {line.line}"
        if line.outstanding <= 0:
            return (
                f"line complete: {where} has all {line.quantity} received, nothing is outstanding;"
                " a second delivery needs --allow-over (or a new order line)"
            )
        if amount is not None and amount > line.outstanding:
            return (
                f"over-receipt: {amount} is more than the {line.outstanding} outstanding on {where};"
                " check the count, or accept it with --allow-over"
            )
        return f"fits {where} ({line.outstanding} outstanding)"
    on_file = {ref.casefold() for order in orders for ref in (order.reference, order.supplier_reference) if ref}
    missing = [ref for ref in named if ref.casefold() not in on_file]
    if named and len(missing) == len(named):
        return (
            f"order number on the label ({' / '.join(named)}) is not on any purchase order here;"
            " import that order ('barcode-plugins po import'), or receive against another with --po"
        )
    part = " / ".join(parts) or "no part number"
    from barcode_plugins.builtin.matching import order_fits, part_fits

    named_orders = [order for order in orders if named and order_fits(barcode, order)]
    if named_orders and not any(part_fits(barcode, line) for order in named_orders for line in order.lines):
        return (
            f"part not on the order: {named_orders[0].reference}, which the label names, has no line for part"
            f" {part}; add the line to the order, or check that the right bag was scanned"
        )
    if nearest is None:
        if not orders:
            return f"no purchase order has a line for part {part}; import the order, or check the label"
        return f"no order line fits part {part}"
    _, order, line, problems = nearest
    if any(problem.startswith("order ") and "not placed" in problem for problem in problems):
        return (
            f"order not placed: {order.reference} line {line.line} fits but the order is {order.status};"
            " import it again with status placed to receive against it"
        )
    if any(problem.startswith("wrong supplier") for problem in problems):
        return (
            f"wrong supplier: {order.reference} line {line.line} has part {part} but is ordered from"
            f" {order.supplier}, and this is a {barcode.supplier} label; check the order's supplier"
        )
    return f"nearest line {order.reference} line {line.line} does not fit: {'; '.join(problems)}"
