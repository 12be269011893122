"""The hook runner in the plugin manager: isolation, answer checks, pluggy's wrappers and tracing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Generator
from typing import Any

import attrs
import click
import pytest
from sample_labels import DIGIKEY, GENERIC_ECIA, LCSC, MOUSER, TME_DATAMATRIX, TME_QR

from barcode_plugins import BarcodeError, Decoded, Engine, Event, InputError, LabelFormat, ListenerRefused, hookimpl
from barcode_plugins.hooks.manager import PluginManager


def test_importing_what_a_plugin_imports_loads_no_manager() -> None:
    # A real process: the question is what importing loads, and this test process has loaded everything.
    code = (
        "import sys\n"
        "from barcode_plugins import Decoded, Example, LabelFormat, hookimpl\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('barcode_plugins.hooks.manager',"
        " 'barcode_plugins.testing', 'barcode_plugins.store', 'barcode_plugins.engine')))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


class Acme:
    """A specific decoder for ``ACME:<part>``."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        if text.startswith("ACME:"):
            return Decoded(plugin=None, kind="supplier", supplier="Acme", supplier_part_number=text[5:])
        return None


class Raising:
    """A decoder with a bug on ``ACME:`` scans, and a deliberate refusal of ``NO:`` scans."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        if text.startswith("NO:"):
            raise InputError("not this one")
        if text.startswith("ACME:"):
            raise IndexError("field 3")
        return None


class Exiting:
    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        raise SystemExit(3)


class Upper:
    """A third party's hook wrapper: it sees every decode answer and upper-cases the part numbers."""

    def __init__(self) -> None:
        self.seen: list[list[Decoded]] = []

    @hookimpl(wrapper=True)
    def decode(self, text: str) -> Generator[None, list[Decoded], list[Decoded]]:
        answers = yield
        self.seen.append(list(answers))
        return [attrs.evolve(a, supplier_part_number=(a.supplier_part_number or "").upper()) for a in answers]


@pytest.fixture
def manager() -> PluginManager:
    made = PluginManager(entry_point_plugins=False)
    assert made.register(Acme(), "acme")
    return made


def test_decode_answers_claims_with_plugin_names(manager: PluginManager) -> None:
    assert [(name, d.supplier_part_number) for name, d in manager.decode("ACME:r1")] == [("acme", "r1")]
    assert [name for name, _ in manager.decode('{"stockitem": 7}')] == ["internal"]
    assert manager.decode("nothing anyone reads") == []


def test_a_fallback_is_asked_only_when_no_specific_decoder_claimed(manager: PluginManager) -> None:
    ecia = "[)>\x1e06\x1dPACME:X\x1d1PMPN-1\x1dQ5\x1e\x04"
    assert [name for name, _ in manager.decode(ecia)] == ["ecia"]

    class Greedy:  # claims every ECIA label: the generic fallback must then not be asked
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            return Decoded(plugin=None, kind="supplier", supplier="Greedy") if text.startswith("[)>") else None

    assert manager.register(Greedy(), "greedy")
    assert [name for name, _ in manager.decode(ecia)] == ["greedy"]


def test_skipped_plugins_are_not_asked(manager: PluginManager) -> None:
    assert manager.decode("ACME:r1", frozenset({"acme"})) == []
    assert [name for name, _ in manager.decode("ACME:r1", frozenset({"nobody"}))] == ["acme"]


def test_a_raising_decoder_is_recorded_and_skipped(manager: PluginManager) -> None:
    assert manager.register(Raising(), "raising")
    assert [name for name, _ in manager.decode("ACME:r1")] == ["acme"]
    assert [(f.plugin, f.hook, f.error, f.input) for f in manager.failures] == [
        ("raising", "decode", "IndexError: field 3", "'ACME:r1'")
    ]


