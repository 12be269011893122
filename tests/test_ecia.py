"""ECIA / ISO 15434 parsing: envelopes, trailers, records, GS1 elements, standard fields, run-together labels."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_labels import DIGIKEY, GENERIC_ECIA, MOUSER

from barcode_plugins.engine import Engine
from barcode_plugins.formats.ecia import (
    EOT,
    GS,
    RS,
    EciaElement,
    canonical_ecia,
    decoded_from_ecia,
    fields_from_pairs,
    gs1_application_identifier,
    parse_ecia,
    parse_quantity,
    parse_ship_date,
    split_data_identifier,
    split_gs1_elements,
    standard_fields,
)
from barcode_plugins.formats.segmentation import MAX_RUN_TOGETHER, segment_elements
from barcode_plugins.models import CONTRACT_KEYS, Decoded
from barcode_plugins.testing.wedge import ecia_elements, ecia_labels


def pairs(text: str) -> list[tuple[str, str]]:
    record = parse_ecia(text)
    assert record is not None, text
    return [(element.identifier, element.value) for element in record.elements]


def run_together(label: str) -> str:
    """The record body of a clean label with every separator gone."""
    record = parse_ecia(label)
    assert record is not None
    return "".join(element.identifier + element.value for element in record.elements)


_ENVELOPE_PIECES = st.sampled_from(
    [GS, RS, EOT, " ", "\t", "\r\n", "06", "05", "P", "1P", "11K", "Q", "25", "x", "-", "[)>", "a1", "3"]
)


class TestParse:
    @settings(max_examples=400)
    @given(st.lists(_ENVELOPE_PIECES, max_size=14), st.sampled_from(["[)>" + RS + "06" + GS, "[)>06" + GS]))
    def test_a_one_record_message_reparses_from_its_canonical_text(self, pieces: list[str], header: str) -> None:
        # Canonical text is a fixed point: normalizing it again changes nothing.
        record = parse_ecia.__wrapped__(header + "".join(pieces))
        if record is not None and len(record.records) == 1 and record.records[0][0] == "06":
            assert parse_ecia.__wrapped__(canonical_ecia(record)) == record

    @settings(max_examples=400)
    @given(st.lists(_ENVELOPE_PIECES, max_size=14), st.sampled_from(["[)>" + RS + "06" + GS, "[)>06" + GS]))
    def test_fast_path_reads_like_the_general_parser(self, pieces: list[str], header: str) -> None:
        # parse_ecia reads one-record 06 messages with a regex scan; it must agree with the general parser.
        from barcode_plugins.formats.ecia import _parse_records

        text = header + "".join(pieces)
        body = text[text.index("06") :].split(EOT, 1)[0]
        assert parse_ecia.__wrapped__(text) == _parse_records(body)

    def test_digikey_example(self) -> None:
        record = parse_ecia(DIGIKEY)
        assert record is not None
        assert record.formats == ("06",)
        assert record.get("P") == "497-1234-1-ND"
        assert record.get("K") == ""
        assert record.get("20Z") == "0000000000"
        assert record.has("1K", "10K", "11K") and not record.has("14K")
        assert list(record.fields) == ["P", "1P", "K", "1K", "10K", "11K", "4L", "Q", "11Z", "12Z", "13Z", "20Z"]

    @pytest.mark.parametrize(
        "trailer", ["", RS, RS + EOT, RS + "X", RS + EOT + "garbage", EOT, RS + RS + EOT, RS + "06"]
    )
    def test_trailer_variants_read_the_same(self, trailer: str) -> None:
        body = f"[)>{RS}06{GS}KPO-0042{GS}1VTexas Instruments"
        assert pairs(body + trailer) == [("K", "PO-0042"), ("1V", "Texas Instruments")]

    @pytest.mark.parametrize("header", ["[)>" + RS + "06", "[)>06", ">[)>06"])
    def test_header_variants(self, header: str) -> None:
        assert pairs(f"{header}{GS}Q5{GS}1PX{RS}{EOT}") == [("Q", "5"), ("1P", "X")]

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "[)>",
            f"[)>{RS}06P1",  # no GS after the format: separators lost, not guessed here
            f"[)>{RS}0{GS}P1",
            f"[)>{RS}06{GS}1234P",  # four digits cannot start a DI
            f"[)>{RS}06{GS}p1",
            "{pbn:PICK1}",
        ],
    )
    def test_not_an_envelope(self, text: str) -> None:
        assert parse_ecia(text) is None

    def test_values_keep_colons_slashes_and_inner_spaces(self) -> None:
        text = f"[)>{RS}06{GS}K21345678/3{GS}1PA:B / C{GS}1V Weird  Name {RS}{EOT}"
        assert pairs(text) == [("K", "21345678/3"), ("1P", "A:B / C"), ("1V", " Weird  Name")]

    def test_only_the_last_value_loses_trailing_whitespace(self) -> None:
        with_trailer = f"[)>{RS}06{GS}1PA {GS}1VB \t{RS}{EOT}"
        without = f"[)>{RS}06{GS}1PA {GS}1VB"
        assert pairs(with_trailer) == pairs(without) == [("1P", "A "), ("1V", "B")]

    def test_empty_elements_are_skipped(self) -> None:
        assert pairs(f"[)>{RS}06{GS}{GS}Q5{GS}{GS}1PX{GS}{RS}{EOT}") == [("Q", "5"), ("1P", "X")]

    def test_several_records(self) -> None:
        text = f"[)>{RS}06{GS}1PLM358{GS}Q10{RS}05{GS}0109501101020917{GS}10LOT7{RS}{EOT}"
        record = parse_ecia(text)
        assert record is not None
        assert record.formats == ("06", "05")
        assert record.fields == {"1P": "LM358", "Q": "10", "01": "09501101020917", "10": "LOT7"}
        assert canonical_ecia(record) == text

    def test_repeated_identifier_kept_numbered(self) -> None:
        assert parse_ecia(f"[)>{RS}06{GS}1T1{GS}1T2{GS}1T3").fields == {"1T": "1", "1T#2": "2", "1T#3": "3"}

    def test_never_raises_on_non_text(self) -> None:
        assert parse_ecia(None) is None  # type: ignore[arg-type]


class TestGs1:
    def test_predefined_lengths_need_no_separator(self) -> None:
        assert split_gs1_elements("0109501101020917" + "17261231" + "10ABC") == [
            EciaElement("01", "09501101020917"),
            EciaElement("17", "261231"),
            EciaElement("10", "ABC"),
        ]

    def test_ai_lengths(self) -> None:
        assert gs1_application_identifier("3103000750") == "3103"
        assert gs1_application_identifier("400PO-1") == "400"
        assert gs1_application_identifier("10AB") == "10"
        assert gs1_application_identifier("XY") is None
        assert gs1_application_identifier("31") is None

    def test_unknown_piece_kept_whole(self) -> None:
        assert split_gs1_elements("ZZTOP") == [EciaElement("", "ZZTOP")]
        assert split_gs1_elements("0112") == [EciaElement("01", "12")]

    def test_standard_fields_of_a_gs1_record(self) -> None:
        text = f"[)>{RS}05{GS}0109501101020917{GS}10LOT7{GS}21SN9{GS}30250{GS}400PO-17{RS}{EOT}"
        record = parse_ecia(text)
        assert record is not None
        assert standard_fields(record) == {
            "lot_code": "LOT7",
            "serial_number": "SN9",
            "quantity": 250,
            "purchase_order": "PO-17",
        }


class TestFields:
    def test_standard_fields_mouser(self) -> None:
        record = parse_ecia(MOUSER)
        assert record is not None
        assert standard_fields(record) == {
            "purchase_order": "PO-0042",
            "purchase_order_line": "003",
            "manufacturer_part_number": "NE555DR",
            "quantity": 50,
            "packing_list_number": "012345678",
            "country_of_origin": "MY",
            "manufacturer": "Texas Instruments",
        }

    def test_first_occurrence_wins_and_empty_is_none(self) -> None:
        record = parse_ecia(f"[)>{RS}06{GS}K{GS}Q5{GS}Q7{GS}6D20240117{GS}4Lde")
        assert record is not None
        assert standard_fields(record) == {"quantity": 5, "ship_date": "2024-01-17", "country_of_origin": "DE"}

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("0025", 25),
            ("2.5", 2.5),
            ("2,50", 2.5),
            ("10.00", 10),
            ("1,000", None),  # a thousand with US grouping, or one with a decimal comma: never guessed
            ("12,500", None),
            ("0,125", 0.125),  # no grouping starts with 0
            ("1,2500", 1.25),
            ("1.000", 1),  # a dot is the decimal point of EIGP-114's own (US) convention
            ("", None),
            (None, None),
            ("1e3", None),
            ("-1", None),
            ("٣", None),
        ],
    )
    def test_parse_quantity(self, value: str | None, expected: float | None) -> None:
        assert parse_quantity(value) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("20240117", "2024-01-17"), ("20240230", None), ("2024011", None), ("２０２４０１１７", None), (None, None)],
    )
    def test_parse_ship_date(self, value: str | None, expected: str | None) -> None:
        assert parse_ship_date(value) == expected

    def test_split_data_identifier(self) -> None:
        assert split_data_identifier("11K1") == EciaElement("11K", "1")
        assert split_data_identifier("K") == EciaElement("K", "")
        assert split_data_identifier("1234P") is None
        assert split_data_identifier("") is None

    def test_fields_from_pairs(self) -> None:
        assert fields_from_pairs([("a", "1"), ("a", "2"), ("a#2", "x")]) == {"a": "1", "a#2": "2", "a#2#2": "x"}
        assert fields_from_pairs([("a", "1"), ("a#2", "x"), ("a", "2")]) == {"a": "1", "a#2": "x", "a#3": "2"}

    def test_fields_from_pairs_is_linear_in_repeats(self) -> None:
        started = time.perf_counter()
        fields = fields_from_pairs([("Q", "1")] * 20_000)
        assert len(fields) == 20_000 and "Q#20000" in fields
        assert time.perf_counter() - started < 1.0


#: The installed plugins' declared ECIA formats, as the engine passes them.
PROFILES = Engine(":memory:").formats.segmentation_profiles


def segment(body: str) -> tuple[tuple[EciaElement, ...], ...]:
    return segment_elements(body, PROFILES)


class TestSegmentElements:
    def test_digikey_reads_one_way(self) -> None:
        assert segment(run_together(DIGIKEY)) == (parse_ecia(DIGIKEY).elements,)  # type: ignore[union-attr]

    def test_mouser_reads_one_way(self) -> None:
        assert segment(run_together(MOUSER)) == (parse_ecia(MOUSER).elements,)  # type: ignore[union-attr]

    def test_without_declared_formats_only_the_generic_profile_reads(self) -> None:
        # The core alone has no supplier's profile: the run-together label reads several ways.
        assert len(segment_elements(run_together(DIGIKEY))) > 1

    def test_truly_ambiguous_gives_every_reading(self) -> None:
        readings = {tuple((e.identifier, e.value) for e in reading) for reading in segment("Q251PABC")}
        assert readings == {(("Q", "25"), ("1P", "ABC")), (("Q", "251"), ("P", "ABC"))}

    def test_generic_label_is_ambiguous(self) -> None:
        # An unknown vendor's run-together label: "KPO-71PLM" may be K "PO-7" and 1P or K "PO-71" and P, Q "1001"
        # and T may stand for Q "100" and 1T, ... The first few readings come back, fewest empty values and then
        # most elements first: here the true one first.
        readings = segment(run_together(GENERIC_ECIA))
        assert len(readings) > 1
        assert readings[0] == parse_ecia(GENERIC_ECIA).elements  # type: ignore[union-attr]

    def test_supplier_readings_that_break_a_profile_rule_are_ambiguous(self) -> None:
        # A marketplace label (no "-ND" in 30P) whose MPN could hold "30P...": both readings, never one.
        readings = segment("P0000-0001P030P0000-000K1K0000000011K1Q111ZPICK12Z013Z020Z")
        assert {reading[1].value for reading in readings} == {"0", "030P0000-000"}
        # Mouser prints what follows K and 14K in any order: "1VTexas Instruments4LMY" reads two ways.
        assert len(segment("K014K0011P0Q11VTexas Instruments4LMY")) == 2

    def test_newer_digikey_label_with_30p_lot_and_date_code(self) -> None:
        label = (
            f"[)>{RS}06{GS}PR-0042{GS}1PLM358DR{GS}30P296-1395-5-ND{GS}K{GS}1K81234567{GS}10K98765432{GS}9D2137"
            f"{GS}1TLOT123{GS}11K1{GS}4LCN{GS}Q10{GS}11ZPICK{GS}12Z7654321{GS}13Z123456{GS}20Z000000{RS}{EOT}"
        )
        assert segment(run_together(label)) == (parse_ecia(label).elements,)  # type: ignore[union-attr]

    @pytest.mark.parametrize("body", ["", "lowercase only", "1234", "-ND"])
    def test_nothing_fits(self, body: str) -> None:
        assert segment(body) == ()

    def test_bounded_on_hostile_input(self) -> None:
        hostile = ("K1K11K4LQ1P" * 60)[:MAX_RUN_TOGETHER]
        started = time.perf_counter()
        segment(hostile)
        segment("Q1" * 4096)
        assert time.perf_counter() - started < 2.0


@settings(max_examples=150, deadline=None)
@given(ecia_labels(vocabulary_only=False))
def test_canonical_round_trip(label: str) -> None:
    record = parse_ecia(label)
    assert record is not None
    assert parse_ecia(canonical_ecia(record)) == record
    assert canonical_ecia(record) == label


@settings(max_examples=150, deadline=None)
@given(st.lists(ecia_elements(vocabulary_only=False), min_size=1, max_size=10))
def test_elements_survive_the_envelope(elements: list[tuple[str, str]]) -> None:
    text = f"[)>{RS}06{GS}" + GS.join(identifier + value for identifier, value in elements) + RS + EOT
    record = parse_ecia(text)
    expected = [(identifier, value) for identifier, value in elements if identifier + value]
    expected[-1] = (expected[-1][0], expected[-1][1].rstrip(" \t\r\n"))
    assert record is not None
    assert [(e.identifier, e.value) for e in record.elements] == expected


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("[)>06\x1d\x1e\x04PQK1Z-ab ")) | st.text())
def test_parse_is_total(text: str) -> None:
    record = parse_ecia(text)
    if record is not None:
        assert parse_ecia(canonical_ecia(record)) == record


class TestDecodedFromEcia:
    def test_maps_the_standard_identifiers(self) -> None:
        record = parse_ecia(f"[)>{RS}06{GS}PX{GS}1PNE555{GS}Q5{GS}6D20240117{GS}4Lcn{GS}9D2403{RS}{EOT}")
        assert record is not None
        assert decoded_from_ecia(record, plugin="p", supplier="S") == Decoded(
            plugin="p",
            kind="supplier",
            supplier="S",
            customer_part_number="X",
            manufacturer_part_number="NE555",
            quantity=5,
            ship_date="2024-01-17",
            country_of_origin="CN",
            date_code="2403",
            fields={"P": "X", "1P": "NE555", "Q": "5", "6D": "20240117", "4L": "cn", "9D": "2403"},
        )

    def test_maps_every_override_to_its_field(self) -> None:
        record = parse_ecia(f"[)>{RS}06{GS}PX{GS}Q5{RS}{EOT}")
        assert record is not None
        overrides = {name: f"override-{name}" for name in CONTRACT_KEYS[3:18]}
        decoded = decoded_from_ecia(record, plugin="p", supplier="S", **overrides)
        assert decoded == Decoded(plugin="p", kind="supplier", supplier="S", fields={"P": "X", "Q": "5"}, **overrides)

    def test_an_override_that_is_no_field_is_refused(self) -> None:
        record = parse_ecia(f"[)>{RS}06{GS}PX{RS}{EOT}")
        assert record is not None
        with pytest.raises(TypeError):
            decoded_from_ecia(record, plugin="p", supplier="S", not_a_field="x")
