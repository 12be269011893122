"""The store: schema versions and forward migrations, transactions that leave nothing half-written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from barcode_plugins import ItemRef, Link, StoreError
from barcode_plugins.store import MIGRATIONS, SCHEMA_VERSION, Store


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
    assert store.schema_version() == SCHEMA_VERSION >= 2
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