def test_a_deliberate_refusal_passes_through(manager: PluginManager) -> None:
    assert manager.register(Raising(), "raising")
    with pytest.raises(InputError, match="not this one"):
        manager.decode("NO:1")
    assert manager.failures == []


def test_system_exit_in_a_decoder_is_its_failure(manager: PluginManager) -> None:
    assert manager.register(Exiting(), "exiting")
    assert [name for name, _ in manager.decode("ACME:r1")] == ["acme"]
    assert manager.failures[-1].plugin == "exiting"
    assert manager.failures[-1].error == "SystemExit: 3"


def test_unusable_answers_are_recorded_and_skipped(manager: PluginManager) -> None:
    class TextQuantity:
        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            return Decoded(plugin=None, kind="supplier", quantity="5") if text.startswith("ACME:") else None  # type: ignore[arg-type]

    assert manager.register(TextQuantity(), "text_quantity")
    assert [name for name, _ in manager.decode("ACME:r1")] == ["acme"]
    assert (manager.failures[-1].plugin, manager.failures[-1].hook) == ("text_quantity", "decode")
    assert "quantity as str" in manager.failures[-1].error


def test_a_hook_wrapper_sees_and_alters_decode_answers(manager: PluginManager) -> None:
    upper = Upper()
    assert manager.register(upper, "upper")
    claims = manager.decode("ACME:r1")
    assert [(name, d.supplier_part_number) for name, d in claims] == [("acme", "R1")]
    assert [[(d.plugin, d.supplier_part_number) for d in answers] for answers in upper.seen] == [[("acme", "r1")]]


