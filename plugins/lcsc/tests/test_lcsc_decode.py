"""The LCSC plugin: the label of docs/formats.md, brace lists that are not LCSC's, its examples, exclusivity."""

from __future__ import annotations

import attrs
import barcode_plugins_lcsc as lcsc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barcode_plugins import Decoded, Engine
from barcode_plugins.hooks.manager import PluginManager

FORMATS_LABEL = (
    "{pbn:PICK2311070042,on:SO2311070042,pc:C25804,pm:0603WAF1002T5E,qty:100,mc:,cc:1,pdi:98765432,hp:0,wc:JS}"
)
FORMATS_FIELDS = {
    "pbn": "PICK2311070042",
    "on": "SO2311070042",
    "pc": "C25804",
    "pm": "0603WAF1002T5E",
    "qty": "100",
    "mc": "",
    "cc": "1",
    "pdi": "98765432",
    "hp": "0",
    "wc": "JS",
}
FORMATS_DECODED = Decoded(
    plugin="lcsc",
    kind="supplier",
    supplier="LCSC",
    supplier_part_number="C25804",
    manufacturer_part_number="0603WAF1002T5E",
    quantity=100,
    supplier_order_number="SO2311070042",
    packing_list_number="PICK2311070042",
    fields=FORMATS_FIELDS,
)


def test_formats_label() -> None:
    decoded = lcsc.decode(FORMATS_LABEL)
    assert decoded == FORMATS_DECODED
    assert list(decoded.fields) == list(FORMATS_FIELDS)


def test_formats_label_through_the_engine() -> None:
    with Engine(":memory:") as engine:
        decoded = engine.decode(FORMATS_LABEL)
    assert attrs.evolve(decoded, raw="", barcode_hash="") == FORMATS_DECODED


@pytest.mark.parametrize(
    ("label", "fields"),
    [
        ("{pc:C1,pm:BAT54S,215,qty:3000}", {"pc": "C1", "pm": "BAT54S,215", "qty": "3000"}),  # comma in the MPN
        ("{pc:C1,pm:ABC:1}", {"pc": "C1", "pm": "ABC:1"}),  # the key ends at the first colon
        ("{pc:C1,xyz:,new_key:7}", {"pc": "C1", "xyz": "", "new_key": "7"}),  # unknown keys, empty values
        ("{pc:C1,pc:C2}", {"pc": "C1", "pc#2": "C2"}),  # a repeat is kept, the first one counts
        ("{pc: C1, qty: 5}", {"pc": "C1", "qty": "5"}),  # spaces around pairs are not part of them
    ],
)
def test_unusual_but_valid_labels(label: str, fields: dict[str, str]) -> None:
    decoded = lcsc.decode(label)
    assert decoded is not None and decoded.supplier_part_number == "C1"
    assert list(decoded.fields.items()) == list(fields.items())


def test_empty_values_are_null_in_the_contract_fields() -> None:
    decoded = lcsc.decode("{pbn:,on:,pc:C7,pm:,qty:}")
    assert (decoded.packing_list_number, decoded.supplier_order_number) == (None, None)
    assert (decoded.manufacturer_part_number, decoded.quantity) == (None, None)
    assert decoded.fields["pm"] == ""


@pytest.mark.parametrize(
    "text",
    [
        '{"stockitem": 42}',
        '{"pc": "C25804"}',
        "{}",
        "{pc:}",
        "{pc:25804}",
        "{pc:C25804X}",
        "{PC:C25804}",  # keys are lowercase
        "{qty:100,pm:0603WAF1002T5E}",  # no LCSC part number
        "pc:C25804,qty:100",  # no braces
        "{pc:C25804,qty:100",
        "{Hello, world: C1}",
        "{,pc:C1}",
    ],
)
def test_other_brace_text_is_not_claimed(text: str) -> None:
    assert lcsc.decode(text) is None


def test_internal_json_still_decodes_as_internal() -> None:
    decoded = Engine(":memory:").decode('{"stockitem": 42}')
    assert decoded.kind == "internal"


