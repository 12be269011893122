"""The TME plugin: both labels of docs/formats.md, QR and DataMatrix variations, strictness, its examples."""

from __future__ import annotations

import attrs
import barcode_plugins_tme as tme
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barcode_plugins import Decoded, Engine
from barcode_plugins.hooks.manager import PluginManager

QR_LABEL = (
    "QTY:10 PN:1N4148-DIO PO:21345678/3 CPO:PO-2024-0117 MFR:VISHAY MPN:1N4148-TAP RoHS "
    "https://www.tme.eu/details/1N4148-DIO"
)
QR_DECODED = Decoded(
    plugin="tme",
    kind="supplier",
    supplier="TME",
    supplier_part_number="1N4148-DIO",
    manufacturer_part_number="1N4148-TAP",
    manufacturer="VISHAY",
    quantity=10,
    purchase_order="PO-2024-0117",
    purchase_order_line="3",
    supplier_order_number="21345678",
    fields={
        "QTY": "10",
        "PN": "1N4148-DIO",
        "PO": "21345678/3",
        "CPO": "PO-2024-0117",
        "MFR": "VISHAY",
        "MPN": "1N4148-TAP",
        "word": "RoHS",
        "url": "https://www.tme.eu/details/1N4148-DIO",
    },
)
DATAMATRIX_LABEL = "P1N4148-DIO 1P1N4148-TAP Q10 K21345678/3"
# K is TME's order 21345678, line 3: not the buyer's PO.
DATAMATRIX_DECODED = Decoded(
    plugin="tme",
    kind="supplier",
    supplier="TME",
    supplier_part_number="1N4148-DIO",
    manufacturer_part_number="1N4148-TAP",
    quantity=10,
    purchase_order_line="3",
    supplier_order_number="21345678",
    fields={"P": "1N4148-DIO", "1P": "1N4148-TAP", "Q": "10", "K": "21345678/3"},
)
FORMATS = pytest.mark.parametrize(
    ("label", "expected"), [(QR_LABEL, QR_DECODED), (DATAMATRIX_LABEL, DATAMATRIX_DECODED)], ids=["qr", "datamatrix"]
)


@FORMATS
def test_formats_labels(label: str, expected: Decoded) -> None:
    decoded = tme.decode(label)
    assert decoded == expected
    assert list(decoded.fields) == list(expected.fields)


@FORMATS
def test_formats_labels_through_the_engine(label: str, expected: Decoded) -> None:
    decoded = Engine(":memory:").decode(label + "\r\n")  # as a keyboard-wedge scanner types it
    assert attrs.evolve(decoded, raw="", barcode_hash="") == expected


def test_qr_values_with_colons_unknown_keys_and_several_words() -> None:
    decoded = tme.decode("PN:SMD0805-10K MPN:ABC:1 CPO:PO:17 LOT:X1 RoHS  ESD\tHTTPS://TME.EU/X")
    assert (decoded.manufacturer_part_number, decoded.purchase_order) == ("ABC:1", "PO:17")
    assert list(decoded.fields.items()) == [
        ("PN", "SMD0805-10K"),
        ("MPN", "ABC:1"),
        ("CPO", "PO:17"),
        ("LOT", "X1"),
        ("word", "RoHS"),
        ("word#2", "ESD"),
        ("url", "HTTPS://TME.EU/X"),
    ]


@pytest.mark.parametrize(
    ("order_value", "order", "line"),
    [
        ("21345678/3", "21345678", "3"),
        ("21345678", "21345678", None),
        ("2134/5678/12", "2134/5678", "12"),
        ("21345678/", "21345678/", None),
        ("", None, None),
    ],
)
def test_order_and_line(order_value: str, order: str | None, line: str | None) -> None:
    decoded = tme.decode(f"QTY:1 PN:X PO:{order_value}")
    assert (decoded.supplier_order_number, decoded.purchase_order_line) == (order, line)
    datamatrix = tme.decode(f"PX 1PY Q1 K{order_value}")
    assert (datamatrix.supplier_order_number, datamatrix.purchase_order_line, datamatrix.purchase_order) == (
        order,
        line,
        None,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Please Quote 1Page Kindly",  # capitalised words: DI-shaped, but no numeric Q
        "Pencil 1Pen Q Kit",
        "P1N4148-DIO Q10",  # no MPN
        "P1N4148-DIO 1P1N4148-TAP Q10 hello",  # a word that is no DI element
        "PN:1N4148-DIO",  # PN and nothing else of TME's
        "PN: QTY:10",  # empty PN
        "QTY:10 MPN:X",
        "Qty:10 Pn:1N4148-DIO",
        "bp:stockitem:42",
        '{"stockitem": 42}',
        "{pc:C25804,qty:100}",
        "[)>\x1e06\x1dP1N4148-DIO\x1d1P1N4148-TAP\x1dQ10\x1e\x04",
        "QTY:10 PN:1N4148-DIO\x1dMPN:X",
        "",
    ],
)
def test_not_claimed(text: str) -> None:
    assert tme.decode(text) is None


