"""The conformance suite has teeth: deliberately broken plugins fail it, with a message naming the property.

Each broken plugin is a small class with ``@hookimpl`` methods, registered for one test next to the installed
plugins (``load_plugin`` as a context manager: always unregistered) and checked by calling the property
function directly. The last tests run the pytest class end to end in a subprocess.
"""

from __future__ import annotations

import builtins
import importlib.util
import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st

from barcode_plugins import Decoded, Example, PurchaseOrder, PurchaseOrderLine, hookimpl
from barcode_plugins.formats.ecia import decoded_from_ecia, parse_ecia
from barcode_plugins.hooks.example_labels import generic_ecia_examples, part_numbers, quantities
from barcode_plugins.hooks.manager import PluginManager
from barcode_plugins.testing import ConformanceFailure, PluginUnderTest, load_plugin
from barcode_plugins.testing.failures import NotApplicable
from barcode_plugins.testing.properties import (
    PROPERTIES,
    Budget,
    WedgeForms,
    check_call_order,
    check_correctness,
    check_determinism,
    check_exclusivity,
    check_hook_hygiene,
    check_import_hygiene,
    check_link_item,
    check_match_po_line,
    check_serialisation,
    check_totality,
    check_wedge_robustness,
)

BROKEN_PLUGINS = Path(__file__).parent / "broken_plugins"


def acme_examples(**overrides: Any) -> st.SearchStrategy[Example]:
    """``ACME:<part>:<quantity>`` labels, the format of most plugins below (``overrides`` change the expected
    result)."""

    def example(part: str, quantity: int) -> Example:
        expected = Decoded(
            plugin="acme",
            kind="supplier",
            supplier="Acme",
            supplier_part_number=part,
            quantity=quantity,
            fields={"part": part, "quantity": str(quantity)},
        )
        return Example(f"ACME:{part}:{quantity}", attrs.evolve(expected, **overrides))

    return st.builds(example, part_numbers(), quantities())


def decode_acme(text: str) -> Decoded | None:
    """A correct decoder of the ``ACME:<part>:<quantity>`` format."""
    if not text.startswith("ACME:"):
        return None
    part, _, quantity = text[5:].partition(":")
    if not part or not quantity.isdigit():
        return None
    return Decoded(
        plugin="acme",
        kind="supplier",
        supplier="Acme",
        supplier_part_number=part,
        quantity=int(quantity),
        fields={"part": part, "quantity": quantity},
    )


class GoodAcme:
    """A correct plugin: the control group (the suite must not fail it)."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        return decode_acme(text)

    @hookimpl
    def barcode_examples(self) -> Any:
        return acme_examples()


class RaisesOnOddInput(GoodAcme):
    """Splits on ':' and indexes without looking: IndexError on most text."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        fields = text.split(":")
        if fields[1] == "" and len(text) > 3:  # IndexError for text without ':'
            return None
        return decode_acme(text)


class Nondeterministic(GoodAcme):
    """Stamps every result with a counter."""

    def __init__(self) -> None:
        self.counter = itertools.count()

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        result = decode_acme(text)
        return None if result is None else attrs.evolve(result, serial_number=str(next(self.counter)))


class RemembersLastLabel(GoodAcme):
    """Puts the previous label's part number into the next result: the answer depends on the call before."""

    def __init__(self) -> None:
        self.last: str | None = None

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        result = decode_acme(text)
        if result is None:
            return None
        previous, self.last = self.last, result.supplier_part_number
        same = previous == result.supplier_part_number
        return attrs.evolve(result, customer_part_number=None if same or previous is None else previous)


class ClaimsByInvoiceNumber(GoodAcme):
    """Claims every ECIA label that carries 10K, which every vendor prints."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        record = parse_ecia(text)
        if record is None or not record.has("10K"):
            return decode_acme(text)
        return decoded_from_ecia(record, plugin="invoicer", supplier="Invoicer")


class ClaimsEveryEcia(GoodAcme):
    """Recognises its labels by the envelope alone: steals every other supplier's ECIA label."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        record = parse_ecia(text)
        if record is None:
            return decode_acme(text)
        return decoded_from_ecia(record, plugin="greedy", supplier="Greedy")


