"""The wedge-damage generator: which forms each kind of label gets, and what each form looks like."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from sample_labels import DIGIKEY, GENERIC_ECIA, LCSC, MOUSER, TME_DATAMATRIX, TME_QR

from barcode_plugins.engine import Engine
from barcode_plugins.formats.ecia import EOT, GS, RS, canonical_ecia, parse_ecia
from barcode_plugins.testing.wedge import (
    LOSSY_FORMS,
    SEPARATOR_STYLES,
    damaged_forms,
    damaged_scans,
    ecia_labels,
    is_lossy,
)

CANONICAL_MOUSER = MOUSER  # already canonical: header RS, trailer RS EOT
CANONICAL_DIGIKEY = canonical_ecia(parse_ecia(DIGIKEY))  # type: ignore[arg-type]


class TestEciaForms:
    def test_every_single_form_is_there(self) -> None:
        forms = damaged_forms(CANONICAL_MOUSER)
        expected = {
            "clean",
            *(set(SEPARATOR_STYLES) - {"learned-alt-codes"}),
            "trailer-rs-only",
            "trailer-none",
            "trailer-stray",
            "header-without-rs",
            "old-broken-header",
            "trailing-cr",
            "trailing-lf",
            "trailing-crlf",
            "trailing-tab",
            "surrounding-spaces",
            "aim-prefix",
            "layout-qwertz",
            "layout-azerty",
        }
        assert expected <= set(forms)
        assert not any(is_lossy(name) for name in forms)

    def test_combinations_are_named_by_their_parts(self) -> None:
        forms = damaged_forms(CANONICAL_MOUSER)
        assert "caret-notation+layout-qwertz+trailing-crlf" in forms
        assert "learned-alt-codes+layout-azerty+trailing-lf" in damaged_forms(CANONICAL_DIGIKEY)
        assert "control-pictures+aim-prefix+surrounding-spaces" in forms
        assert forms["caret-notation+trailing-cr"] == forms["caret-notation"] + "\r"

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("control-pictures", "[)>␞06␝KPO-0042␝14K003"),
            ("caret-notation", "[)>^^06^]KPO-0042^]14K003"),
            ("placeholder-angle", "[)><RS>06<GS>KPO-0042<GS>14K003"),
            ("placeholder-hex", "[)>\\x1e06\\x1dKPO-0042\\x1d14K003"),
            ("learned-one-character", "[)>@06@KPO-0042@14K003"),
            ("old-broken-header", f">[)>06{GS}KPO-0042"),
            ("header-without-rs", f"[)>06{GS}KPO-0042"),
            ("aim-prefix", f"]d2[)>{RS}06{GS}"),
            ("layout-qwertz", f"ü=:{RS}06{GS}KPOß0042"),
            ("layout-azerty", f"^0/{RS}à-{GS}KPO)àà'é"),
            ("caret-notation+layout-qwertz+trailing-crlf", "ü=:&&06&+KPOß0042&+14K003"),
        ],
    )
    def test_form_shapes(self, name: str, expected: str) -> None:
        assert damaged_forms(CANONICAL_MOUSER)[name].startswith(expected)

    def test_trailers(self) -> None:
        forms = damaged_forms(CANONICAL_MOUSER)
        assert forms["trailer-rs-only"].endswith("Instruments" + RS)
        assert forms["trailer-none"].endswith("Instruments")
        assert forms["trailer-stray"].endswith("Instruments" + RS + "X")
        # "14K003" + "029" reads "003029", which holds an RS written "030": no Alt+numpad form for this label.
        assert "learned-alt-codes" not in forms
        assert damaged_forms(DIGIKEY)["learned-alt-codes"].startswith("[)>03006029P497-1234-1-ND0291PSTM")
        assert damaged_forms(DIGIKEY)["learned-alt-codes"].endswith("20Z0000000000030004")

    def test_forms_are_built_from_the_canonical_label(self) -> None:
        # The Digikey example has no trailer: its forms are of the same label, canonical.
        forms = damaged_forms(DIGIKEY)
        assert forms["clean"] == DIGIKEY
        assert forms["trailing-cr"] == canonical_ecia(parse_ecia(DIGIKEY)) + "\r"  # type: ignore[arg-type]

    def test_lossy_forms_only_on_request(self) -> None:
        forms = damaged_forms(DIGIKEY, lossy=True)
        assert forms["dropped-separators"].startswith("[)>06P497-1234-1-ND1PSTM32F103C8T6K1K81234567")
        assert {"dropped-separators+trailing-cr", "dropped-separators+layout-qwertz"} <= set(forms)
        assert all(is_lossy(name) for name in set(forms) - set(damaged_forms(DIGIKEY)))
        assert "dropped-separators" in LOSSY_FORMS

    def test_no_dropped_form_for_several_records(self) -> None:
        label = f"[)>{RS}06{GS}Q1{RS}05{GS}10LOT{RS}{EOT}"
        assert "dropped-separators" not in damaged_forms(label, lossy=True)

    @pytest.mark.parametrize(
        ("value", "missing"),
        [
            ("A^]B", "caret-notation"),
            ("X<gs>Y", "placeholder-angle"),
            ("X<Gs>Y", "placeholder-angle-lowercase"),
            ("12029", "learned-alt-codes"),
            ("1203", "learned-alt-codes"),  # "03" + an RS of "030" reads "03030": a second "030" across the edge
            ("a@b", "learned-one-character"),
        ],
    )
    def test_a_form_the_label_makes_ambiguous_is_left_out(self, value: str, missing: str) -> None:
        label = f"[)>{RS}06{GS}9Q5{GS}1P{value}{RS}{EOT}"
        forms = damaged_forms(label)
        assert missing not in forms
        assert "control-pictures" in forms

    def test_a_layout_that_loses_text_is_left_out(self) -> None:
        label = f"[)>{RS}06{GS}1PA= B{GS}Q5{RS}{EOT}"  # "=" is a dead key on QWERTZ: "= " types as "´"
        forms = damaged_forms(label)
        assert "layout-qwertz" not in forms
        assert "layout-azerty" in forms


#: The installed plugins' declared label formats: what makes their own formats' layout damage recognisable.
FORMATS = Engine(":memory:").formats


class TestOtherForms:
    @pytest.mark.parametrize("label", [LCSC, TME_QR, '{"stockitem": 42}', "bp:stockitem:42", TME_DATAMATRIX])
    def test_known_formats_get_layouts(self, label: str) -> None:
        forms = damaged_forms(label, formats=FORMATS)
        assert {"trailing-cr", "surrounding-spaces", "aim-prefix", "layout-qwertz", "layout-azerty"} <= set(forms)
        assert not any(name.startswith(("caret", "placeholder", "trailer", "dropped")) for name in forms)

    @pytest.mark.parametrize("label", [LCSC, TME_QR, TME_DATAMATRIX])
    def test_a_plugins_format_gets_layouts_only_through_its_declaration(self, label: str) -> None:
        assert "layout-qwertz" not in damaged_forms(label)

    def test_tme_tokens_in_any_order_get_layouts(self) -> None:
        assert "layout-qwertz" in damaged_forms("PN:0 QTY:1 MFR:A", formats=FORMATS)
        assert "layout-qwertz" not in damaged_forms("PN:0", formats=FORMATS)  # one token is no evidence

    def test_a_text_format_with_separators_gets_their_forms(self) -> None:
        forms = damaged_forms(f"ACME{GS}1469879{GS}Q5")
        assert forms["caret-notation"] == "ACME^]1469879^]Q5"
        assert forms["control-pictures"] == "ACME␝1469879␝Q5"
        assert not any(name.startswith("learned") for name in forms)

    def test_qr_formats_get_a_qr_aim_prefix(self) -> None:
        assert damaged_forms(LCSC)["aim-prefix"] == "]Q1" + LCSC
        assert damaged_forms(TME_DATAMATRIX)["aim-prefix"] == "]d2" + TME_DATAMATRIX

    def test_unknown_text_gets_no_layout_form(self) -> None:
        forms = damaged_forms("hello: world/1")
        assert set(forms) == {
            "clean",
            "trailing-cr",
            "trailing-lf",
            "trailing-crlf",
            "trailing-tab",
            "surrounding-spaces",
            "aim-prefix",
        }

    def test_text_starting_with_a_bracket_gets_no_aim_prefix(self) -> None:
        assert "aim-prefix" not in damaged_forms("]odd")

    def test_identifier_list_without_marks_gets_no_layout(self) -> None:
        assert "layout-qwertz" not in damaged_forms("P1N4148 1P1N4148 Q10")


def test_plain_functions_do_not_import_hypothesis() -> None:
    code = (
        "import sys\n"
        "from barcode_plugins.testing.wedge import damaged_forms\n"
        f"damaged_forms({GENERIC_ECIA!r}, lossy=True)\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@settings(max_examples=60, deadline=None)
@given(ecia_labels())
def test_generated_labels_are_canonical(label: str) -> None:
    record = parse_ecia(label)
    assert record is not None and canonical_ecia(record) == label
    assert len({element.identifier for element in record.segments[0].elements}) == len(record.segments[0].elements)


@settings(max_examples=60, deadline=None)
@given(damaged_scans(ecia_labels(), lossy=True))
def test_damaged_scans_name_their_form(scan: tuple[str, str, str]) -> None:
    name, damaged, clean = scan
    assert damaged_forms(clean, lossy=True)[name] == damaged