@given(st.lists(st.from_regex(r"[A-Z][a-z]{0,8}", fullmatch=True), min_size=1).map(" ".join))
def test_capitalised_words_are_not_claimed(text: str) -> None:
    assert tme.decode(text) is None


@given(tme.barcode_examples())
def test_examples_decode_exactly(example) -> None:
    decoded = tme.decode(example.text)
    assert decoded == example.expected
    assert list(decoded.fields) == list(example.expected.fields)


TOKENS = st.sampled_from(["QTY:", "PN:", "PO:", "/", "P", "1P", "Q", "K", "1", ":", " ", "\t", "https://", "x"])


@given(st.text() | st.lists(TOKENS).map("".join))
def test_never_raises(text: str) -> None:
    decoded = tme.decode(text)
    assert decoded is None or decoded.supplier == "TME"


@pytest.mark.parametrize("plugin_name", ["digikey", "mouser", "lcsc"])
def test_other_suppliers_examples_are_not_claimed(plugin_name: str) -> None:
    other = pytest.importorskip(f"barcode_plugins_{plugin_name}")

    @settings(max_examples=60, deadline=None)  # a shared, loaded machine: time is not what is checked
    @given(st.data())
    def check(data: st.DataObject) -> None:
        assert tme.decode(data.draw(other.barcode_examples()).text) is None

    check()


def test_plugin_is_found_through_its_entry_point() -> None:
    manager = PluginManager(only=["tme"])
    assert manager.pm.get_plugin("tme") is None  # nothing loads before it is asked for
    manager.ensure_plugins_loaded()
    assert manager.pm.get_plugin("tme") is tme


@pytest.mark.parametrize("text", ["PN:X QTY:1 " * 5000, "P1 1P2 Q3 " * 5000])
def test_thousands_of_tokens_are_refused(text: str) -> None:
    assert tme.decode(text) is None


_PIECES = ["PN:X", "1P", " ", "\t", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\xa0", "\u2028", "Q"]


@given(st.lists(st.sampled_from(_PIECES)).map("".join))
def test_token_split_shortcut_agrees_with_the_separators(text: str) -> None:
    import re

    from barcode_plugins_tme import split_tokens

    assert split_tokens(text) == [token for token in re.split(r"[ \t\r\n]+", text) if token]


# -- every key TME prints, and the field it fills (docs/formats.md, "TME") ----------------------------------------
@pytest.mark.parametrize(
    ("token", "field", "value"),
    [
        ("PO:21345678/3", "supplier_order_number", "21345678"),
        ("PO:21345678/3", "purchase_order_line", "3"),
        ("CPO:PO-2024-0117", "purchase_order", "PO-2024-0117"),
        ("MFR:VISHAY", "manufacturer", "VISHAY"),
        ("MPN:1N4148-TAP", "manufacturer_part_number", "1N4148-TAP"),
        ("CoO:CN", "country_of_origin", "CN"),
        ("COO:tw", "country_of_origin", "TW"),
        ("ORIGIN:DE", "country_of_origin", "DE"),
        ("LOT:A2411", "lot_code", "A2411"),
    ],
)
def test_each_qr_key_fills_its_field(token: str, field: str, value: str) -> None:
    decoded = tme.decode(f"QTY:10 PN:1N4148-DIO {token}")
    assert (decoded.supplier_part_number, decoded.quantity) == ("1N4148-DIO", 10)
    assert getattr(decoded, field) == value


@pytest.mark.parametrize(
    ("element", "field", "value"),
    [
        ("K21345678/3", "supplier_order_number", "21345678"),
        ("K21345678/3", "purchase_order_line", "3"),
        ("4LCN", "country_of_origin", "CN"),
        ("1TLOT42", "lot_code", "LOT42"),
        ("9D2401", "date_code", "2401"),
        ("1VVISHAY", "manufacturer", "VISHAY"),
    ],
)
def test_each_datamatrix_key_fills_its_field(element: str, field: str, value: str) -> None:
    text = f"P1N4148-DIO 1P1N4148-TAP Q10 {element}"
    for decoded in (tme.decode(text), Engine(":memory:").decode(text)):  # the engine routes it to TME too
        assert (decoded.supplier_part_number, decoded.manufacturer_part_number) == ("1N4148-DIO", "1N4148-TAP")
        assert getattr(decoded, field) == value


def test_a_qr_label_with_its_country_of_origin_keeps_every_token() -> None:
    text = (
        "QTY:10 PN:1N4148-DIO PO:21345678/3 MFR:VISHAY MPN:1N4148-TAP CoO:CN RoHS https://www.tme.eu/details/1n4148-dio"
    )
    decoded = Engine(":memory:").decode(text)
    assert (decoded.plugin, decoded.country_of_origin) == ("tme", "CN")
    assert decoded.fields["CoO"] == "CN" and decoded.fields["word"] == "RoHS"
