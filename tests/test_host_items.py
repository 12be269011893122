"""The host's own items: receiving into them (and undoing) through a pip-installed host plugin, and refusing
item references that name nothing (``link``, ``unlink --item``, ``label``)."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, ItemRef, NotFound, PurchaseOrder, PurchaseOrderLine

Run = Callable[..., subprocess.CompletedProcess[bytes]]
LABEL = f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q40{GS}1TLOT-1{RS}{EOT}"
ORDER = PurchaseOrder("PO-7", "Farnell", None, "placed", (PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=100),))


@pytest.mark.usefixtures("hostdemo")
def test_receipt_into_the_hosts_item_and_its_undo_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTDEMO_OWN_ITEMS", "1")
    db = tmp_path / "host.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([ORDER])
        result = engine.receive(LABEL)
        assert result.status == "received" and result.item == ItemRef("erp_stock", "1")
        assert result.stock_item is None and "item erp_stock:1" in result.message
        assert engine.scan(LABEL).item == ItemRef("erp_stock", "1")  # the label is linked to the host's item
        assert engine.purchase_order("PO-7").lines[0].received == 40
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT part, quantity FROM erp_stock").fetchall() == [("LM358DR", 40)]
            assert conn.execute("SELECT count(*) FROM stock_items").fetchone()[0] == 0
        undone = engine.undo_receipt(result.history_id or 0)
        assert undone.item == ItemRef("erp_stock", "1") and "item erp_stock:1" in undone.message
        assert engine.purchase_order("PO-7").lines[0].received == 0
        assert engine.scan(LABEL).item is None  # the label's link went with the receipt
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT quantity FROM erp_stock WHERE id = 1").fetchone()[0] == 0
        again = engine.receive(LABEL)
        assert again.status == "received" and again.item == ItemRef("erp_stock", "2")


def test_default_receipt_is_an_internal_stock_item(engine: Engine) -> None:
    engine.import_purchase_orders([ORDER])
    result = engine.receive(LABEL)
    assert result.item == ItemRef("stockitem", str(result.stock_item))
    assert engine.stock_item(result.stock_item or 0).quantity == 40


def test_link_label_and_unlink_refuse_a_stock_item_that_does_not_exist(engine: Engine) -> None:
    with pytest.raises(NotFound, match="stockitem:99999 does not exist"):
        engine.link("x", "stockitem:99999")
    with pytest.raises(NotFound, match="does not exist"):
        engine.label("stockitem:99999")
    with pytest.raises(NotFound, match="does not exist"):
        engine.unlink(item="stockitem:99999")
    engine.import_purchase_orders([ORDER])
    stock = engine.receive(LABEL).stock_item
    assert engine.link("REEL-1", f"stockitem:{stock}").item == ItemRef("stockitem", str(stock))
    assert engine.label(f"stockitem:{stock}") == f'{{"stockitem": {stock}}}'
    assert engine.link("REEL-2", "part:7").item == ItemRef("part", "7")  # no plugin judges parts: accepted


def test_cli_refuses_link_to_nothing_with_a_clear_message(run_cli: Run) -> None:
    refused = run_cli("link", "x", "stockitem:99999")
    assert refused.returncode == 1
    assert refused.stderr.decode().strip() == (
        "Error: stockitem:99999 does not exist; check the reference (e.g. with 'barcode-plugins scan')"
    )
    assert run_cli("label", "stockitem:99999").returncode == 1
    assert run_cli("unlink", "--item", "stockitem:99999").returncode == 1


@pytest.mark.usefixtures("hostdemo")
def test_a_hosts_own_item_type_is_checked_by_its_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTDEMO_OWN_ITEMS", "1")
    with Engine(tmp_path / "host.db") as engine:
        with pytest.raises(NotFound, match="erp_stock:1 does not exist"):
            engine.link("REEL-1", "erp_stock:1")
        engine.import_purchase_orders([ORDER])
        engine.receive(LABEL)
        assert engine.link("REEL-1", "erp_stock:1").item == ItemRef("erp_stock", "1")
        with pytest.raises(NotFound, match="erp_stock:5 does not exist"):
            engine.link("REEL-2", "erp_stock:5")