@given(lcsc.barcode_examples())
def test_examples_decode_to_their_expected_result(example) -> None:
    decoded = lcsc.decode(example.text)
    assert decoded == example.expected
    assert tuple(decoded.fields.items()) == tuple(example.expected.fields.items())


@given(st.text() | st.text(alphabet="{}:,pcqtyC0123 \"'").map(lambda body: "{" + body + "}"))
def test_decode_is_total(text: str) -> None:
    decoded = lcsc.decode(text)
    assert decoded is None or decoded.supplier_part_number.startswith("C")


@pytest.mark.parametrize(
    "label",
    [
        "[)>\x1e06\x1dPC25804\x1d1P0603WAF1002T5E\x1dQ100\x1e\x04",  # a vendor's ECIA label with a C-number
        "[)>\x1e06\x1dK{pc:C1}\x1d1PX\x1e\x04",
    ],
)
def test_ecia_labels_are_not_claimed(label: str) -> None:
    assert lcsc.decode(label) is None


@pytest.mark.parametrize("supplier", ["digikey", "mouser", "tme"])
def test_other_suppliers_labels_are_not_claimed(supplier: str) -> None:
    examples = pytest.importorskip(f"barcode_plugins_{supplier}").barcode_examples()
    settings(max_examples=60)(given(examples)(_assert_not_claimed))()


def _assert_not_claimed(example) -> None:
    assert lcsc.decode(example.text) is None


def test_entry_point() -> None:
    info = next(info for info in PluginManager(only=["lcsc"]).plugin_infos() if info.name == "lcsc")
    assert info.status == "loaded" and info.distribution == "barcode-plugins-lcsc" and not info.builtin


def test_a_label_with_thousands_of_pairs_is_not_lcscs() -> None:
    assert lcsc.decode("{pc:C1" + ",a:" * 30_000 + "}") is None
    assert lcsc.decode("{pc:C1,pm:X" + ",0" * 30_000 + "}").fields["pm"].startswith("X,0,0")


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["pc", "pm", "qty", "pbn", "x_1", "Pc", " pm"]),
            st.sampled_from(["", "C25804", "C1", "0603WAF", "A:B", "a b", "BAT54S,215", " 7 ", "{", "}", "7\t"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_plain_labels_read_like_the_general_loop(pairs: list[tuple[str, str]]) -> None:
    # read_label takes a regex shortcut for labels whose values hold no space, comma or brace: same pairs.
    from barcode_plugins_lcsc import _PAIR, _PLAIN_LABEL, read_pairs

    from barcode_plugins.formats.ecia import fields_from_pairs

    text = "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"
    if _PLAIN_LABEL.match(text):
        assert fields_from_pairs(_PAIR.findall(text)) == read_pairs(text)


# -- every key LCSC prints, and the field it fills (docs/formats.md, "LCSC") --------------------------------------
@pytest.mark.parametrize(
    ("pair", "field", "value"),
    [
        ("pm:0603WAF1002T5E", "manufacturer_part_number", "0603WAF1002T5E"),
        ("qty:100", "quantity", 100),
        ("on:SO2311070042", "supplier_order_number", "SO2311070042"),
        ("pbn:PICK2311070042", "packing_list_number", "PICK2311070042"),
    ],
)
def test_each_key_fills_its_field(pair: str, field: str, value: object) -> None:
    decoded = lcsc.decode("{pc:C25804," + pair + "}")
    assert decoded.supplier_part_number == "C25804"
    assert getattr(decoded, field) == value


@pytest.mark.parametrize("pair", ["mc:X1", "cc:1", "pdi:98765432", "hp:0", "wc:JS"])
def test_keys_without_a_field_stay_in_fields_only(pair: str) -> None:
    decoded = lcsc.decode("{pc:C25804," + pair + "}")
    key, value = pair.split(":")
    assert decoded.fields[key] == value
    mapped = {str(v) for k, v in attrs.asdict(decoded).items() if k not in ("fields", "raw") and v is not None}
    assert value not in mapped