def test_the_engine_decodes_through_hook_wrappers(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    register_plugin(Acme(), "acme")
    register_plugin(Upper(), "upper")
    decoded = engine.decode("ACME:r1")
    assert (decoded.plugin, decoded.supplier_part_number) == ("acme", "R1")


def test_a_raising_decoder_is_skipped_with_a_wrapper_present(manager: PluginManager) -> None:
    upper = Upper()
    assert manager.register(Raising(), "raising")
    assert manager.register(upper, "upper")
    assert [(name, d.supplier_part_number) for name, d in manager.decode("ACME:r1")] == [("acme", "R1")]
    assert [d.plugin for d in upper.seen[0]] == ["acme"]
    assert [(f.plugin, f.error) for f in manager.failures] == [("raising", "IndexError: field 3")]


def test_answers_a_wrapper_spoils_are_recorded_against_it(manager: PluginManager) -> None:
    class Spoiler:
        @hookimpl(wrapper=True)
        def decode(self, text: str) -> Generator[None, list[Any], list[Any]]:
            answers = yield
            return [*answers, "not a Decoded"]

    assert manager.register(Spoiler(), "spoiler")
    assert [name for name, _ in manager.decode("ACME:r1")] == ["acme"]
    assert (manager.failures[-1].plugin, manager.failures[-1].hook) == ("spoiler", "decode")
    assert "returned str, not Decoded" in manager.failures[-1].error


def test_enable_tracing_sees_decode_calls(manager: PluginManager) -> None:
    written: list[str] = []
    manager.pm.trace.root.setwriter(written.append)
    undo = manager.pm.enable_tracing()
    try:
        manager.decode("ACME:r1")
    finally:
        undo()
    trace = "".join(written)
    assert "decode [hook]" in trace
    assert "text: ACME:r1" in trace
    assert "finish decode -->" in trace


def test_hookcall_monitoring_sees_every_typed_call(manager: PluginManager) -> None:
    calls: list[str] = []
    undo = manager.pm.add_hookcall_monitoring(lambda name, impls, kwargs: calls.append(name), lambda *_: None)
    try:
        barcode = manager.decode("ACME:r1")[0][1]
        manager.link_item(barcode)
        manager.match_po_line(barcode, [])
        manager.label_formats()
    finally:
        undo()
    assert calls == ["decode", "link_item", "match_po_line", "label_formats"]


def test_trace_switch_uses_pluggys_tracing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BARCODE_PLUGINS_TRACE", "1")
    traced = PluginManager(entry_point_plugins=False)
    traced.decode('{"stockitem": 7}')
    err = capsys.readouterr().err
    assert "decode [hook]" in err
    assert "finish decode --> [Decoded(plugin='internal'" in err


def test_link_item_skips_an_unusable_key_and_asks_the_next(manager: PluginManager) -> None:
    class NumberKey:
        @hookimpl(tryfirst=True)
        def link_item(self, barcode: Decoded) -> object:
            return 42

    class TextKey:
        @hookimpl
        def link_item(self, barcode: Decoded) -> str:
            return "key-" + (barcode.supplier_part_number or "")

    assert manager.register(NumberKey(), "number_key")
    assert manager.register(TextKey(), "text_key")
    barcode = manager.decode("ACME:r1")[0][1]
    assert manager.link_item(barcode) == "key-r1"
    assert (manager.failures[-1].plugin, manager.failures[-1].hook) == ("number_key", "link_item")


def test_match_po_line_checks_answers(manager: PluginManager) -> None:
    class IntMatcher:
        @hookimpl(tryfirst=True)
        def match_po_line(self, barcode: Decoded, orders: Any) -> object:
            return 3

    assert manager.register(IntMatcher(), "int_matcher")
    barcode = manager.decode("ACME:r1")[0][1]
    assert manager.match_po_line(barcode, []) is None or manager.match_po_line(barcode, []) == []
    assert manager.failures[0].plugin == "int_matcher"
    assert "not a sequence of PurchaseOrderLine" in manager.failures[0].error


def test_label_formats_by_plugin_and_a_bad_declaration_is_recorded(manager: PluginManager) -> None:
    class Declaring:
        @hookimpl
        def label_formats(self) -> list[LabelFormat]:
            return [LabelFormat.text("acme", start="ACME:")]

    class Wrong:
        @hookimpl
        def label_formats(self) -> list[object]:
            return ["ACME:"]

    assert manager.register(Declaring(), "declaring")
    assert manager.register(Wrong(), "wrong")
    declared = manager.label_formats()
    assert list(declared) == ["declaring"]
    assert [f.name for f in declared["declaring"]] == ["acme"]
    assert [(f.plugin, f.hook) for f in manager.failures] == [("wrong", "label_formats")]


def test_examples_by_plugin(manager: PluginManager) -> None:
    assert set(manager.examples()) == {"internal", "ecia"}


def test_register_commands_records_what_an_implementation_broke(manager: PluginManager) -> None:
    class Adds:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("hello"))

    class Breaks:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("mine"))
            raise RuntimeError("half done")

    assert manager.register(Adds(), "adds")
    assert manager.register(Breaks(), "breaks")
    group = click.Group()
    # As the CLI does with a replaced built-in command: put things right, and say what was wrong.
    manager.register_commands(group, lambda: "added mine" if group.commands.pop("mine", None) else None)
    assert set(group.commands) == {"hello"}
    assert [(f.plugin, f.error) for f in manager.failures] == [
        ("breaks", "RuntimeError: half done"),
        ("breaks", "added mine"),
    ]


def _event() -> Event:
    return Event("link_added", 12, "2026-01-01T00:00:00Z", link_key="k")


def test_an_in_transaction_listener_that_raises_vetoes(manager: PluginManager) -> None:
    calls: list[str] = []

    class Refuses:
        @hookimpl(tryfirst=True)
        def link_added(self, event: Event) -> None:
            calls.append("refuses")
            raise InputError("no links today")

    class Later:
        @hookimpl
        def link_added(self, event: Event) -> None:
            calls.append("later")

    assert manager.register(Refuses(), "refuses")
    assert manager.register(Later(), "later")
    with pytest.raises(ListenerRefused, match="no links today") as refused:
        manager.announce(_event(), None)  # type: ignore[arg-type]
    assert (refused.value.plugin, refused.value.hook) == ("refuses", "link_added")
    assert calls == ["refuses"]
    assert manager.failures == []  # a deliberate refusal is no failure


