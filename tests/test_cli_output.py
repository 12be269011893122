"""Human output cannot drive the terminal: control characters in labels, locations, errors and plugin warnings
are shown visibly; JSON output stays exact."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sample_labels import EOT, GS, RS

from barcode_plugins import Decoded, hookimpl
from barcode_plugins.cli import _register_commands, cli
from barcode_plugins.cli.context import AppContext
from barcode_plugins.cli.output import visible

# Set the window title, clear the screen, write the clipboard (OSC 52), ring the bell, a one-byte C1 CSI.
ATTACK = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m"
LABEL = f"[)>{RS}06{GS}KPO-7{GS}1PLM{ATTACK}358DR{GS}Q100{GS}1T2319ABC{RS}{EOT}"


def assert_inert(text: str) -> None:
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in text, repr(text)


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    _register_commands()
    yield CliRunner()


def test_visible_shows_every_control_character() -> None:
    shown = visible(ATTACK + "\x7f\x00")
    assert_inert(shown)
    assert shown.startswith("␛]0;pwned␇") and "\\x9b" in shown and shown.endswith("␡␀")
    assert visible("plain text, ünïcode") == "plain text, ünïcode"
    assert visible("abc\u202edcb\u2066") == "abc\\u202edcb\\u2066"  # bidi overrides would reorder the line


def test_decode_details_and_stream_are_inert_and_json_is_exact(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "x.db")
    details = runner.invoke(cli, ["--db", db, "decode", LABEL])
    assert details.exit_code == 0 and "␛]0;pwned␇" in details.output
    assert_inert(details.output)
    stream = runner.invoke(cli, ["--db", db, "decode", "-"], input=LABEL.encode() + b"\n")
    assert_inert(stream.output)
    exact = runner.invoke(cli, ["--db", db, "decode", "--json", LABEL])
    assert json.loads(exact.stdout)["manufacturer_part_number"] == f"LM{ATTACK}358DR"


def test_scan_history_receive_and_location_are_inert(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "x.db")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination\n"
        f'PO-7,ecia,,placed,1,,"LM{ATTACK}358DR",,100,\n'
    )
    assert runner.invoke(cli, ["--db", db, "po", "import", str(orders)]).exit_code == 2  # control chars refused
    orders.write_text(
        "reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination\n"
        "PO-7,ecia,,placed,1,,LM358DR,,100,\n"
    )
    assert runner.invoke(cli, ["--db", db, "po", "import", str(orders)]).exit_code == 0
    scanned = runner.invoke(cli, ["--db", db, "scan", LABEL])
    assert_inert(scanned.output)
    received = runner.invoke(cli, ["--db", db, "receive", "--location", f"shelf{ATTACK}", LABEL, LABEL])
    assert_inert(received.output)
    history = runner.invoke(cli, ["--db", db, "history"])
    assert history.exit_code == 0 and "␛" in history.output
    assert_inert(history.output)


def test_errors_and_plugin_warnings_are_inert(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "x.db")
    refused = runner.invoke(cli, ["--db", db, "link", "X", f"no-colon{ATTACK}"])
    assert refused.exit_code == 2
    assert_inert(refused.output)

    class Loud:
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            raise ValueError(ATTACK)

    plugins = AppContext.plugin_host().plugins
    assert plugins.register(Loud(), "loud")
    try:
        warned = runner.invoke(cli, ["--db", db, "decode", "hello"])
    finally:
        plugins.unregister("loud")
    assert "plugin loud failed in decode" in warned.output
    assert_inert(warned.output)


def test_explanations_are_inert(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "x.db")
    explained = runner.invoke(cli, ["--db", db, "scan", "--explain", LABEL])
    assert "\n" in explained.output.strip()  # several lines, their breaks kept
    assert_inert(explained.output)
    received = runner.invoke(cli, ["--db", db, "receive", "--explain", LABEL, f"X{ATTACK}"])
    assert_inert(received.output)
    history = runner.invoke(cli, ["--db", db, "history", "--limit", "1"])
    assert history.exit_code == 0
