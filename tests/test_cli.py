"""The CLI through the installed script in a subprocess (as a user runs it), and in-process with CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sample_labels import DIGIKEY, GENERIC_ECIA, GS, RS

from barcode_plugins import BarcodeError, Decoded, hookimpl
from barcode_plugins.cli import _register_commands, cli
from barcode_plugins.cli.context import AppContext
from barcode_plugins.testing.contract import CONTRACT_KEYS

Run = Callable[..., subprocess.CompletedProcess[bytes]]


def one_line_error(result: subprocess.CompletedProcess[bytes]) -> str:
    """stderr must be one line, no traceback."""
    text = result.stderr.decode()
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_decode_json_has_every_contract_key(run_cli_in_process: Run) -> None:
    result = run_cli_in_process("decode", "--json", DIGIKEY)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) >= set(CONTRACT_KEYS)
    assert document["raw"] == DIGIKEY and document["quantity"] == 25


def test_plugins_json_lists_builtins_with_distribution(run_cli_in_process: Run) -> None:
    result = run_cli_in_process("plugins", "--json")
    assert result.returncode == 0, result.stderr
    listed = {row["name"]: row for row in json.loads(result.stdout)}
    for name in ("internal", "ecia", "default_matching", "default_linking"):
        assert listed[name]["distribution"] == "barcode-plugins" and listed[name]["status"] == "loaded"
        assert listed[name]["version"]
    assert "decode" in listed["internal"]["hooks"]


def test_link_scan_unlink_across_processes(run_cli: Run, tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    assert run_cli("link", "MFR-REEL-77", "part:9", db=db).returncode == 0
    scanned = run_cli("scan", "--json", "MFR-REEL-77", db=db)
    assert scanned.returncode == 0 and json.loads(scanned.stdout)["item"] == "part:9"
    refused = run_cli("link", "MFR-REEL-77", "part:10", db=db)
    assert refused.returncode == 1 and "part:9" in one_line_error(refused)
    assert run_cli("unlink", "MFR-REEL-77", db=db).returncode == 0
    gone = run_cli("scan", "MFR-REEL-77", db=db)
    assert gone.returncode == 1 and "not recognised" in one_line_error(gone)
    history = json.loads(run_cli("history", "--json", db=db).stdout)
    assert [entry["action"] for entry in history][:2] == ["scan", "unlink"]


def test_db_option_and_environment_variable(run_cli_in_process: Run, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.db"
    assert run_cli_in_process("--db", str(chosen), "link", "X-1", "part:1").returncode == 0
    assert chosen.exists()


def test_default_store_is_created_in_the_user_data_directory(tmp_path: Path) -> None:
    import os

    from conftest import cli_path

    env = {k: v for k, v in os.environ.items() if k != "BARCODE_PLUGINS_DB"}
    env |= {"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    result = subprocess.run([cli_path(), "link", "X-1", "part:1"], env=env, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "xdg").rglob("barcode-plugins.db"))


def test_decode_stdin_streams_json_lines(run_cli: Run) -> None:
    lines = [DIGIKEY, '{"stockitem": 3}', "", "unknown-thing", GENERIC_ECIA]
    result = run_cli("decode", "--json", "-", input="\n".join(lines) + "\n")
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["kind"] for d in documents] == ["supplier", "internal", "external", "supplier"]
    assert documents[0]["fields"]["20Z"] == "0000000000"  # GS inside a line did not split it
    assert result.returncode == 1  # one line was not recognised


@pytest.mark.parametrize(
    ("args", "stdin", "code", "fragment"),
    [
        (("decode", ""), None, 2, "empty"),
        (("decode", "   "), None, 2, "empty"),
        (("decode", f"{GS}{RS}{GS}"), None, 2, "only separators"),
        (("decode", '{"gizmo": 1}'), None, 2, "unknown item type"),
        (("decode", '{"stockitem": "x1"}'), None, 2, "integer"),
        (("decode", "-"), b"\xff\xfe\xfa not utf-8\n", 2, "not valid UTF-8"),
        (("decode", "-"), b"AB\x00CD\n", 2, "NUL"),
        (("link", "X", "no-colon"), None, 2, "TYPE:ID"),
        (("po", "show", "NOPE"), None, 1, "no purchase order"),
        (("history", "--limit", "0"), None, 2, "0"),
    ],
)
def test_bad_input_is_one_line_and_the_right_exit_code(
    run_cli: Run, run_cli_in_process: Run, args: tuple[str, ...], stdin: bytes | None, code: int, fragment: str
) -> None:
    result = (run_cli_in_process if stdin is None else run_cli)(*args, input=stdin)  # stdin: a real pipe
    assert result.returncode == code, (result.stdout, result.stderr)
    assert fragment in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_one_megabyte_argument_is_refused(run_cli: Run, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("A" * 1_000_000 + "\n")
    result = run_cli("decode", "-", input=big.read_bytes())
    assert result.returncode == 2 and "at most" in one_line_error(result)


def test_missing_directory_and_not_sqlite(run_cli_in_process: Run, tmp_path: Path) -> None:
    missing = run_cli_in_process("--db", str(tmp_path / "nope" / "x.db"), "link", "A", "part:1")
    assert missing.returncode == 2 and "does not exist" in one_line_error(missing)
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello, not sqlite" * 300)
    refused = run_cli_in_process("--db", str(bogus), "scan", "A")
    assert refused.returncode == 2 and "not a barcode-plugins database" in one_line_error(refused)
    assert bogus.read_text() == "hello, not sqlite" * 300


def test_read_only_directory(run_cli_in_process: Run, tmp_path: Path) -> None:
    from test_engine import read_only_directory

    directory = read_only_directory(tmp_path)
    result = run_cli_in_process("--db", str(directory / "x.db"), "link", "A", "part:1")
    assert result.returncode == 3 and "cannot" in one_line_error(result)  # the environment's fault: exit 3


def test_label_prints_a_payload_that_decodes_back(run_cli_in_process: Run) -> None:
    payload = run_cli_in_process("label", "part:42").stdout.decode().strip()
    decoded = json.loads(run_cli_in_process("decode", "--json", payload).stdout)
    assert decoded["item"] == "part:42" and decoded["kind"] == "internal"


def test_in_process_runner_gives_the_same_answers(tmp_path: Path) -> None:
    _register_commands()
    runner = CliRunner()
    db = str(tmp_path / "inproc.db")
    decoded = runner.invoke(cli, ["--db", db, "decode", "--json", GENERIC_ECIA])
    assert decoded.exit_code == 0 and json.loads(decoded.stdout)["quantity"] == 100
    linked = runner.invoke(cli, ["--db", db, "link", GENERIC_ECIA, "part:1"])
    assert linked.exit_code == 0, linked.output
    again = runner.invoke(cli, ["--db", db, "link", GENERIC_ECIA, "part:2"])
    assert again.exit_code == 1 and "part:1" in again.output
    table = runner.invoke(cli, ["--db", db, "plugins"])
    assert "default_matching" in table.output


def test_invalid_utf8_argument_is_a_usage_error(run_cli: Run) -> None:
    # The shell passes bytes; Python hands the undecodable ones over as lone surrogates.
    result = run_cli("decode", os.fsdecode(b"AB\xff\xfeCD"))
    assert result.returncode == 2
    assert "argument 2 is not valid UTF-8 (byte 0xff at 3)" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode() and "internal error" not in result.stderr.decode()
    assert run_cli("--db", os.fsdecode(b"/tmp/\xff.db"), "link", "A", "part:1").returncode == 2


@pytest.mark.parametrize("limit", ["99999999999999999999", "1000001"])
def test_huge_history_limit_is_refused_not_a_crash(run_cli_in_process: Run, limit: str) -> None:
    result = run_cli_in_process("history", "--limit", limit)
    assert result.returncode == 2 and "1000000" in result.stderr.decode()
    assert "internal error" not in result.stderr.decode()


def test_help_documents_exit_code_3(run_cli_in_process: Run) -> None:
    assert "3 the environment failed" in " ".join(run_cli_in_process("--help").stdout.decode().split())


class _ZeroExitError(BarcodeError):
    exit_code = 0


class _OddError(BarcodeError):
    exit_code = 77

    def __init__(self) -> None:  # a plugin's subclass that never sets ``message``
        Exception.__init__(self, "odd refusal")


@pytest.mark.parametrize("error", [_ZeroExitError("refused by plugin"), _OddError()])
def test_a_plugins_error_class_cannot_choose_the_exit_code(error: BarcodeError, tmp_path: Path) -> None:
    class Refuses:
        @hookimpl(tryfirst=True)
        def decode(self, text: str) -> Decoded | None:
            raise error

    _register_commands()
    plugins = AppContext.plugin_host().plugins
    assert plugins.register(Refuses(), "refuses")
    try:
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "decode", "hello"])
        stream = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "decode", "-"], input=b"hello\n")
    finally:
        plugins.unregister("refuses")
    assert result.exit_code == 1 and "refus" in result.output
    assert stream.exit_code == 1


def test_plugins_cannot_replace_builtin_commands() -> None:
    class Hijacker:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command(name="decode")
            def fake() -> None:
                click.echo("hijacked")

            @cli.command(name="hijacker-extra")
            def extra() -> None:
                click.echo("extra")

    plugins = AppContext.plugin_host().plugins
    assert plugins.register(Hijacker(), "hijacker")
    try:
        _register_commands()
        result = CliRunner().invoke(cli, ["decode", "--json", GENERIC_ECIA])
        extra = CliRunner().invoke(cli, ["hijacker-extra"])
        failures = [f for f in plugins.failures if f.plugin == "hijacker"]
    finally:
        plugins.unregister("hijacker")
        cli.commands.pop("hijacker-extra", None)
    assert result.exit_code == 0 and json.loads(result.stdout)["plugin"] == "ecia"
    assert extra.stdout.strip() == "extra"  # adding a command is still allowed
    assert failures and failures[-1].hook == "register_commands" and "decode" in failures[-1].error


def test_system_exit_in_a_plugin_does_not_end_a_batch(tmp_path: Path) -> None:
    class Exits:
        @hookimpl(tryfirst=True)
        def decode(self, text: str) -> Decoded | None:
            raise SystemExit(0)

    _register_commands()
    plugins = AppContext.plugin_host().plugins
    assert plugins.register(Exits(), "exits")
    try:
        result = CliRunner().invoke(
            cli, ["--db", str(tmp_path / "x.db"), "decode", "-", "--json"], input=f"{GENERIC_ECIA}\nplain\n".encode()
        )
    finally:
        plugins.unregister("exits")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["plugin"] for line in lines] == ["ecia", None]
    assert result.exit_code == 1  # "plain" is not recognised; the batch ran to its end
    assert "plugin exits failed in decode" in result.stderr


def test_a_bad_history_limit_fails_commands_but_not_help(run_cli: Callable[..., Any]) -> None:
    env = {"BARCODE_PLUGINS_HISTORY_LIMIT": "lots"}
    shown = run_cli("--help", env=env)  # a process of its own: the plugins' host engine is made once per process
    assert shown.returncode == 0 and b"Usage" in shown.stdout
    refused = run_cli("link", "TAG-1", "part:1", env=env)
    assert refused.returncode == 2
    assert refused.stderr.decode().strip() == "Error: BARCODE_PLUGINS_HISTORY_LIMIT must be a whole number, got 'lots'"
