"""The store: schema versions and forward migrations, transactions that leave nothing half-written."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from barcode_plugins import (
    Engine,
    EnvironmentFault,
    ItemRef,
    Link,
    PurchaseOrder,
    PurchaseOrderLine,
    StoreError,
)
from barcode_plugins.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Store


def test_a_version_1_database_is_migrated_forward_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["meta"].create({"key": str, "value": str}, pk="key")
    MIGRATIONS[0](old)
    old.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    old.execute("INSERT INTO links VALUES ('k1', 'part', '7', 'RAW', NULL, '2026-01-01')")
    old.conn.commit()
    assert "idx_history_barcode_hash" in {index.name for index in old["history"].indexes}
    old.close()

    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert "idx_history_barcode_hash" not in {index.name for index in store.db["history"].indexes}
    assert store.get_link("k1") == Link("k1", ItemRef("part", "7"), "RAW", None, "2026-01-01")


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer"):
        Store(path)


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


# -- issue 12: ids, exact quantities, foreign files, files replaced under an open store, typed SQLite errors ------
def _version_2_database(path: Path) -> None:
    old = sqlite_utils.Database(path)
    old["meta"].create({"key": str, "value": str}, pk="key")
    MIGRATIONS[0](old)
    MIGRATIONS[1](old)
    old.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    old.execute("INSERT INTO purchase_orders VALUES ('PO-1', 'Farnell', NULL, 'placed', '2026-01-01')")
    old.execute("INSERT INTO po_lines VALUES (1, 'PO-1', 1, NULL, 'LM358', NULL, 0.3, 0.1, 'bin 1')")
    old.execute("INSERT INTO stock_items (id, quantity, mpn) VALUES (4, 0.1, 'LM358')")
    old.execute("INSERT INTO receipts VALUES (1, 'abc', 1, 0.1, 4, 'bin 1', '2026-01-01')")
    # stock item 9 was received and undone: its id may be printed on a label somewhere
    old.execute(
        "INSERT INTO history (at, action, status, item) VALUES ('2026-01-01', 'receive', 'received', 'stockitem:9')"
    )
    old.conn.commit()
    old.close()


def test_version_2_is_migrated_to_exact_quantities_and_ids_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _version_2_database(path)
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    line = store.get_line("PO-1", 1)
    assert line is not None and (line.quantity, line.received) == (Decimal("0.3"), Decimal("0.1"))
    assert store.get_stock_item(4) is not None and store.get_stock_item(4).quantity == Decimal("0.1")  # type: ignore[union-attr]
    with store.transaction():
        new_id = store.db.conn.execute("INSERT INTO stock_items (quantity_micros) VALUES (1)").lastrowid
    assert new_id == 10  # after the undone stock item 9, not 5
    assert store.db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    store.close()


def _other_application(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('owner', 'someone else')")
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()


def test_another_applications_file_with_a_meta_table_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    _other_application(path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another application"):
        Store(path)
    assert path.read_bytes() == before  # not even journal_mode=WAL was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"meta", "customers"}


def test_a_file_with_our_schema_version_but_no_tables_of_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lookalike.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another application"):
        Store(path)
    assert path.read_bytes() == before


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
    from barcode_plugins import store as store_module

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


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999999", "2.5"])
def test_a_bad_schema_version_is_a_one_line_store_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "bad.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [value])
    conn.close()
    with pytest.raises(StoreError, match=r"schema_version|newer"):
        Store(path)


@pytest.mark.slow
def test_po_list_with_more_orders_than_sqlite_variables(tmp_path: Path) -> None:
    store = Store(tmp_path / "many.db")
    count = 250_001
    with store.transaction():
        conn = store.db.conn
        conn.executemany(
            "INSERT INTO purchase_orders VALUES (?, 'Farnell', NULL, 'placed', '2026-01-01')",
            ((f"PO-{n:06d}",) for n in range(count)),
        )
        conn.executemany(
            "INSERT INTO po_lines (purchase_order, line, mpn, quantity_micros, received_micros)"
            " VALUES (?, 1, 'X', 5000000, 0)",
            ((f"PO-{n:06d}",) for n in range(count)),
        )
    orders = store.list_purchase_orders()
    assert len(orders) == count and orders[-1].lines[0].quantity == 5
    assert len(store.list_purchase_orders("placed")) == count
    store.close()


def test_po_import_of_one_order_with_40000_lines(tmp_path: Path) -> None:
    lines = tuple(PurchaseOrderLine("BIG", n, mpn=f"P-{n}", quantity=1) for n in range(1, 40_001))
    with Engine(tmp_path / "big.db") as engine:
        engine.import_purchase_orders([PurchaseOrder("BIG", "Farnell", None, "placed", lines)])
        engine.import_purchase_orders([PurchaseOrder("BIG", "Farnell", None, "placed", lines[:39_000])])
        assert len(engine.purchase_order("BIG").lines) == 39_000


def test_the_cli_exits_3_when_the_lock_is_held_too_long(locked_store: Path) -> None:
    from click.testing import CliRunner

    from barcode_plugins.cli import _register_commands, cli

    _register_commands()
    result = CliRunner().invoke(cli, ["--db", str(locked_store), "link", "TAG-1", "part:1"])
    assert result.exit_code == 3 and "locked" in result.output and "Traceback" not in result.output
