"""History an embedder can query and bound: filters (API and CLI), retention by count or age, capped raw scans."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, InputError, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.actions.history import PRUNE_EVERY

Run = Callable[..., subprocess.CompletedProcess[bytes]]
ORDER = PurchaseOrder("PO-7", "Farnell", None, "placed", (PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=100),))


def label(lot: str, quantity: int = 1, order: str = "PO-7") -> str:
    return f"[)>{RS}06{GS}K{order}{GS}1PLM358DR{GS}Q{quantity}{GS}1T{lot}{RS}{EOT}"


@pytest.fixture
def busy(engine: Engine) -> Engine:
    engine.import_purchase_orders([ORDER])
    engine.receive(label("A"))
    engine.receive(label("B"))
    engine.receive(label("C", order="PO-404"))
    engine.link("REEL-1", "part:1")
    engine.scan("ASSET-TAG")
    return engine


def test_filters_by_action_status_order_and_hash(busy: Engine) -> None:
    received = busy.history(10, "receive", status="received")
    assert [entry.status for entry in received] == ["received", "received"]
    assert {entry.purchase_order for entry in busy.history(10, purchase_order="PO-7")} == {"PO-7"}
    assert len(busy.history(10, purchase_order="PO-7")) == 2
    target = busy.decode(label("B")).barcode_hash
    assert [entry.id for entry in busy.history(10, barcode_hash=target)] == [received[0].id]
    assert [entry.status for entry in busy.history(10, status="no_match")] == ["no_match"]
    assert busy.history(10, status="no_match")[0].explanation is not None  # failures carry why


def test_filters_by_time_range(busy: Engine) -> None:
    entries = busy.history(50)
    middle = entries[2].at
    newer = busy.history(50, since=middle)
    assert [entry.id for entry in newer] == [entry.id for entry in entries[:3]]
    older = busy.history(50, until=middle)
    assert [entry.id for entry in older] == [entry.id for entry in entries[3:]]
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    assert busy.history(50, since=tomorrow) == []
    assert len(busy.history(50, until=tomorrow.replace(tzinfo=None))) == len(entries)  # naive means UTC
    assert len(busy.history(50, since="2000-01-01")) == len(entries)
    with pytest.raises(InputError, match="since must be an ISO 8601 time"):
        busy.history(50, since="yesterday")


def test_cli_filters(run_cli_in_process: Run, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([ORDER])
        engine.receive(label("A"))
        engine.receive(label("C", order="PO-404"))
    listed = json.loads(
        run_cli_in_process("history", "--json", "--action", "receive", "--status", "no_match", db=db).stdout
    )
    assert [entry["status"] for entry in listed] == ["no_match"]
    assert listed[0]["explanation"]["reason"].startswith("order number on the label (PO-404)")
    by_po = json.loads(run_cli_in_process("history", "--json", "--po", "PO-7", db=db).stdout)
    assert [entry["status"] for entry in by_po] == ["received"]
    by_hash = json.loads(run_cli_in_process("history", "--json", "--hash", by_po[0]["barcode_hash"], db=db).stdout)
    assert [entry["id"] for entry in by_hash] == [by_po[0]["id"]]
    assert json.loads(run_cli_in_process("history", "--json", "--since", "2999-01-01", db=db).stdout) == []
    bad = run_cli_in_process("history", "--until", "soon", db=db)
    assert bad.returncode == 2 and "until must be an ISO 8601 time" in bad.stderr.decode()


def test_prune_by_count_and_by_age(busy: Engine, run_cli_in_process: Run, tmp_path: Path) -> None:
    total = len(busy.history(100))
    assert busy.prune_history(keep=3) == total - 3
    assert len(busy.history(100)) == 3
    busy.store.db.conn.execute(
        "UPDATE history SET at = '2001-01-01T00:00:00+00:00' WHERE id = (SELECT min(id) FROM history)"
    )
    assert busy.prune_history(older_than=timedelta(days=30)) == 1
    assert len(busy.history(100)) == 2
    assert busy.purchase_order("PO-7").lines[0].received == 2  # receipts are not history
    with pytest.raises(InputError):
        busy.prune_history()
    db = tmp_path / "cli.db"
    with Engine(db) as engine:
        for n in range(5):
            engine.link(f"TAG-{n}", "part:1")
    pruned = run_cli_in_process("history", "--prune", "--keep", "2", "--json", db=db)
    assert pruned.returncode == 0 and json.loads(pruned.stdout) == {"deleted": 3}
    assert run_cli_in_process("history", "--prune", db=db).returncode == 2


def test_history_limit_bounds_a_busy_station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Engine(tmp_path / "station.db", history_limit=10) as engine:
        for n in range(PRUNE_EVERY * 2 + 5):
            engine.link(f"TAG-{n}", "part:1")
        with sqlite3.connect(tmp_path / "station.db") as conn:
            kept = conn.execute("SELECT count(*) FROM history").fetchone()[0]
        assert kept <= 10 + PRUNE_EVERY  # trimmed every PRUNE_EVERY writes: bounded, not exact
        assert engine.history(1)[0].message == "linked to part:1"
    monkeypatch.setenv("BARCODE_PLUGINS_HISTORY_LIMIT", "25")
    assert Engine(":memory:").history_limit == 25
    monkeypatch.setenv("BARCODE_PLUGINS_HISTORY_LIMIT", "lots")
    with pytest.raises(InputError, match="BARCODE_PLUGINS_HISTORY_LIMIT must be a whole number"):
        Engine(":memory:")
    with pytest.raises(InputError, match="at least 1"):
        Engine(":memory:", history_limit=0)


def test_an_over_long_scan_is_logged_capped(engine: Engine) -> None:
    result = engine.receive("X" * 100_000)
    assert result.status == "error"
    stored = engine.history(1)[0].raw
    assert stored.startswith("X" * 8192) and len(stored) < 8300 and "100,000 characters" in stored
