"""Keyboard-layout damage: the tables, typing, repair, and detection only on evidence."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_labels import DIGIKEY, LCSC, MOUSER, TME_DATAMATRIX, TME_QR

from barcode_plugins.engine import Engine
from barcode_plugins.formats.layouts import (
    AZERTY,
    CORE_EVIDENCE,
    LAYOUTS,
    QWERTZ,
    US_ROWS,
    Layout,
    LayoutEvidence,
    damage_shows,
    detect_layout,
)

PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
INTERNAL_JSON = '{"stockitem": 42}'
INTERNAL_SHORT = "bp:stockitem:42"
#: The evidence the installed plugins' declared label formats give, as the engine passes it.
EVIDENCE = Engine(":memory:").formats.layout_evidence


def detect(text: str) -> Layout | None:
    return detect_layout(text, EVIDENCE)


class TestQwertzTable:
    @pytest.mark.parametrize(
        ("us", "german"),
        [
            ("[)>", "ü=:"),
            (">[)>", ":ü=:"),
            ("-", "ß"),
            (":", "Ö"),
            (";", "ö"),
            ("{", "Ü"),
            ("}", "*"),
            ("/", "-"),
            (",", ","),
            (".", "."),
            ("YyZz", "ZzYy"),
            ('{"', "ÜÄ"),  # not "Ü@": US shift+' is the key of Ä
            ("@", '"'),
            ("QTY:", "QTZÖ"),
            ("bp:", "bpÖ"),
            ("]d2", "+d2"),
            ("^]", "&+"),
            ("<GS>", ";GS:"),
            ("\\x1d", "#x1d"),
            ("?_|", "_?'"),
        ],
    )
    def test_us_text_on_a_german_host(self, us: str, german: str) -> None:
        assert QWERTZ.type(us) == german
        assert QWERTZ.repair(german) == us

    def test_dead_keys_compose_and_repair(self) -> None:
        assert QWERTZ.type("=e") == "é"
        assert QWERTZ.type("+a") == "à"
        assert QWERTZ.type("`o") == "ô"
        assert QWERTZ.type("=x") == "´x"
        assert QWERTZ.repair("éàô´x") == "=e+a`o=x"

    def test_a_dead_key_before_a_space_loses_the_space(self) -> None:
        assert QWERTZ.repair(QWERTZ.type("a= b")) == "a=b"

    def test_control_characters_pass_through(self) -> None:
        assert QWERTZ.type("\x1d\x1e\x04\u241d") == "\x1d\x1e\x04\u241d"
        assert QWERTZ.repair("\x1d\x1e\x04\u241d") == "\x1d\x1e\x04\u241d"

    def test_marks(self) -> None:
        assert {"ü", "Ü", "ö", "Ö", "ä", "Ä", "ß", "§", "°", "´"} <= QWERTZ.marks
        assert QWERTZ.has_marks("P1ßA") and not QWERTZ.has_marks("P1-A")


class TestAzertyTable:
    @pytest.mark.parametrize(
        ("us", "french"),
        [
            ("[)>", "^0/"),
            ("1234567890", "&é\"'(-è_çà"),
            ("!@#$%^&*()", "1234567890"),
            ("QWAZqwaz", "AZQWazqw"),
            ("m;:M", ",mM?"),
            ("QTY:10", "ATYM&à"),
            ("{on:", "önM"),  # the dead diaeresis composes with the vowel
            ('{"', "¨%"),
        ],
    )
    def test_us_text_on_a_french_host(self, us: str, french: str) -> None:
        assert AZERTY.type(us) == french
        assert AZERTY.repair(french) == us

    def test_a_key_the_host_lacks_is_lost(self) -> None:
        assert AZERTY.type("a~b") == "qb"


@pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=list(LAYOUTS))
def test_every_printable_character_round_trips(layout: Layout) -> None:
    for char in PRINTABLE:
        typed = layout.type(char + "x")
        if char == "~" and layout is AZERTY:
            continue
        assert layout.repair(typed) == char + "x", (char, typed)


def test_tables_cover_the_us_keyboard() -> None:
    us_characters = "".join(plain + shifted for plain, shifted in US_ROWS)
    assert sorted(us_characters) == sorted(set(PRINTABLE) - {" "})
    for layout in LAYOUTS.values():
        assert set(layout.typed) == set(us_characters)


def test_a_table_that_maps_two_keys_to_one_character_is_refused() -> None:
    rows = tuple((plain, shifted) for plain, shifted in US_ROWS)
    broken = (("`1234567890-=", "~!@#$%^&*()_+"), ("qwertyuiop[]\\", "QWERTYUIOP{}|"), *rows[2:])
    broken = ((broken[0][0].replace("1", "2"), broken[0][1]), *broken[1:])
    with pytest.raises(ValueError, match="stands for both"):
        Layout("broken", broken)


class TestDetection:
    LABELS = (
        DIGIKEY,
        MOUSER,
        LCSC,
        TME_QR,
        TME_DATAMATRIX,
        INTERNAL_JSON,
        INTERNAL_SHORT,
        "]d2" + MOUSER,
        "PN:1N4148-DIO QTY:10 MFR:VISHAY",
        "{on:SO1,pc:C1}",
    )

    @pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=list(LAYOUTS))
    @pytest.mark.parametrize("label", LABELS, ids=range(len(LABELS)))
    def test_damaged_known_formats_are_detected(self, layout: Layout, label: str) -> None:
        assert detect(layout.type(label)) is layout

    @pytest.mark.parametrize("label", LABELS, ids=range(len(LABELS)))
    def test_clean_labels_are_left_alone(self, label: str) -> None:
        assert detect(label) is None

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "Größe: 10",
            "Straße 12",
            "QR-CODE",
            "bpm",
            "P1N4148 1P1N4148 Q10",  # no punctuation: damage cannot be told, nor does it matter
            "ÜBERSICHT",
            "ATYPICAL",
            "Ü",
        ],
    )
    def test_no_evidence_no_repair(self, text: str) -> None:
        assert detect(text) is None

    @pytest.mark.parametrize("label", [LCSC, TME_QR, TME_DATAMATRIX])
    def test_a_plugins_format_is_evidence_only_when_declared(self, label: str) -> None:
        # The core alone knows the ECIA header and its own forms; a supplier's start comes from its declaration.
        assert detect_layout(QWERTZ.type(label), CORE_EVIDENCE) is None
        assert detect_layout(QWERTZ.type(label), LayoutEvidence.build([r"ZZZ:"])) is None
        assert detect(QWERTZ.type(label)) is QWERTZ

    def test_a_declared_start_is_evidence(self) -> None:
        evidence = LayoutEvidence.build([r"ACME:[0-9]+;"])
        assert detect_layout(QWERTZ.type("ACME:123;Z-1"), evidence) is QWERTZ
        assert QWERTZ.repair(QWERTZ.type("ACME:123;Z-1")) == "ACME:123;Z-1"

    def test_identifier_list_needs_known_identifiers(self) -> None:
        assert detect("Xß1 Yß2") is None

    def test_one_tme_token_is_not_enough(self) -> None:
        # "POMEGRANATE" would read "PO:EGRQNQTE" on AZERTY: one KEY: token could be anything.
        assert detect("POMEGRANATE") is None
        assert detect(AZERTY.type("PO:1")) is None
        assert not damage_shows("PO:1", AZERTY, EVIDENCE)

    @pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=list(LAYOUTS))
    def test_damage_shows_is_what_detection_finds(self, layout: Layout) -> None:
        for text in (*self.LABELS, "P1N4148 1P1N4148 Q10", "hello world", "PN:1", "Q1 P-2"):
            assert damage_shows(text, layout, EVIDENCE) == (detect(layout.type(text)) is layout), text


@settings(max_examples=200, deadline=None)
@given(st.text(PRINTABLE), st.sampled_from(list(LAYOUTS.values())))
def test_repair_undoes_typing(text: str, layout: Layout) -> None:
    lossless = text.replace("~", "") if layout is AZERTY else text
    typed = layout.type(lossless)
    repaired = layout.repair(typed)
    # A dead key right before a space swallows the space; nothing else is lost.
    assert repaired.replace(" ", "") == lossless.replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_detection_is_total(text: str) -> None:
    layout = detect(text)
    assert layout is None or layout.name in LAYOUTS


@pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=lambda layout: layout.name)
@given(data=st.data())
def test_repair_table_agrees_with_the_inverse_mapping(layout: Layout, data: st.DataObject) -> None:
    # repair() reads a list indexed by code point (and a second pass above it) instead of translating through the
    # dict: the same result on any text, the rare composed characters above the list included.
    characters = sorted({chr(code) for code in layout._inverse} | set("aZ09[]{}-=;'\x1d\x1e\u2404ñ\U0001f600"))
    text = data.draw(st.text(st.sampled_from(characters), max_size=16))
    assert layout.repair(text) == text.translate(layout._inverse)