class ClaimsInternal(GoodAcme):
    """Treats any JSON object or ``bp:`` text as its own."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        if text.startswith(("{", "bp:")):
            return Decoded(plugin="greedy", kind="external", fields={"text": text})
        return decode_acme(text)


def with_text_quantity(value: Decoded) -> Decoded:
    """``value`` with its quantity as text, which the contract forbids (deliberately mistyped)."""
    return attrs.evolve(value, quantity=str(value.quantity))  # type: ignore[arg-type]


class QuantityAsText(GoodAcme):
    """Returns the quantity as text: the JSON round trip turns "25" into 25."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        result = decode_acme(text)
        return None if result is None else with_text_quantity(result)

    @hookimpl
    def barcode_examples(self) -> Any:
        return acme_examples().map(lambda example: Example(example.text, with_text_quantity(example.expected)))


class WrongExamples(GoodAcme):
    """Its examples promise a manufacturer the decoder never fills."""

    @hookimpl
    def barcode_examples(self) -> Any:
        return acme_examples(manufacturer="Acme Corp")


class InventsPurchaseOrderLines:
    """Answers every match with a line of its own making."""

    @hookimpl
    def match_po_line(self, barcode: Decoded, orders: Sequence[PurchaseOrder]) -> Sequence[PurchaseOrderLine]:
        return [PurchaseOrderLine("PO-INVENTED", 1, barcode.supplier_part_number, None, None, 10, 0)]


class PrefersReceivedLines:
    """Returns every line it is given, fully received ones included."""

    @hookimpl
    def match_po_line(self, barcode: Decoded, orders: Sequence[PurchaseOrder]) -> Sequence[PurchaseOrderLine]:
        return [line for order in orders for line in order.lines if line.outstanding <= 0]


class MutatesOrders:
    """Records its decision in the barcode's fields."""

    @hookimpl
    def match_po_line(self, barcode: Decoded, orders: Sequence[PurchaseOrder]) -> Sequence[PurchaseOrderLine]:
        barcode.fields["matched"] = "yes"  # type: ignore[index]
        return []


class LinksByRaw:
    """Links by the raw scan, so a rescan with a trailing newline is a different key."""

    @hookimpl
    def link_item(self, barcode: Decoded) -> str | None:
        return barcode.raw


class LinksBySupplier:
    """Links every label of a supplier under one key."""

    @hookimpl
    def link_item(self, barcode: Decoded) -> str | None:
        return f"supplier:{barcode.supplier}"


class ReadsFiles(GoodAcme):
    """Looks up every scan in a file."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        try:
            with open(os.devnull, encoding="utf-8") as aliases:
                aliases.read()
        except OSError:
            pass  # swallowing the refusal does not hide the attempt
        return decode_acme(text)


class Hangs(GoodAcme):
    """Loops forever on long input."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        while len(text) > 1000:
            pass
        return decode_acme(text)


class CaseSensitive:
    """Lowercase ``acme:`` labels; a caps-lock scan loses them."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        return decode_acme("ACME:" + text[5:]) if text.startswith("acme:") else None

    @hookimpl
    def barcode_examples(self) -> Any:
        return acme_examples().map(lambda example: Example("acme:" + example.text[5:], example.expected))


class MisspeltHook:
    """``decodes`` is not a hook."""

    @hookimpl
    def decodes(self, text: str) -> Decoded | None:
        return decode_acme(text)


class UndecoratedHook:
    """``decode`` without ``@hookimpl`` is never called."""

    def decode(self, text: str) -> Decoded | None:
        return decode_acme(text)

    @hookimpl
    def barcode_examples(self) -> Any:
        return acme_examples()


class EciaVictim:
    """A well-behaved ECIA supplier's examples, for the greedy plugin to steal."""

    @hookimpl
    def barcode_examples(self) -> Any:
        return generic_ecia_examples(plugin="victim")


