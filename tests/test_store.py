"""The store's connections and transactions: nothing half-written, files removed or replaced under an open
store, typed SQLite failures, and every write inside a transaction."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from barcode_plugins import Engine, EnvironmentFault, ItemRef, Link, PurchaseOrder, PurchaseOrderLine, StoreError
from barcode_plugins.store import SCHEMA_VERSION, Store


def test_a_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    with pytest.raises(RuntimeError), store.transaction():
        store.add_link(Link("k", ItemRef("part", "1"), "R", None, "2026-01-01"))
        raise RuntimeError("crash in the middle")
    assert store.get_link("k") is None and store.count_links() == 0


def test_wal_mode_on_a_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.db")
    assert store.db.journal_mode == "wal"


def test_eight_processes_creating_the_same_fresh_database_at_once(tmp_path: Path) -> None:
    import os
    import subprocess

    from conftest import cli_path

    db = tmp_path / "fresh.db"
    env = {**os.environ, "BARCODE_PLUGINS_DB": str(db)}
    processes = [
        subprocess.Popen([cli_path(), "link", f"REEL-{n}", f"part:{n}"], env=env, stderr=subprocess.PIPE)
        for n in range(8)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 8, errors
    store = Store(db)
    assert store.count_links() == 8 and store.schema_version() == SCHEMA_VERSION


# -- issue 12: files removed or replaced under an open store, typed SQLite errors -------------------------------


def _receiving_engine(path: Path) -> Engine:
    engine = Engine(path)
    line = PurchaseOrderLine("PO-1", 1, mpn="PART-1", quantity=1000)
    engine.import_purchase_orders([PurchaseOrder("PO-1", "Farnell", None, "placed", (line,))])
    return engine


def _label(number: int) -> str:
    return f"[)>\x1e06\x1d1PPART-1\x1dQ1\x1d1TLOT-{number}\x1e\x04"


def test_a_database_removed_under_an_open_store_stops_it_and_is_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    engine = _receiving_engine(path)
    assert engine.receive(_label(1)).status == "received"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(EnvironmentFault, match="was removed"):
        engine.receive(_label(2))
    with pytest.raises(EnvironmentFault, match="was removed"):  # a new thread must not create an empty file
        _in_thread(lambda: engine.link("TAG", "part:1"))
    assert not path.exists()
    engine.close()


def _in_thread(call: Callable[[], object]) -> None:
    import threading

    failures: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def test_a_database_replaced_under_an_open_store_stops_it(tmp_path: Path) -> None:
    path = tmp_path / "replaced.db"
    engine = _receiving_engine(path)
    engine.receive(_label(1))
    copy = tmp_path / "copy.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    target.close()
    os.replace(copy, path)
    with pytest.raises(EnvironmentFault, match="replaced"):
        engine.receive(_label(2))
    engine.close()


def test_two_writers_stop_when_the_wal_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    first = _receiving_engine(path)
    second = Engine(path)
    assert first.receive(_label(1)).status == "received"
    assert second.receive(_label(2)).status == "received"
    Path(f"{path}-wal").unlink()
    for writer in (first, second):
        with pytest.raises(EnvironmentFault, match="write-ahead log"):
            writer.receive(_label(3))
    first.close()
    second.close()
    with Engine(path) as check:  # what the WAL held is gone with it; nothing after the removal was booked
        assert all("LOT-3" not in entry.raw for entry in check.history(50))


def test_a_read_only_store_refuses_writes_with_an_environment_fault_and_scan_still_answers(tmp_path: Path) -> None:
    engine = _receiving_engine(tmp_path / "ro.db")
    engine.store.db.execute("PRAGMA query_only = ON")  # SQLite's own read-only refusal (root ignores chmod)
    with pytest.raises(EnvironmentFault, match="read-only") as caught:
        engine.link("TAG", "part:1")
    assert caught.value.exit_code == 3
    result = engine.scan(_label(1))
    assert result.barcode.kind == "supplier" and result.po_lines
    assert result.warning is not None and "read-only" in result.warning
    engine.close()


def test_a_full_disk_is_an_environment_fault_and_writes_nothing(tmp_path: Path) -> None:
    engine = _receiving_engine(tmp_path / "full.db")
    store = engine.store
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: SQLITE_FULL, as on a full disk
    with pytest.raises(EnvironmentFault, match="disk is full"):
        engine.import_links([(f"TAG-{n}-" + "x" * 2000, f"part:{n}") for n in range(200)])
    assert store.count_links() == 0
    engine.close()


@pytest.fixture
def locked_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store file whose write lock another connection holds, with a busy timeout of 0.2 s."""
    from barcode_plugins.store import connections as store_module

    path = tmp_path / "locked.db"
    Store(path).close()
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield path
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_lock_held_too_long_is_an_environment_fault(locked_store: Path) -> None:
    store = Store(locked_store)
    with pytest.raises(EnvironmentFault, match="locked"), store.transaction():
        pass
    store.close()


def test_a_damaged_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    engine = _receiving_engine(path)
    engine.close()
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # page 2 and on: the tables' pages
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"not a barcode-plugins database|damaged") as caught, Engine(path) as damaged:
        damaged.purchase_orders()
    assert "\n" not in caught.value.message


def test_the_cli_exits_3_when_the_lock_is_held_too_long(locked_store: Path) -> None:
    from click.testing import CliRunner

    from barcode_plugins.cli import _register_commands, cli

    _register_commands()
    result = CliRunner().invoke(cli, ["--db", str(locked_store), "link", "TAG-1", "part:1"])
    assert result.exit_code == 3 and "locked" in result.output and "Traceback" not in result.output


# -- issue 13: one SQL idiom: every write inside a transaction --------------------------------------------------


def _history_count(path: Path) -> int:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(path) as conn:
        count = int(conn.execute("SELECT count(*) FROM history").fetchone()[0])
    conn.close()
    return count


def test_a_write_outside_a_transaction_is_committed_and_does_not_capture_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / "loose.db"
    store = Store(path)
    store.add_history("scan", "unknown", "FIRST")  # no transaction() around it: it is its own
    assert _history_count(path) == 1
    assert not store.db.conn.in_transaction
    with store.transaction():
        store.add_history("scan", "unknown", "SECOND")
    assert _history_count(path) == 2  # the block committed its own work, not joined a leftover transaction
    store.close()


def test_a_multi_statement_write_outside_a_transaction_is_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "undo.db"
    engine = _receiving_engine(path)
    engine.receive(_label(1))
    store = engine.store
    receipt = store.get_receipt(engine.decode(_label(1)).barcode_hash)
    assert receipt is not None
    store.delete_receipt(receipt)
    assert not store.db.conn.in_transaction
    with sqlite3.connect(path) as other:  # both the receipt and the line's quantity, as another process sees them
        receipts = other.execute("SELECT count(*) FROM receipts").fetchone()[0]
        received = other.execute("SELECT received_micros FROM po_lines").fetchone()[0]
    other.close()
    assert (receipts, received) == (0, 0)
    engine.close()
