"""The engine methods the command line and the HTTP app use instead of reaching into the store or the plugins."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from barcode_plugins import Decoded, Engine, InputError, NotFound, hookimpl
from barcode_plugins.engine import default_db_path
from barcode_plugins.store import SCHEMA_VERSION


class _Claims:
    @hookimpl(tryfirst=True)
    def decode(self, text: str) -> Decoded | None:
        if text == "BREAK":
            raise ValueError("broken on purpose")
        return None


def test_an_engine_sharing_plugins_sees_the_same_plugins_and_failures(tmp_path: Path) -> None:
    host = Engine()
    assert host.plugins.register(_Claims(), "claims")
    with host.sharing_plugins(tmp_path / "shared.db") as shared:
        assert "claims" in [info.name for info in shared.plugin_infos()]
        shared.decode("BREAK")  # the plugin's failure is recorded, the scan still decodes
        assert [(f.plugin, f.hook) for f in host.plugin_failures()] == [("claims", "decode")]
        assert shared.open_store() == str(tmp_path / "shared.db")
    assert not default_db_path().exists()  # the host opened no store of its own


def test_plugin_warnings_are_taken_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BARCODE_PLUGINS_LOAD", "no-such-plugin")
    engine = Engine(":memory:")
    engine.plugin_infos()  # loads the plugins, which reads the switch
    warnings = engine.take_plugin_warnings()
    assert len(warnings) == 1 and "no-such-plugin" in warnings[0]
    assert engine.take_plugin_warnings() == []


def test_plugin_commands_may_add_but_not_replace() -> None:
    class Commands:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("decode", callback=lambda: None))
            cli.add_command(click.Command("extra", callback=lambda: None))

    group = click.Group(commands=[click.Command("decode", callback=lambda: None)])
    ours = group.commands["decode"]
    engine = Engine(":memory:")
    assert engine.plugins.register(Commands(), "commands")
    engine.add_plugin_commands(group)
    assert group.commands["decode"] is ours and "extra" in group.commands
    failure = engine.plugin_failures()[-1]
    assert (failure.plugin, failure.hook) == ("commands", "register_commands") and "decode" in failure.error


def test_store_administration(tmp_path: Path) -> None:
    with Engine(tmp_path / "admin.db") as engine:
        assert engine.open_store() == str(tmp_path / "admin.db") and (tmp_path / "admin.db").exists()
        assert engine.schema_version() == SCHEMA_VERSION
        engine.set_durable(True)
        engine.link("REEL-1", "part:1")  # a durable commit
        assert engine.links("part:1")[0].raw == "REEL-1"


def test_api_tokens_through_the_engine() -> None:
    with Engine(":memory:") as engine:
        record, token = engine.create_api_token(" bench ")
        assert record.name == "bench" and token.startswith("bp_") and record.token_hash not in token
        assert engine.api_token_is_valid(token) and not engine.api_token_is_valid(token + "x")
        assert not engine.api_token_is_valid(None)
        assert [r.name for r in engine.api_tokens()] == ["bench"]
        with pytest.raises(InputError):
            engine.create_api_token("bench")  # a live name is not reused
        assert engine.revoke_api_token("bench").revoked_at is not None
        assert not engine.api_token_is_valid(token) and engine.api_tokens() == []
        assert len(engine.api_tokens(include_revoked=True)) == 1
        with pytest.raises(NotFound):
            engine.revoke_api_token("bench")
        with pytest.raises(InputError):
            engine.create_api_token("\x1b[2J")
