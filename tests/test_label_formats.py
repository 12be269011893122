"""Declared label formats: validation, the registry's routing, and the engine asking only decoders that fit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sample_labels import DIGIKEY, EOT, GS, LCSC, MOUSER, RS, TME_DATAMATRIX, TME_QR

from barcode_plugins import Decoded, Engine, LabelFormat, hookimpl
from barcode_plugins.formats.label_formats import DeclarationError, FormatRegistry
from barcode_plugins.formats.normalize import barcode_hash


class Counting:
    """A plugin that declares ``formats`` and counts the scans its decoder is asked about."""

    def __init__(self, formats: list[LabelFormat] | None) -> None:
        self.formats = formats
        self.asked: list[str] = []

    @hookimpl
    def label_formats(self) -> list[LabelFormat] | None:
        return self.formats

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        self.asked.append(text)
        if text.startswith("ACME|"):
            return Decoded(plugin="acme", kind="supplier", supplier="Acme", supplier_part_number=text[5:])
        return None


def test_a_plugin_that_cannot_claim_a_scan_is_never_called(
    engine: Engine, register_plugin: Callable[[object, str], None]
) -> None:
    plugin = Counting([LabelFormat.text("acme", start=r"ACME\|")])
    register_plugin(plugin, "acme")
    for scan in (DIGIKEY, MOUSER, LCSC, TME_QR, TME_DATAMATRIX, "hello", "bp:stockitem:1"):
        engine.decode(scan)
    assert plugin.asked == []
    assert engine.decode("ACME|X-1").plugin == "acme"
    assert plugin.asked == ["ACME|X-1"]


def test_a_plugin_that_declares_nothing_is_always_asked(
    engine: Engine, register_plugin: Callable[[object, str], None]
) -> None:
    plugin = Counting(None)
    register_plugin(plugin, "acme")
    engine.decode("hello")
    engine.decode(LCSC)
    assert plugin.asked == ["hello", LCSC]


def test_a_broken_declaration_is_recorded_and_the_plugin_always_asked(
    engine: Engine, register_plugin: Callable[[object, str], None]
) -> None:
    plugin = Counting([LabelFormat.text("acme", start="(unclosed")])
    register_plugin(plugin, "acme")
    engine.decode("hello")
    assert plugin.asked == ["hello"]
    assert any(f.plugin == "acme" and f.hook == "label_formats" for f in engine.plugins.failures)


def test_ecia_evidence_routes_by_what_the_label_carries() -> None:
    registry = FormatRegistry(
        {
            "acme": [LabelFormat.ecia("acme", evidence=[{"P": r"[0-9]{7}"}, {"13Z": None}])],
            "other": [LabelFormat.ecia("other", evidence=[{"14K": r"[0-9]+", "1P": None}])],
        }
    )
    ecia = "[)>" + RS + "06" + GS + "{}" + RS + EOT
    assert registry.fitting(ecia.format(GS.join(["P1469879", "Q1"]))) == {"acme"}
    assert registry.fitting(ecia.format(GS.join(["P146987", "Q1"]))) == set()
    assert registry.fitting(ecia.format(GS.join(["13Z", "Q1"]))) == {"acme"}
    assert registry.fitting(ecia.format(GS.join(["14K1", "Q1"]))) == set()  # every identifier of one alternative
    assert registry.fitting(ecia.format(GS.join(["14K1", "1PX", "P1469879"]))) == {"acme", "other"}
    assert registry.fitting("P1469879") == set()  # not an envelope


def test_identifier_lists_route_only_lists_of_their_identifiers() -> None:
    registry = FormatRegistry(
        {"acme": [LabelFormat.identifier_list("acme", elements=dict.fromkeys(("P", "1P", "Q")), required=("P",))]}
    )
    assert registry.fitting("PX 1PY Q1") == {"acme"}
    assert registry.fitting("1PY Q1") == set()  # P is required
    assert registry.fitting("PX 4LDE") == set()  # 4L is not one of its identifiers


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (LabelFormat("x", "ecia"), "needs evidence"),
        (LabelFormat("x", "text"), "needs a start"),
        (LabelFormat("x", "qr"), "family must be"),  # type: ignore[arg-type]
        (LabelFormat.ecia("x", evidence=[{"p": None}]), "not a data identifier"),
        (LabelFormat.ecia("x", evidence=[{"P": "("}]), "does not compile"),
        (LabelFormat.ecia("x", evidence=[{"10K": None}]), "standard identifiers alone"),
        (LabelFormat.ecia("x", evidence=[{"K": None, "1K": None}]), "standard identifiers alone"),
        (LabelFormat.ecia("x", evidence=[{}]), "standard identifiers alone"),
    ],
)
def test_declarations_are_checked(declaration: LabelFormat, message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        declaration.check()


def test_evidence_by_a_value_shape_or_a_supplier_identifier_is_accepted() -> None:
    LabelFormat.ecia("x", evidence=[{"P": r"[0-9]{7}"}, {"11Z": None}, {"14K": r"[0-9]+", "1P": None}]).check()


def test_caret_notation_is_repaired_for_a_text_format_that_uses_separators(
    engine: Engine, register_plugin: Callable[[object, str], None]
) -> None:
    class Separated:
        @hookimpl
        def label_formats(self) -> list[LabelFormat]:
            return [LabelFormat.text("sep", start="SEPCO\x1d", separators=True)]

        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            if not text.startswith("SEPCO\x1d"):
                return None
            return Decoded(plugin="sep", kind="supplier", supplier="Sepco", supplier_part_number=text.split(GS)[1])

    register_plugin(Separated(), "sep")
    clean = engine.decode("SEPCO\x1d1469879")
    for form in ("SEPCO^]1469879", "SEPCO␝1469879", "SEPCO<GS>1469879", " SEPCO^]1469879\r\n"):
        decoded = engine.decode(form)
        assert (decoded.plugin, decoded.supplier_part_number, decoded.barcode_hash) == (
            "sep",
            "1469879",
            clean.barcode_hash,
        ), form
    # Outside a declared separator format, carets are data.
    assert engine.decode("NOTSEP^]1").barcode_hash == barcode_hash("NOTSEP^]1")


def test_a_declared_identifier_counts_for_learned_separators(
    engine: Engine, register_plugin: Callable[[object, str], None]
) -> None:
    # A supplier whose labels start with its own 21Z (not a standard identifier): learned separators are checked
    # against the vocabulary, which its declaration extends.
    class Acme:
        @hookimpl
        def label_formats(self) -> list[LabelFormat]:
            return [LabelFormat.ecia("acme", evidence=[{"21Z": r"AC[0-9]+"}], elements={"21Z": r"AC[0-9]+"})]

        @hookimpl
        def decode(self, text: str) -> Decoded | None:
            from barcode_plugins.formats.ecia import decoded_from_ecia, parse_ecia

            record = parse_ecia(text)
            if record is None or not (record.get("21Z") or "").startswith("AC"):
                return None
            return decoded_from_ecia(record, plugin="acme", supplier="Acme")

    clean_text = f"[)>{RS}06{GS}21ZAC123{GS}1PNE555DR{GS}Q5{RS}{EOT}"
    damaged = "[)>^^06^]21ZAC123^]1PNE555DR^]Q5^^^D"
    assert engine.decode(damaged).plugin != "acme"  # before the plugin is installed: not even an envelope
    register_plugin(Acme(), "acme")
    clean, repaired = engine.decode(clean_text), engine.decode(damaged)
    assert (repaired.plugin, repaired.barcode_hash) == ("acme", clean.barcode_hash)