def test_an_in_transaction_listener_bug_vetoes_and_is_recorded(manager: PluginManager) -> None:
    class Buggy:
        @hookimpl
        def link_added(self, event: Event, tx: object) -> None:
            raise KeyError("column")

    assert manager.register(Buggy(), "buggy")
    with pytest.raises(ListenerRefused, match="plugin buggy failed in link_added"):
        manager.announce(_event(), None)  # type: ignore[arg-type]
    assert [(f.plugin, f.hook, f.input) for f in manager.failures] == [("buggy", "link_added", "'link_added 12'")]


def test_committed_listeners_all_run_and_failures_are_recorded(manager: PluginManager) -> None:
    heard: list[int] = []

    class Refuses:
        @hookimpl(tryfirst=True)
        def event_committed(self, event: Event) -> None:
            raise InputError("too late to refuse")

    class Exits:
        @hookimpl
        def event_committed(self, event: Event) -> None:
            raise SystemExit(1)

    class Hears:
        @hookimpl(trylast=True)
        def event_committed(self, event: Event) -> None:
            heard.append(event.history_id)

    for plugin, name in ((Refuses(), "refuses"), (Exits(), "exits"), (Hears(), "hears")):
        assert manager.register(plugin, name)
    manager.event_committed(_event())
    assert heard == [12]
    assert [(f.plugin, f.error) for f in manager.failures] == [
        ("refuses", "InputError: too late to refuse"),
        ("exits", "SystemExit: 1"),
    ]


def test_implementations_give_the_plugins_own_functions(manager: PluginManager) -> None:
    assert manager.register(Raising(), "raising")
    (impl,) = [i for i in manager.implementations("decode") if i.plugin_name == "raising"]
    with pytest.raises(IndexError):  # no isolation: the conformance suite and explain want the exception
        impl.function("ACME:r1")
    assert manager.failures == []


# -- the decode fast path ------------------------------------------------------------------------------------
EQUIVALENCE_SCANS = [
    DIGIKEY,
    MOUSER,
    GENERIC_ECIA,
    LCSC,
    TME_QR,
    TME_DATAMATRIX,
    '{"stockitem": 7}',
    '{"stockitem": "x"}',
    "ACME:r1",
    "NO:1",
    "",
    "[)>",
    "plain text nobody reads",
    "\x1d\x1e\x04",
]


def _outcome(manager: PluginManager, text: str, skip: frozenset[str]) -> object:
    failures = len(manager.failures)
    try:
        claims: object = manager.decode(text, skip)
    except BarcodeError as error:
        claims = (type(error).__name__, error.message)
    return claims, manager.failures[failures:]


@pytest.mark.parametrize("skip", [frozenset(), frozenset({"digikey", "lcsc"}), frozenset({"acme", "internal"})])
def test_the_fast_path_answers_as_pluggys_call_does(skip: frozenset[str]) -> None:
    manager = PluginManager()  # every installed plugin, and decoders that raise, exit and answer badly
    for plugin, name in ((Acme(), "acme"), (Raising(), "raising"), (Exiting(), "exiting")):
        assert manager.register(plugin, name)
    for text in EQUIVALENCE_SCANS:
        fast = _outcome(manager, text, skip)
        manager.fast_path = False
        try:
            through_pluggy = _outcome(manager, text, skip)
        finally:
            manager.fast_path = True
        assert fast == through_pluggy, text


def test_the_fast_path_steps_aside_for_wrappers_and_monitors(manager: PluginManager) -> None:
    called: list[str] = []
    undo = manager.pm.add_hookcall_monitoring(lambda name, impls, kwargs: called.append(name), lambda *_: None)
    manager.decode("ACME:r1")
    undo()
    manager.decode("ACME:r1")  # fast again: the monitor is gone
    assert called == ["decode"]
    upper = Upper()
    assert manager.register(upper, "upper")
    manager.decode("ACME:r1")
    assert len(upper.seen) == 1


