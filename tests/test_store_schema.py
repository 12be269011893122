"""The schema: forward migrations from every older version, and files that are not ours (or too new) refused."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from barcode_plugins import ItemRef, Link, StoreError
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


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999999", "2.5"])
def test_a_bad_schema_version_is_a_one_line_store_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "bad.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [value])
    conn.close()
    with pytest.raises(StoreError, match=r"schema_version|newer"):
        Store(path)
