"""Event hooks through a real plugin installed with pip: in-transaction listeners (all or nothing) and
after-commit listeners (once each, in order, failures recorded), also under 8 concurrent receiving processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import cli_path
from sample_labels import EOT, GS, RS

from barcode_plugins import (
    Engine,
    Event,
    ListenerRefused,
    PurchaseOrder,
    PurchaseOrderLine,
    ReentrantCall,
    Transaction,
    hookimpl,
)

Run = Callable[..., subprocess.CompletedProcess[bytes]]


def label(lot: str, quantity: int = 1) -> str:
    return f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q{quantity}{GS}1T{lot}{RS}{EOT}"


ORDER = PurchaseOrder(
    "PO-7", "Farnell", None, "placed", (PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=10_000),)
)


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "host.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([ORDER])
    return db


@pytest.mark.usefixtures("hostdemo")
def test_the_plugin_is_loaded_from_its_entry_point() -> None:
    infos = {info.name: info for info in Engine(":memory:").plugins.plugin_infos()}
    assert infos["hostdemo"].distribution == "barcode-plugins-hostdemo"
    assert {"receipt_booked", "event_committed", "create_receipt_item"} <= set(infos["hostdemo"].hooks)


@pytest.mark.usefixtures("hostdemo")
def test_in_transaction_listener_that_raises_books_nothing(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTDEMO_MIRROR", "1")
    monkeypatch.setenv("HOSTDEMO_REFUSE", "receipt_booked,link_added")
    with Engine(store) as engine:
        result = engine.receive(label("A1", 40))
        assert result.status == "error" and "host refuses receipt_booked" in result.message
        assert "hostdemo" in result.message and "nothing was written" in result.message
        with pytest.raises(ListenerRefused, match="host refuses link_added"):
            engine.link("REEL-1", "part:1")
        assert engine.purchase_order("PO-7").lines[0].received == 0
    for table in ("receipts", "stock_items", "links"):
        assert count(store, f"SELECT count(*) FROM {table}") == 0, table
    assert "host_events" not in tables(store)  # the listener's own write went with the rollback


@pytest.mark.usefixtures("hostdemo")
def test_after_commit_failure_keeps_the_receipt_and_is_recorded(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    log = tmp_path / "erp.log"
    monkeypatch.setenv("HOSTDEMO_LOG", str(log))
    monkeypatch.setenv("HOSTDEMO_FAIL_AFTER", "1")
    with Engine(store) as engine:
        result = engine.receive(label("A1", 40))
        assert result.status == "received"
        failures = [f for f in engine.plugins.failures if f.plugin == "hostdemo"]
        assert [(f.hook, f.error) for f in failures] == [("event_committed", "ConnectionError: the ERP is down")]
        info = {i.name: i for i in engine.plugins.plugin_infos()}["hostdemo"]
        assert "event_committed: ConnectionError" in (info.error or "")
    assert count(store, "SELECT count(*) FROM receipts") == 1
    assert log.read_text().split()[1:3] == ["receipt_booked", str(result.history_id)]
    shown = run_cli("receive", label("A2", 1), db=store)
    assert shown.returncode == 0
    assert "warning: plugin hostdemo failed in event_committed" in shown.stderr.decode()
    assert count(store, "SELECT count(*) FROM receipts") == 2


@pytest.mark.usefixtures("hostdemo")
def test_events_arrive_once_each_in_order_inside_and_after(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "erp.log"
    monkeypatch.setenv("HOSTDEMO_LOG", str(log))
    monkeypatch.setenv("HOSTDEMO_MIRROR", "1")
    with Engine(store) as engine:
        engine.link("REEL-1", "part:1")
        engine.unlink("REEL-1")
        received = engine.receive(label("A1", 40))
        engine.undo_receipt(received.history_id or 0)
    kinds = ["link_added", "link_removed", "receipt_booked", "receipt_undone"]
    logged = [line.split() for line in log.read_text().splitlines()]
    assert [line[1] for line in logged] == kinds
    ids = [int(line[2]) for line in logged]
    assert ids == sorted(ids) and len(set(ids)) == 4
    with sqlite3.connect(store) as conn:
        mirrored = conn.execute("SELECT kind, history_id, item FROM host_events ORDER BY id").fetchall()
    assert [row[0] for row in mirrored] == kinds and [row[1] for row in mirrored] == ids
    assert mirrored[2][2] == mirrored[3][2] == f"stockitem:{received.stock_item}"


@pytest.mark.usefixtures("hostdemo")
def test_events_once_each_in_order_under_8_receiving_processes(store: Path, tmp_path: Path) -> None:
    log = tmp_path / "erp.log"
    per_process = 25
    env = {**os.environ, "BARCODE_PLUGINS_DB": str(store), "HOSTDEMO_LOG": str(log), "HOSTDEMO_MIRROR": "1"}
    files = []
    for station in range(8):
        scans = tmp_path / f"station{station}.txt"
        # Every station also scans two labels another station scans: one of them books, the other is a duplicate.
        lots = [f"S{station}-{n}" for n in range(per_process)] + [f"SHARED-{station // 2}", f"SHARED-{station % 4}"]
        scans.write_text("".join(label(lot) + "\n" for lot in lots))
        files.append(scans)
    processes = [
        subprocess.Popen([cli_path(), "receive", "--json", "--file", str(f)], env=env, stdout=subprocess.PIPE)
        for f in files
    ]
    for process in processes:
        process.communicate(timeout=300)
    receipts = count(store, "SELECT count(*) FROM receipts")
    assert receipts == 8 * per_process + 4
    lines = [line.split() for line in log.read_text().splitlines()]
    assert len(lines) == receipts  # none missing
    hashes = Counter(line[3] for line in lines)
    assert max(hashes.values()) == 1  # none twice
    with sqlite3.connect(store) as conn:
        booked = {row[0] for row in conn.execute("SELECT barcode_hash FROM receipts")}
        received_ids = [row[0] for row in conn.execute("SELECT id FROM history WHERE status = 'received' ORDER BY id")]
        mirrored = [row[0] for row in conn.execute("SELECT history_id FROM host_events ORDER BY id")]
    assert set(hashes) == booked
    assert mirrored == received_ids  # in-transaction: in commit order, one row per receipt
    by_process: dict[str, list[int]] = {}
    for pid, _kind, history_id, _hash in lines:
        by_process.setdefault(pid, []).append(int(history_id))
    assert len(by_process) == 8
    for ids in by_process.values():
        assert ids == sorted(ids)  # after-commit: each process's events in order


@pytest.mark.usefixtures("hostdemo")
def test_host_transaction_spans_engine_writes_and_its_own(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "erp.log"
    monkeypatch.setenv("HOSTDEMO_LOG", str(log))
    with Engine(store) as engine:
        with engine.transaction() as tx:
            assert isinstance(tx, Transaction)
            tx.execute("CREATE TABLE bins (name TEXT)")
            tx.execute("INSERT INTO bins VALUES ('A1')")
            engine.link("REEL-1", "part:1")
            engine.receive(label("A1", 5))
            assert not log.exists()  # after-commit listeners wait for the outer commit
        assert [line.split()[1] for line in log.read_text().splitlines()] == ["link_added", "receipt_booked"]
        with pytest.raises(RuntimeError), engine.transaction() as tx:
            tx.execute("INSERT INTO bins VALUES ('B2')")
            engine.link("REEL-2", "part:2")
            raise RuntimeError("the host changed its mind")
        assert len(log.read_text().splitlines()) == 2  # nothing announced for what was rolled back
        assert tx.query("SELECT name FROM bins") == [{"name": "A1"}]
        assert [link.link_key for link in engine.links("part:2")] == []


def test_a_listener_cannot_call_the_engine_back(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    class Reentrant:
        @hookimpl
        def link_added(self, event: Event, tx: Transaction) -> None:
            tx.engine.link("ANOTHER", "part:2")

    register_plugin(Reentrant(), "reentrant")
    with pytest.raises(ListenerRefused) as caught:
        engine.link("REEL-1", "part:1")
    assert isinstance(caught.value.__cause__, ReentrantCall)
    assert engine.links("part:1") == [] and engine.links("part:2") == []


def test_writes_inside_the_internal_store_transaction_announce_nothing_after_it(
    engine: Engine, register_plugin
) -> None:  # type: ignore[no-untyped-def]
    heard: list[str] = []

    class Listener:
        @hookimpl
        def event_committed(self, event: Event) -> None:
            heard.append(str(event.item))

    register_plugin(Listener(), "listener")
    with engine.store.transaction():  # not the public API: the engine cannot see its commit
        engine.link("REEL-1", "part:1")
    engine.link("REEL-2", "part:2")
    assert heard == ["part:2"]