def test_system_exit_in_an_in_transaction_listener_vetoes_instead_of_ending_the_process(
    manager: PluginManager,
) -> None:
    class Exits:
        @hookimpl
        def receipt_booked(self, event: Event) -> None:
            raise SystemExit(2)

    assert manager.register(Exits(), "exits")
    event = Event("receipt_booked", 3, "2026-01-01T00:00:00Z")
    with pytest.raises(ListenerRefused, match=r"plugin exits failed in receipt_booked \(SystemExit: 2\)"):
        manager.announce(event, None)  # type: ignore[arg-type]
    assert manager.failures[-1].plugin == "exits"


def test_a_link_listener_that_exits_refuses_the_link(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    class Exits:
        @hookimpl
        def link_added(self, event: Event) -> None:
            raise SystemExit(2)

    register_plugin(Exits(), "exits")
    with pytest.raises(ListenerRefused, match="SystemExit: 2"):
        engine.link("REEL-1", "part:1")
    assert engine.store.get_link(engine.link_key(engine.decode("REEL-1"))) is None


def test_an_old_style_hookwrapper_wraps_link_item(manager: PluginManager) -> None:
    class Prefix:
        @hookimpl(hookwrapper=True)
        def link_item(self, barcode: Decoded) -> Generator[None, Any, None]:
            outcome = yield
            outcome.force_result(f"site-a/{outcome.get_result() or barcode.supplier_part_number}")

    assert manager.register(Prefix(), "prefix")
    assert manager.link_item(manager.decode("ACME:r1")[0][1]) == "site-a/r1"


class _Keys:
    """Answers of every kind for the other typed calls: raising, exiting, unusable, usable, nothing."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def _answer(self, good: object) -> object:
        if self.mode == "raises":
            raise RuntimeError("boom")
        if self.mode == "exits":
            raise SystemExit(3)
        if self.mode == "bad":
            return 42
        return good if self.mode == "good" else None

    @hookimpl
    def link_item(self, barcode: Decoded) -> object:
        return self._answer(f"key:{barcode.barcode_hash[:6]}")

    @hookimpl
    def match_po_line(self, barcode: Decoded, orders: object) -> object:
        return self._answer([])

    @hookimpl
    def event_committed(self, event: Event) -> None:
        self._answer(None)


@pytest.mark.parametrize(
    "modes", [("raises", "bad", "good"), ("none", "exits", "bad"), ("good", "raises"), ("bad",), ()]
)
def test_the_fast_path_of_the_other_calls_answers_as_pluggys_call_does(modes: tuple[str, ...]) -> None:
    def outcomes(manager: PluginManager) -> object:
        barcode = Engine(":memory:", plugins=manager).decode(DIGIKEY)
        before = len(manager.failures)
        answers = (
            manager.link_item(barcode),
            manager.match_po_line(barcode, []),
            manager.event_committed(Event("link_added", 1, "2026-01-01T00:00:00Z")),
        )
        return answers, [(f.plugin, f.hook, f.error) for f in manager.failures[before:]]

    manager = PluginManager()
    for index, mode in enumerate(modes):
        assert manager.register(_Keys(mode), f"keys{index}")
    fast = outcomes(manager)
    manager.fast_path = False
    assert outcomes(manager) == fast
    calls: list[str] = []
    manager.fast_path = True
    undo = manager.pm.add_hookcall_monitoring(lambda name, impls, kwargs: calls.append(name), lambda *_: None)
    assert outcomes(manager) == fast  # through pluggy again: a monitor is watching
    undo()
    assert {"link_item", "match_po_line", "event_committed"} <= set(calls)
