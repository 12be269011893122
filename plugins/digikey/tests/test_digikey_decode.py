"""The Digi-Key plugin: the label of docs/formats.md, its own examples, totality, and leaving other labels alone."""

from __future__ import annotations

import attrs
import barcode_plugins_digikey as digikey
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barcode_plugins import Decoded, Engine
from barcode_plugins.formats.ecia import EOT, GS, RS
from barcode_plugins.hooks.manager import PluginManager

# docs/formats.md, the Digi-Key example: no trailer, empty K (the buyer gave no PO number).
FORMATS_LABEL = (
    "[)>"
    + RS
    + "06"
    + GS
    + GS.join(
        [
            "P497-1234-1-ND",
            "1PSTM32F103C8T6",
            "K",
            "1K81234567",
            "10K98765432",
            "11K1",
            "4LCN",
            "Q25",
            "11ZPICK",
            "12Z7654321",
            "13Z123456",
            "20Z" + "0" * 40,
        ]
    )
)
FORMATS_DECODED = Decoded(
    plugin="digikey",
    kind="supplier",
    supplier="Digi-Key",
    supplier_part_number="497-1234-1-ND",
    manufacturer_part_number="STM32F103C8T6",
    quantity=25,
    supplier_order_number="81234567",
    invoice_number="98765432",
    packing_list_number="1",
    country_of_origin="CN",
    fields={
        "P": "497-1234-1-ND",
        "1P": "STM32F103C8T6",
        "K": "",
        "1K": "81234567",
        "10K": "98765432",
        "11K": "1",
        "4L": "CN",
        "Q": "25",
        "11Z": "PICK",
        "12Z": "7654321",
        "13Z": "123456",
        "20Z": "0" * 40,
    },
)
# "Newer labels put the part number in 30P instead of P": the same label, P now repeating the Digi-Key number.
NEWER_LABEL = FORMATS_LABEL.replace(GS + "K" + GS, GS + "30P497-1234-1-ND" + GS + "K" + GS) + RS + EOT
NEWER_FIELDS = {
    "P": "497-1234-1-ND",
    "1P": "STM32F103C8T6",
    "30P": "497-1234-1-ND",
    **{key: value for key, value in FORMATS_DECODED.fields.items() if key not in ("P", "1P")},
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(":memory:")


def _without_identity(decoded: Decoded) -> Decoded:
    return attrs.evolve(decoded, raw="", barcode_hash="")


def test_formats_label_decodes_in_label_order() -> None:
    decoded = digikey.decode(FORMATS_LABEL)
    assert decoded == FORMATS_DECODED
    assert list(decoded.fields) == list(FORMATS_DECODED.fields)


def test_formats_label_through_the_engine(engine: Engine) -> None:
    decoded = engine.decode(FORMATS_LABEL)
    assert _without_identity(decoded) == FORMATS_DECODED
    assert decoded.raw == FORMATS_LABEL and len(decoded.barcode_hash) == 64


@pytest.mark.parametrize("through_engine", [False, True])
def test_newer_label_takes_the_part_number_from_30p(engine: Engine, through_engine: bool) -> None:
    decoded = engine.decode(NEWER_LABEL) if through_engine else digikey.decode(NEWER_LABEL)
    assert _without_identity(decoded) == attrs.evolve(FORMATS_DECODED, fields=NEWER_FIELDS)
    assert list(decoded.fields) == list(NEWER_FIELDS)


def test_p_beside_30p_is_the_buyers_part_number() -> None:
    label = NEWER_LABEL.replace(GS + "P497-1234-1-ND", GS + "PR-0042")
    decoded = digikey.decode(label)
    assert decoded.customer_part_number == "R-0042"
    assert decoded.supplier_part_number == "497-1234-1-ND"


@pytest.mark.parametrize(
    "elements",
    [
        ["P497-1234-1-ND", "1PNE555", "Q1"],  # part number alone
        ["30P296-1395-5-ND", "1PNE555", "Q1"],
        ["P2648-SC0918", "1PSC0918", "Q1", "11ZPICK"],  # a marketplace number: the Z fields tell
        ["1PNE555", "Q1", "13Z123456"],
        ["KPO-7", "14K003", "P497-1234-1-ND", "1PNE555", "Q1"],  # a Mouser-style line does not make it Mouser's
    ],
)
def test_recognised_by_any_digikey_mark(elements: list[str]) -> None:
    decoded = digikey.decode("[)>" + RS + "06" + GS + GS.join(elements) + RS + EOT)
    assert decoded is not None and decoded.supplier == "Digi-Key"


@pytest.mark.parametrize(
    "elements",
    [
        ["KPO-7", "1PNE555", "10K98765432", "Q1"],  # 10K, the invoice number, is standard: others print it too
        ["K", "1K81234567", "P1469879", "1PNE555", "Q1"],  # K, 1K and P alone are every vendor's
    ],
)
def test_standard_identifiers_alone_claim_nothing(elements: list[str]) -> None:
    assert digikey.decode("[)>" + RS + "06" + GS + GS.join(elements) + RS + EOT) is None


@given(digikey.barcode_examples())
def test_examples_decode_to_exactly_their_expected_result(example) -> None:
    decoded = digikey.decode(example.text)
    assert decoded == example.expected
    assert list(decoded.fields.items()) == list(example.expected.fields.items())


ECIA_ALPHABET = st.sampled_from([GS, RS, EOT, "P", "1P", "30P", "K", "10K", "11Z", "-ND", "Q", "0", "9", " ", "é"])


@given(st.text() | st.lists(ECIA_ALPHABET).map(lambda parts: "[)>" + RS + "06" + GS + "".join(parts)))
def test_decode_never_raises(text: str) -> None:
    decoded = digikey.decode(text)
    assert decoded is None or decoded.supplier == "Digi-Key"


# Standard identifiers other vendors use, without any Digi-Key mark.
OTHER_VENDOR_ELEMENTS = st.sampled_from(["K", "1K", "4K", "14K", "11K", "1P", "Q", "1T", "9D", "6D", "4L", "1V", "S"])


@given(
    st.lists(st.tuples(OTHER_VENDOR_ELEMENTS, st.from_regex(r"[A-Z0-9 .-]{0,12}", fullmatch=True)), min_size=1),
    st.none() | st.from_regex(r"[A-Z0-9-]{1,10}", fullmatch=True).filter(lambda pn: not pn.endswith("-ND")),
)
def test_other_vendors_ecia_labels_are_not_claimed(elements: list[tuple[str, str]], part_number) -> None:
    if part_number is not None:
        elements = [("P", part_number), *elements]
    label = "[)>" + RS + "06" + GS + GS.join(di + value for di, value in elements) + RS + EOT
    assert digikey.decode(label) is None


@pytest.mark.parametrize("other", ["mouser", "lcsc", "tme"])
def test_other_suppliers_examples_are_not_claimed(other: str) -> None:
    other_plugin = pytest.importorskip(f"barcode_plugins_{other}")

    @settings(max_examples=60, deadline=None)  # a shared, loaded machine: time is not what is checked
    @given(other_plugin.barcode_examples())
    def not_claimed(example) -> None:
        assert digikey.decode(example.text) is None

    not_claimed()


def test_registered_under_its_entry_point() -> None:
    manager = PluginManager(only=["digikey"])
    (info,) = [info for info in manager.plugin_infos() if info.name == "digikey"]
    assert (info.status, info.distribution) == ("loaded", "barcode-plugins-digikey")
    assert set(info.hooks) == {"decode", "barcode_examples", "label_formats"}


def test_far_too_many_elements_is_not_a_digikey_label() -> None:
    label = "[)>" + RS + "06" + GS + GS.join(["P497-1234-1-ND", *["11ZPICK"] * 5000]) + RS + EOT
    assert digikey.decode(label) is None


# -- every key Digi-Key prints, and the field it fills (docs/formats.md, "Digi-Key") ------------------------------
_BASE = ["P497-1234-1-ND", "1PSTM32F103C8T6", "Q25"]


@pytest.mark.parametrize(
    ("element", "field", "value"),
    [
        ("KPO-0042", "purchase_order", "PO-0042"),
        ("1K81234567", "supplier_order_number", "81234567"),
        ("10K98765432", "invoice_number", "98765432"),
        ("11K1", "packing_list_number", "1"),
        ("1TLOT123", "lot_code", "LOT123"),
        ("9D2137", "date_code", "2137"),
        ("10D2137", "date_code", "2137"),
        ("6D20240117", "ship_date", "2024-01-17"),
        ("4LCN", "country_of_origin", "CN"),
        ("1VTexas Instruments", "manufacturer", "Texas Instruments"),
        ("SSN-1", "serial_number", "SN-1"),
        ("4K3", "purchase_order_line", "3"),
    ],
)
def test_each_key_fills_its_field(element: str, field: str, value: str) -> None:
    decoded = digikey.decode("[)>" + RS + "06" + GS + GS.join([*_BASE, element]) + RS + EOT)
    assert getattr(decoded, field) == value


def test_part_numbers_quantity_and_the_z_fields() -> None:
    decoded = digikey.decode(
        "[)>" + RS + "06" + GS + GS.join(["PR-0042", "1PLM358DR", "30P296-1395-5-ND", "Q10", "11ZPICK", "12Z7",
                                          "13Z8", "20Z000"]) + RS + EOT
    )  # fmt: skip
    assert (decoded.supplier_part_number, decoded.customer_part_number) == ("296-1395-5-ND", "R-0042")
    assert (decoded.manufacturer_part_number, decoded.quantity) == ("LM358DR", 10)
    assert {key: decoded.fields[key] for key in ("11Z", "12Z", "13Z", "20Z")} == {
        "11Z": "PICK", "12Z": "7", "13Z": "8", "20Z": "000"}  # fmt: skip
