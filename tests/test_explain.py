"""Explanations: ``scan --explain`` gives a reason a person can act on for each way a scan goes wrong; receive and
JSON carry it under one key; failed scans keep theirs in the history (``history --show``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sample_labels import DIGIKEY, EOT, GS, RS

from barcode_plugins import Decoded, Engine, PurchaseOrder, PurchaseOrderLine, hookimpl
from barcode_plugins.actions.explain import Explanation
from barcode_plugins.cli import _register_commands, cli
from barcode_plugins.cli.context import AppContext


def ecia(*elements: str) -> str:
    return f"[)>{RS}06{GS}" + GS.join(elements) + f"{RS}{EOT}"


def order(reference: str, supplier: str, mpn: str, status: str = "placed", **extra: object) -> PurchaseOrder:
    line = PurchaseOrderLine(reference, 1, sku=extra.pop("sku", None), mpn=mpn, quantity=extra.pop("quantity", 100))  # type: ignore[arg-type]
    return PurchaseOrder(reference, supplier, extra.pop("supplier_reference", None), status, (line,))  # type: ignore[arg-type]


ORDERS = [
    order("PO-7", "Farnell", "LM358DR"),
    order("PO-DK-1", "mouser", "STM32F103C8T6", sku="497-1234-1-ND", supplier_reference="81234567"),
    order("PO-DONE", "Farnell", "DONE-1", quantity=10),
    order("PO-PEND", "Farnell", "PEND-1", status="pending"),
    order("PO-A", "Farnell", "TIE-1"),
    order("PO-B", "Farnell", "TIE-1"),
]


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "explain.db"
    with Engine(path) as engine:
        engine.import_purchase_orders(ORDERS)
        assert engine.receive(ecia("KPO-DONE", "1PDONE-1", "Q10", "1TFIRST")).status == "received"
    return str(path)


@pytest.fixture
def invoke(db: str) -> Callable[..., Result]:
    _register_commands()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--db", db, *args])


@pytest.fixture
def broken_decoder() -> Iterator[None]:
    class Broken:
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            if text.startswith("BROKEN"):
                raise ValueError("index out of range in field 3")
            return None

    plugins = AppContext.plugin_host().plugins
    assert plugins.register(Broken(), "broken")
    try:
        yield
    finally:
        plugins.unregister("broken")
        plugins.failures[:] = [failure for failure in plugins.failures if failure.plugin != "broken"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (DIGIKEY, "wrong supplier: PO-DK-1 line 1 has part 497-1234-1-ND / STM32F103C8T6 but is ordered from mouser"),
        (ecia("KPO-404", "1PLM358DR", "Q5"), "order number on the label (PO-404) is not on any purchase order here"),
        (ecia("KPO-7", "1PNOPE-9", "Q5"), "part not on the order: PO-7, which the label names, has no line for part"),
        (ecia("KPO-DONE", "1PDONE-1", "Q10", "1TSECOND"), "line complete: PO-DONE line 1 has all 10 received"),
        (ecia("KPO-PEND", "1PPEND-1", "Q5"), "order not placed: PO-PEND line 1 fits but the order is pending"),
        (ecia("1PTIE-1", "Q5"), "two or more lines tie (PO-A line 1, PO-B line 1)"),
        ("ASSET-TAG-0042", "unknown label: no installed plugin reads this format"),
    ],
    ids=["wrong-supplier", "order-not-on-any-po", "part-not-on-order", "line-complete", "not-placed", "tie", "unknown"],
)
def test_scan_explain_gives_an_actionable_reason(invoke: Callable[..., Result], raw: str, reason: str) -> None:
    result = invoke("scan", "--explain", raw)
    assert f"why: {reason}" in result.output, result.output
    document = json.loads(invoke("scan", "--explain", "--json", raw).stdout)
    assert document["explanation"]["reason"].startswith(reason)


def test_scan_explain_names_a_failing_decoder(invoke: Callable[..., Result], broken_decoder: None) -> None:
    result = invoke("scan", "--explain", "BROKEN-LABEL-1")
    assert result.exit_code == 1
    assert "why: plugin broken failed on this scan (ValueError: index out of range in field 3)" in result.output
    assert "BARCODE_PLUGINS_BLOCK=broken" in result.output


def test_explanation_lists_repairs_decoders_and_lines(db: str) -> None:
    with Engine(db) as engine:
        pictures = ecia("KPO-7", "1PLM358DR", "Q5").replace(GS, "\u241d").replace(RS, "\u241e").replace(EOT, "\u2404")
        explained = engine.scan(pictures + "\r\n", explain=True).explanation
        assert explained is not None
        assert {"control-pictures", "whitespace"} <= set(explained.repairs)
        verdicts = {verdict.plugin: verdict.verdict for verdict in explained.decoders}
        assert verdicts["ecia"] == "claimed" and verdicts["digikey"] == "declined"
        assert [(line.purchase_order, line.kept) for line in explained.lines] == [("PO-7", True)]
        tie = engine.scan(ecia("1PTIE-1", "Q5"), explain=True).explanation
        assert tie is not None and [line.kept for line in tie.lines] == [True, True]
        assert engine.scan(ecia("KPO-7", "1PLM358DR", "Q5")).explanation is None  # not asked


def test_receive_explain_over_receipt_and_json_key(invoke: Callable[..., Result], db: str) -> None:
    with Engine(db) as engine:
        result = engine.receive(ecia("KPO-7", "1PLM358DR", "Q500"), explain=True)
        assert result.status == "over_receipt" and result.explanation is not None
        assert result.explanation.reason.startswith("over-receipt: 500 is more than the 100 outstanding on PO-7 line 1")
        kept = [line for line in result.explanation.lines if line.kept]
        assert len(kept) == 1 and "more than the 100 outstanding" in kept[0].reason
        assert engine.receive(ecia("KPO-7", "1PLM358DR", "Q1", "1TX")).explanation is None
    document = json.loads(invoke("receive", "--explain", "--json", ecia("KPO-7", "1PLM358DR", "Q5", "1TY")).stdout)
    assert document["status"] == "received" and document["explanation"]["reason"] == "fits PO-7 line 1 (99 outstanding)"
    plain = json.loads(invoke("receive", "--json", ecia("KPO-7", "1PLM358DR", "Q5", "1TZ")).stdout)
    assert plain["explanation"] is None
    assert json.loads(invoke("scan", "--json", ecia("KPO-7", "1PLM358DR", "Q5")).stdout)["explanation"] is None
    shown = invoke("receive", "--explain", ecia("KPO-PEND", "1PPEND-1", "Q5"))
    assert shown.exit_code == 1
    assert "why: order not placed: PO-PEND line 1 fits but the order is pending" in shown.stdout
    assert "PO-PEND line 1  rejected  order PO-PEND is pending, not placed" in shown.stdout


def test_failed_scans_keep_their_explanation_in_history(invoke: Callable[..., Result], db: str) -> None:
    assert invoke("scan", "ASSET-TAG-0042").exit_code == 1
    failed = invoke("receive", ecia("KPO-404", "1PLM358DR", "Q5"))
    assert failed.exit_code == 1
    with Engine(db) as engine:
        scan_entry, receive_entry = engine.history(2, status="not_recognised")[0], engine.history(1, "receive")[0]
        assert engine.history_entry(scan_entry.id).explanation is not None
        stored = engine.history_entry(receive_entry.id).explanation
        assert isinstance(stored, Explanation) and stored.reason.startswith("order number on the label (PO-404)")
        received = engine.history(1, "receive", status="received")[0]
        assert engine.history_entry(received.id).explanation is None  # kept only for failures
    shown = invoke("history", "--show", str(receive_entry.id))
    assert "why: order number on the label (PO-404)" in shown.output and "no_match" in shown.output
    document = json.loads(invoke("history", "--show", str(receive_entry.id), "--json").stdout)
    assert document["explanation"]["reason"].startswith("order number on the label")
    assert invoke("history", "--show", "99999").exit_code == 1
