"""API tokens: ``token create/list/revoke``, kept hashed in the store, and the ``Authorization`` header parser."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from barcode_plugins import Engine
from barcode_plugins.actions.api_tokens import TOKEN_PREFIX, hash_token
from barcode_plugins.cli import _register_commands, cli
from barcode_plugins.errors import InputError, NotFound
from barcode_plugins.store import MIGRATIONS, SCHEMA_VERSION, Store
from barcode_plugins.web.tokens import token_from_header


def invoke(db: Path, *args: str) -> tuple[int, str, str]:
    _register_commands()
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def test_create_shows_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    code, out, err = invoke(db, "token", "create", "station-1")
    token = out.strip()
    assert code == 0 and token.startswith(TOKEN_PREFIX) and len(token) > 40 and "not shown again" in err
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert token not in dump and hashlib.sha256(token.encode()).hexdigest() in dump

    code, out, _ = invoke(db, "token", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [entry["name"] for entry in listed] == ["station-1"]
    assert "token_hash" not in listed[0] and token not in out and listed[0]["hint"] == token[:7] + "…"


def test_revoke_by_name_or_id_and_the_errors(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    first = invoke(db, "token", "create", "a")[1].strip()
    invoke(db, "token", "create", "b")
    assert invoke(db, "token", "create", "a")[0] == 2  # a live name is not reused
    code, _, err = invoke(db, "token", "create", "   ")
    assert code == 2 and "1 to 64 printable characters" in err

    assert invoke(db, "token", "revoke", "a")[0] == 0
    code, _, err = invoke(db, "token", "revoke", "a")
    assert code == 1 and "no live token named 'a'" in err
    assert invoke(db, "token", "revoke", "2")[0] == 0  # b, by id
    assert invoke(db, "token", "list", "--json")[1].strip() == "[]"
    assert len(json.loads(invoke(db, "token", "list", "--all", "--json")[1])) == 2
    with Engine(db) as engine:
        assert not engine.api_token_is_valid(first)
        again, second = engine.create_api_token("a")  # a revoked name is free again
        assert engine.api_token_is_valid(second) and again.id == 3


def test_store_token_methods_in_one_transaction_each() -> None:
    store = Store(":memory:")
    assert store.schema_version() == SCHEMA_VERSION
    record = store.add_api_token("x", hash_token("secret"), "bp_s…")
    assert store.api_token_by_hash(hash_token("secret")) == record
    with pytest.raises(InputError):
        store.add_api_token("x", hash_token("other"), "bp_o…")
    assert store.revoke_api_token("x").revoked_at is not None
    assert store.api_token_by_hash(hash_token("secret")) is None
    with pytest.raises(NotFound):
        store.revoke_api_token("x")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Token bp_abc", "bp_abc"),
        ("token   bp_abc  ", "bp_abc"),
        ("Bearer bp_abc", "bp_abc"),
        ("Basic dXNlcjpwYXNz", None),
        ("Token", None),
        ("", None),
        (None, None),
        ("Token " + "x" * 300, None),
    ],
)
def test_authorization_header(header: str | None, token: str | None) -> None:
    assert token_from_header(header) == token


def test_token_commands_do_not_need_the_server_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("litestar", "uvicorn"):
        monkeypatch.setitem(sys.modules, module, None)  # as if the extra were not installed
    code, out, _ = invoke(tmp_path / "t.db", "token", "create", "offline")
    assert code == 0 and out.startswith(TOKEN_PREFIX)


def test_a_store_from_before_tokens_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    old = sqlite_utils.Database(path)
    old["meta"].create({"key": str, "value": str}, pk="key")
    for migration in MIGRATIONS[:2]:
        migration(old)
    old.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    old.execute("INSERT INTO links VALUES ('k1', 'part', '7', 'RAW', NULL, '2026-01-01')")
    old.conn.commit()
    old.close()

    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION and store.api_tokens() == []
    assert store.get_link("k1") is not None
    assert store.add_api_token("first", hash_token("t"), "bp_t…").id == 1
