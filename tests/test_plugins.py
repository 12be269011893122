"""Plugin loading: entry points, built-ins, broken plugins, enable/block switches, misspelt hooks."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_labels import GENERIC_ECIA

from barcode_plugins import Decoded, Engine, hookimpl
from barcode_plugins.hooks.manager import BUILTIN_PLUGINS, PluginManager

Run = Callable[..., subprocess.CompletedProcess[bytes]]

ACME = """
from barcode_plugins import Decoded, hookimpl

@hookimpl
def decode(text):
    if text.startswith("ACME:"):
        return Decoded(plugin="acme", kind="supplier", supplier="Acme", supplier_part_number=text[5:])
    return None
"""


def _install_fake(site: Path, distribution: str, module: str, entry_point: str, source: str) -> None:
    """A distribution as pip would leave it: a module and a dist-info with the entry point."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{distribution.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[barcode_plugins]\n{entry_point} = {module}\n")


@pytest.fixture
def third_party_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site directory with a working third-party plugin, one that fails to import, one with a typo."""
    site = tmp_path / "site"
    site.mkdir()
    _install_fake(site, "acme-barcodes", "acme_barcodes", "acme", ACME)
    _install_fake(site, "broken-barcodes", "broken_barcodes", "broken", "raise ImportError('missing libfoo')\n")
    _install_fake(
        site, "typo-barcodes", "typo_barcodes", "typo",
        "from barcode_plugins import hookimpl\n@hookimpl\ndef decoed(text):\n    return None\n",
    )  # fmt: skip
    monkeypatch.syspath_prepend(str(site))
    return site


def test_builtins_are_registered_as_plugins(builtin_only: PluginManager) -> None:
    infos = {info.name: info for info in builtin_only.plugin_infos()}
    assert set(infos) == set(BUILTIN_PLUGINS)
    assert all(info.builtin and info.status == "loaded" for info in infos.values())


def test_third_party_plugins_load_like_builtins(third_party_site: Path) -> None:
    manager = PluginManager()
    infos = {info.name: info for info in manager.plugin_infos()}
    assert infos["acme"].status == "loaded"
    assert (infos["acme"].distribution, infos["acme"].version) == ("acme-barcodes", "1.2.3")
    assert infos["broken"].status == "failed" and "missing libfoo" in (infos["broken"].error or "")
    assert infos["typo"].status == "failed" and "decoed" in (infos["typo"].error or "")
    engine = Engine(":memory:", plugins=manager)
    assert engine.decode("ACME:X-1").plugin == "acme"
    assert engine.decode(GENERIC_ECIA).plugin == "ecia"


def test_block_and_load_switches(third_party_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BARCODE_PLUGINS_BLOCK", "acme,ecia")
    infos = {info.name: info.status for info in PluginManager().plugin_infos()}
    assert infos["acme"] == "blocked" and infos["ecia"] == "blocked"
    engine = Engine(":memory:", plugins=PluginManager())
    assert engine.decode("ACME:X-1").kind == "external"
    assert engine.decode(GENERIC_ECIA).kind == "external"
    monkeypatch.delenv("BARCODE_PLUGINS_BLOCK")
    monkeypatch.setenv("BARCODE_PLUGINS_LOAD", "broken")
    infos = {info.name: info.status for info in PluginManager().plugin_infos()}
    assert infos["acme"] == "blocked" and infos["broken"] == "failed" and infos["internal"] == "loaded"


def test_cli_lists_failed_plugin_and_still_decodes(run_cli: Run, third_party_site: Path) -> None:
    env = {"PYTHONPATH": str(third_party_site) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    listed = {row["name"]: row for row in json.loads(run_cli("plugins", "--json", env=env).stdout)}
    assert listed["broken"]["status"] == "failed" and listed["acme"]["distribution"] == "acme-barcodes"
    decoded = run_cli("decode", "--json", "ACME:R-7", env=env)
    assert decoded.returncode == 0 and json.loads(decoded.stdout)["supplier_part_number"] == "R-7"


def test_trace_prints_hook_calls(run_cli: Run) -> None:
    result = run_cli("decode", '{"part": 1}', env={"BARCODE_PLUGINS_TRACE": "1"})
    trace = result.stderr.decode()  # pluggy's tracing: the call with its arguments, then the answers
    assert "decode [hook]" in trace
    assert "finish decode --> [Decoded(plugin='internal'" in trace


def test_plugins_add_commands(third_party_site: Path, run_cli: Run) -> None:
    source = (
        "import click\nfrom barcode_plugins import hookimpl\n@hookimpl\ndef register_commands(cli):\n"
        "    @cli.command(name='hello-plugin')\n    def hello():\n        click.echo('hello from a plugin')\n"
    )
    _install_fake(third_party_site, "cmd-barcodes", "cmd_barcodes", "cmd", source)
    env = {"PYTHONPATH": str(third_party_site)}
    result = run_cli("hello-plugin", env=env)
    assert result.returncode == 0 and result.stdout.decode().strip() == "hello from a plugin"


def test_wrong_return_type_is_recorded_not_crashing(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    class Wrong:
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            return "not a Decoded"  # type: ignore[return-value]

    register_plugin(Wrong(), "wrong")
    assert engine.decode("plain").kind == "external"
    assert engine.plugins.failures[-1].plugin == "wrong"


@pytest.mark.parametrize("attempt", range(15))
def test_fresh_shared_engine_decodes_right_from_eight_threads(attempt: int) -> None:
    # No warm-up: the first decode of every thread races the loading of the plugins. Loading used to mark itself
    # done before it was, so the other threads cached a half-loaded plugin list and read Digi-Key as ecia.
    import sys
    import threading

    from sample_labels import DIGIKEY

    engine = Engine(":memory:", plugins=PluginManager())
    start = threading.Barrier(8)
    answers: list[str | None] = []

    def decode() -> None:
        start.wait()
        answers.append(engine.decode(DIGIKEY).plugin)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows on every run
    try:
        threads = [threading.Thread(target=decode) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert answers == ["digikey"] * 8
    assert engine.decode(DIGIKEY).plugin == "digikey"


def test_misspelt_switch_names_are_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BARCODE_PLUGINS_LOAD", "digikee")
    monkeypatch.setenv("BARCODE_PLUGINS_BLOCK", "ecia,tmee")
    manager = PluginManager()
    manager.ensure_plugins_loaded()
    load, block = manager.warnings
    assert "BARCODE_PLUGINS_LOAD" in load and "'digikee'" in load and "digikey" in load.split("installed:")[1]
    assert "BARCODE_PLUGINS_BLOCK" in block and "'tmee'" in block and "'ecia'" not in block


def test_cli_warns_about_a_misspelt_switch_once(run_cli: Run) -> None:
    result = run_cli("decode", '{"part": 1}', env={"BARCODE_PLUGINS_LOAD": "digikee"})
    assert result.returncode == 0
    warnings = [line for line in result.stderr.decode().splitlines() if "digikee" in line]
    assert len(warnings) == 1 and "installed: " in warnings[0] and "digikey" in warnings[0]


def test_system_exit_in_a_hook_is_that_plugins_failure(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    class Exits:
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            raise SystemExit(0)

        @hookimpl
        def link_item(self, barcode: Decoded) -> str | None:
            raise GeneratorExit

    register_plugin(Exits(), "exits")
    assert engine.decode(GENERIC_ECIA).plugin == "ecia"
    assert engine.link_key(engine.decode("plain")) == engine.decode("plain").barcode_hash
    failed = {(failure.plugin, failure.hook) for failure in engine.plugins.failures}
    assert {("exits", "decode"), ("exits", "link_item")} <= failed


def test_keyboard_interrupt_in_a_hook_still_stops(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    class Interrupted:
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            raise KeyboardInterrupt

    register_plugin(Interrupted(), "interrupted")
    with pytest.raises(KeyboardInterrupt):
        engine.decode("plain")


def test_a_plugin_replacing_a_builtin_command_is_shown_and_ignored(third_party_site: Path, run_cli: Run) -> None:
    source = (
        "import click\nfrom barcode_plugins import hookimpl\n@hookimpl\ndef register_commands(cli):\n"
        "    @cli.command(name='decode')\n    @click.argument('raw')\n    def decode(raw):\n"
        "        click.echo('hijacked')\n"
    )
    _install_fake(third_party_site, "hijack-barcodes", "hijack_barcodes", "hijack", source)
    result = run_cli("decode", "--json", GENERIC_ECIA, env={"PYTHONPATH": str(third_party_site)})
    assert result.returncode == 0 and json.loads(result.stdout)["plugin"] == "ecia"
    assert "plugin hijack failed in register_commands: tried to replace the built-in command(s) decode" in (
        result.stderr.decode()
    )
