"""Scanning: what a decoded barcode refers to (internal item, linked item, received stock, open order lines),
logged in the history with the ``barcode_scanned`` event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from barcode_plugins.actions.events import announce
from barcode_plugins.actions.matching import match_lines
from barcode_plugins.errors import EnvironmentFault
from barcode_plugins.models import ScanResult

if TYPE_CHECKING:
    from barcode_plugins.actions.transaction import Transactions
    from barcode_plugins.decoder import Decoder
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.models import Decoded, ItemRef, Link, PurchaseOrderLine
    from barcode_plugins.store import Store


def scan(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    transactions: Transactions,
    raw: str,
    barcode: Decoded,
    explain: bool,
) -> ScanResult:
    """Resolve ``barcode`` (decoded from ``raw``) and log the scan (see :meth:`Engine.scan`). A store that cannot
    be written still answers: the result then carries a warning instead of a history line."""
    item = barcode.item
    link = None
    if item is None:
        link = store.get_link(decoder.link_key(barcode))
        item = link.item if link else None
    stock_item = None
    if item is not None and item.type == "stockitem" and item.id.isdigit():
        stock_item = store.get_stock_item(int(item.id))
    matched: tuple[PurchaseOrderLine, ...] = ()
    if barcode.kind == "supplier":
        matched = tuple(match_lines(store, plugins, barcode))
    # The lines still open (matching also offers complete ones, for over-receipts; the explanation says so).
    lines = tuple(line for line in matched if line.outstanding > 0)
    message = _scan_message(barcode, item, link, lines)
    explanation = None
    if explain or (item is None and not lines):
        from barcode_plugins.actions.explain import explain_scan  # lazy: explaining decodes again, only when needed

        explanation = explain_scan(store, decoder, plugins, raw, barcode, item, matched)
    warning = None
    try:
        with transactions.open():
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
                plugins,
                transactions,
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