class DecodingVictim(EciaVictim):
    """An ECIA supplier that decodes its own labels (here: every envelope, as the generic decoder reads it)."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        record = parse_ecia(text)
        return None if record is None else decoded_from_ecia(record, plugin="victim", supplier=None)


@pytest.fixture
def broken() -> Iterator[Callable[..., PluginUnderTest]]:
    """Register a plugin object for one test (next to every installed plugin); always unregistered."""
    opened: list[PluginUnderTest] = []

    def register(plugin: object, name: str, manager: PluginManager | None = None) -> PluginUnderTest:
        target = load_plugin(plugin, name=name, manager=manager)
        opened.append(target)
        return target

    try:
        yield register
    finally:
        for target in opened:
            target.close()


def fails(check: Callable[..., None], target: PluginUnderTest, property_name: str, *words: str, **kwargs: Any) -> str:
    """Run ``check`` and return its failure message, asserting that it names the property, the plugin and
    ``words``."""
    with pytest.raises(ConformanceFailure) as failure:
        check(target, **kwargs)
    message = str(failure.value)
    assert message.startswith(f"[{property_name}] plugin {target.name!r}: "), message
    for word in words:
        assert word in message, message
    assert "fix:" in message, message
    assert failure.value.property_name == property_name
    return message


# -- the control group -------------------------------------------------------------------------------------
@pytest.mark.parametrize("property_name", [name for name in PROPERTIES if name != "import hygiene"])
def test_a_correct_plugin_passes(broken: Callable[..., PluginUnderTest], property_name: str) -> None:
    target = broken(GoodAcme(), "acme")
    try:
        PROPERTIES[property_name](target)
    except NotApplicable:
        assert property_name in ("match_po_line", "link_item")


def test_the_registration_is_undone(broken: Callable[..., PluginUnderTest]) -> None:
    target = broken(GoodAcme(), "acme")
    manager = target.manager
    target.close()
    assert manager.pm.get_plugin("acme") is None


# -- the five the issue names ---------------------------------------------------------------------------------
def test_raising_on_odd_input_fails_totality(broken: Callable[..., PluginUnderTest]) -> None:
    fails(check_totality, broken(RaisesOnOddInput(), "raises_on_odd_input"), "totality", "IndexError", "input:")


def test_nondeterminism_fails_determinism(broken: Callable[..., PluginUnderTest]) -> None:
    message = fails(check_determinism, broken(Nondeterministic(), "counter"), "determinism")
    assert "different answer for the same input" in message
    assert "serial_number: expected '" in message  # a field diff, not two whole results


def test_remembering_the_last_label_fails_call_order(broken: Callable[..., PluginUnderTest]) -> None:
    # Same input twice in a row gives the same answer (determinism's pattern), but the answer depends on what was
    # decoded before: only replaying examples in another order finds it.
    message = fails(check_call_order, broken(RemembersLastLabel(), "sticky"), "call order", "decoded the same")
    assert "customer_part_number: expected" in message


def test_claiming_by_a_standard_identifier_alone_fails_exclusivity(broken: Callable[..., PluginUnderTest]) -> None:
    # 10K, the invoice number, is on every vendor's labels (the generic ECIA decoder's examples carry it).
    message = fails(check_exclusivity, broken(ClaimsByInvoiceNumber(), "invoicer"), "exclusivity", "10K")
    assert "claims a label of plugin 'digikey'" in message or "claims a label of plugin 'ecia'" in message


def test_a_plugin_another_also_claims_is_told_which(broken: Callable[..., PluginUnderTest]) -> None:
    manager = PluginManager(entry_point_plugins=False, blocked=["ecia"])
    assert manager.register(ClaimsEveryEcia(), "greedy")
    try:
        target = broken(DecodingVictim(), "victim", manager)
        fails(
            check_exclusivity,
            target,
            "exclusivity",
            "plugin 'greedy' also claims your example; users will get AmbiguousBarcode",
        )
    finally:
        manager.unregister("greedy")


def test_claiming_every_ecia_label_fails_exclusivity(broken: Callable[..., PluginUnderTest]) -> None:
    # Only the built-ins (less the generic ECIA decoder, which has ECIA examples of its own) and a victim with
    # ECIA examples, so the stolen label is the victim's whatever is installed.
    manager = PluginManager(entry_point_plugins=False, blocked=["ecia"])
    assert manager.register(EciaVictim(), "victim")
    try:
        target = broken(ClaimsEveryEcia(), "greedy", manager)
        fails(check_exclusivity, target, "exclusivity", "claims a label of plugin 'victim'", "[)>")
    finally:
        manager.unregister("victim")


def test_claiming_internal_labels_fails_exclusivity(broken: Callable[..., PluginUnderTest]) -> None:
    target = broken(ClaimsInternal(), "greedy", PluginManager(entry_point_plugins=False))  # built-ins only
    fails(check_exclusivity, target, "exclusivity", "claims a label of plugin 'internal'")


def test_examples_that_do_not_round_trip_fail_serialisation(broken: Callable[..., PluginUnderTest]) -> None:
    message = fails(check_serialisation, broken(QuantityAsText(), "text_quantity"), "serialisation", "quantity")
    assert "returned quantity as str, not a number" in message  # the engine refuses the answer (hook_results)


def test_returning_a_line_it_was_not_given_fails_match_po_line(broken: Callable[..., PluginUnderTest]) -> None:
    fails(
        check_match_po_line,
        broken(InventsPurchaseOrderLines(), "inventor"),
        "match_po_line",
        "PO-INVENTED",
        "returned a line it was not given",
    )


# -- more teeth -----------------------------------------------------------------------------------------------
def test_wrong_examples_fail_correctness(broken: Callable[..., PluginUnderTest]) -> None:
    fails(
        check_correctness,
        broken(WrongExamples(), "acme"),
        "correctness",
        "manufacturer: expected 'Acme Corp', got None",
    )


def test_preferring_received_lines_fails_match_po_line(broken: Callable[..., PluginUnderTest]) -> None:
    fails(check_match_po_line, broken(PrefersReceivedLines(), "hoarder"), "match_po_line", "fully received")


def test_mutating_arguments_fails_match_po_line(broken: Callable[..., PluginUnderTest]) -> None:
    fails(check_match_po_line, broken(MutatesOrders(), "mutator"), "match_po_line", "mutated its arguments")


def test_linking_by_raw_text_fails_link_item(broken: Callable[..., PluginUnderTest]) -> None:
    fails(check_link_item, broken(LinksByRaw(), "raw_linker"), "link_item", "the same label gave two link keys")


def test_linking_by_supplier_fails_link_item(broken: Callable[..., PluginUnderTest]) -> None:
    fails(check_link_item, broken(LinksBySupplier(), "coarse_linker"), "link_item", "two different labels")


def test_file_access_fails_purity(broken: Callable[..., PluginUnderTest]) -> None:
    original_open = builtins.open
    fails(check_determinism, broken(ReadsFiles(), "reader"), "purity", "decode did I/O", "open(")
    assert builtins.open is original_open, "the I/O guard must restore what it replaced"


def test_a_hang_is_interrupted_and_fails_totality(broken: Callable[..., PluginUnderTest]) -> None:
    budget = Budget(scale=0.3, call_seconds=0.2, hard_seconds=0.5)
    fails(check_totality, broken(Hangs(), "hangs"), "totality", "interrupted", budget=budget)


def test_a_form_the_decoder_loses_fails_wedge_robustness(broken: Callable[..., PluginUnderTest]) -> None:
    caps_lock = WedgeForms(lambda clean: {"caps lock": clean.upper()})

    fails(
        check_wedge_robustness,
        broken(CaseSensitive(), "lowercase"),
        "wedge robustness",
        "'caps lock'",
        "not recognised",
        wedge_forms=caps_lock,
    )


def test_a_misspelt_hook_is_rejected() -> None:
    with pytest.raises(ConformanceFailure, match=r"\[hook hygiene\] plugin 'misspelt'.*decodes.*misspelt"):
        load_plugin(MisspeltHook(), name="misspelt")


def test_an_undecorated_hook_fails_hook_hygiene(broken: Callable[..., PluginUnderTest]) -> None:
    fails(check_hook_hygiene, broken(UndecoratedHook(), "undecorated"), "hook hygiene", "decode() without @hookimpl")


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_side_effects_fail_import_hygiene(
    broken: Callable[..., PluginUnderTest], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_module(BROKEN_PLUGINS / "noisy_import.py", "barcode_plugins_noisy")
    monkeypatch.delenv("BARCODE_PLUGINS_NOISY_IMPORT")  # what the import set here; the check imports it afresh
    capsys.readouterr()  # what it printed when this test imported it
    message = fails(check_import_hygiene, broken(module, "noisy"), "import hygiene", "printed", "opened")
    assert "environment variables" in message


def test_a_quiet_module_passes_import_hygiene(broken: Callable[..., PluginUnderTest]) -> None:
    check_import_hygiene(broken(load_module(BROKEN_PLUGINS / "quiet_plugin.py", "barcode_plugins_quiet"), "quiet"))


# -- end to end through pytest ---------------------------------------------------------------------------------
NO_DEV_PLUGINS = ("-p", "no:schemathesis", "-p", "no:faker", "-p", "no:anyio")


def run_pytest(directory: Path, *arguments: str, environment: dict[str, str] | None = None) -> str:
    """Run pytest in a subprocess in ``directory``; return its output, asserting that tests failed (exit 1)."""
    completed = subprocess.run(
        # Without the pytest plugins of the dev environment that a plugin author does not have (and that cost
        # a second of imports): schemathesis', faker's, anyio's.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *NO_DEV_PLUGINS, *arguments],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    return output


@pytest.mark.slow
def test_the_pytest_class_reports_failures_by_property(tmp_path: Path) -> None:
    (tmp_path / "sloppy_acme.py").write_text(
        textwrap.dedent(
            """
            from barcode_plugins import Decoded, hookimpl


            @hookimpl
            def decode(text):
                return Decoded(plugin="sloppy", kind="external") if text.split(":")[1] else None
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "test_sloppy.py").write_text(
        textwrap.dedent(
            """
            import sloppy_acme
            from barcode_plugins.testing import PluginConformance


            class TestSloppy(PluginConformance):
                plugin = sloppy_acme
            """
        ),
        encoding="utf-8",
    )
    # Only the properties asserted on below (each property's teeth are tested directly above).
    selected = "test_totality or test_examples or test_hook_hygiene"
    output = run_pytest(tmp_path, "--conformance-scale=0.5", "-rfs", "-k", selected)
    assert "FAILED test_sloppy.py::TestSloppy::test_totality" in output, output
    assert "[totality] plugin 'sloppy_acme': decode raised IndexError" in output, output
    assert "FAILED test_sloppy.py::TestSloppy::test_examples" in output, output
    assert "[examples] plugin 'sloppy_acme': implements decode but gives no examples" in output, output
    assert "FAILED test_sloppy.py::TestSloppy::test_hook_hygiene" not in output, output


@pytest.mark.slow
def test_an_installed_plugin_that_fails_to_import_is_told_so_not_to_install_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "barcode_plugins_brokenimp-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: barcode-plugins-brokenimp\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[barcode_plugins]\nbrokenimp = barcode_plugins_brokenimp\n")
    (site / "barcode_plugins_brokenimp.py").write_text("import a_dependency_that_is_missing\n")
    (tmp_path / "test_brokenimp.py").write_text(
        "from barcode_plugins.testing import PluginConformance\n\n\n"
        "class TestBrokenimp(PluginConformance):\n    plugin = 'brokenimp'\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    output = run_pytest(tmp_path, "-x", "test_brokenimp.py", environment=environment)
    assert "[loading] plugin 'brokenimp': is installed but failed to load" in output, output
    assert "a_dependency_that_is_missing" in output, output
    assert "its import fails" in output and "pip install" not in output, output
