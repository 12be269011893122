"""The Mouser plugin: the label of docs/formats.md in both headers, its examples, and what it must leave alone."""

from __future__ import annotations

import attrs
import barcode_plugins_mouser as mouser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barcode_plugins import AmbiguousBarcode, Decoded, Engine
from barcode_plugins.formats.ecia import EOT, GS, RS
from barcode_plugins.hooks.manager import PluginManager

ELEMENTS = ["KPO-0042", "14K003", "1PNE555DR", "Q50", "11K012345678", "4LMY", "1VTexas Instruments"]
# docs/formats.md, the Mouser example: the current header, and the broken one of old labels (no RS, a stray ">").
FORMATS_LABEL = "[)>" + RS + "06" + GS + GS.join(ELEMENTS) + RS + EOT
OLD_HEADER_LABEL = ">[)>06" + GS + GS.join(ELEMENTS)
EXPECTED = Decoded(
    plugin="mouser",
    kind="supplier",
    supplier="Mouser Electronics",
    manufacturer_part_number="NE555DR",
    manufacturer="Texas Instruments",
    quantity=50,
    purchase_order="PO-0042",
    purchase_order_line="003",
    packing_list_number="012345678",
    country_of_origin="MY",
    fields={
        "K": "PO-0042",
        "14K": "003",
        "1P": "NE555DR",
        "Q": "50",
        "11K": "012345678",
        "4L": "MY",
        "1V": "Texas Instruments",
    },
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(":memory:")


@pytest.mark.parametrize("label", [FORMATS_LABEL, OLD_HEADER_LABEL], ids=["header", "old-header"])
def test_formats_label(engine: Engine, label: str) -> None:
    direct = mouser.decode(label)
    assert direct == EXPECTED and list(direct.fields) == list(EXPECTED.fields)
    through_engine = engine.decode(label)
    assert attrs.evolve(through_engine, raw="", barcode_hash="") == EXPECTED
    assert through_engine.raw == label


def test_both_headers_give_the_same_barcode_hash(engine: Engine) -> None:
    assert engine.decode(OLD_HEADER_LABEL).barcode_hash == engine.decode(FORMATS_LABEL).barcode_hash


def test_customer_part_number_in_p() -> None:
    decoded = mouser.decode(FORMATS_LABEL.replace(GS + "1P", GS + "PCPN-1187" + GS + "1P"))
    assert (decoded.customer_part_number, decoded.supplier_part_number) == ("CPN-1187", None)


@pytest.mark.parametrize(
    "elements",
    [
        ["KPO-0042", "1PNE555DR", "Q50", "11K012345678", "4LMY", "1VTexas Instruments"],  # 1V alone is no mark
        ["KPO-0042", "4K003", "1PNE555DR", "Q50", "1VTexas Instruments"],  # a standard PO line
        ["KPO-0042", "14K003", "Q50"],  # no MPN: Mouser labels always name the part by it
        ["KPO-0042", "14KABC", "1PNE555DR", "Q50"],  # a line number is digits
    ],
)
def test_not_claimed_without_mousers_marks(elements: list[str]) -> None:
    assert mouser.decode("[)>" + RS + "06" + GS + GS.join(elements) + RS + EOT) is None


def test_standard_identifiers_other_vendors_print_do_not_make_it_anothers(engine: Engine) -> None:
    # 1K and 10K are standard (sales order, invoice): a Mouser label carrying them is still Mouser's.
    label = "[)>" + RS + "06" + GS + GS.join(["KPO-7", "14K1", "P4711", "1PNE555DR", "1K123", "10K98765", "Q5"])
    assert engine.decode(label).plugin == "mouser"


@pytest.mark.parametrize(
    "elements",
    [
        ["KPO-0042", "14K003", "P497-1234-1-ND", "1PNE555DR", "Q50"],  # Digi-Key's part number
        ["K", "14K1", "1PNE555DR", "Q50", "11ZPICK", "12Z7654321"],  # Digi-Key's Z fields
        ["K", "14K1", "1PNE555DR", "30P296-1395-5-ND", "Q50"],
    ],
)
def test_mouser_marks_beside_anothers_are_ambiguous_not_guessed(engine: Engine, elements: list[str]) -> None:
    # The plugin lists no other supplier's marks: two plugins claiming one scan is the engine's to report.
    with pytest.raises(AmbiguousBarcode, match="digikey"):
        engine.decode("[)>" + RS + "06" + GS + GS.join(elements) + RS + EOT)


@given(mouser.barcode_examples())
def test_examples(example) -> None:
    decoded = mouser.decode(example.text)
    assert decoded == example.expected
    assert [*decoded.fields.items()] == [*example.expected.fields.items()]


@given(
    vendor_elements=st.lists(
        st.sampled_from(["K", "1K", "4K", "11K", "P", "1P", "Q", "1T", "10D", "4L", "1V", "S"]).flatmap(
            lambda di: st.from_regex(r"[A-Za-z0-9 ./-]{0,10}", fullmatch=True).map(lambda value: di + value)
        ),
        min_size=1,
    )
)
def test_generic_vendor_labels_are_not_claimed(vendor_elements: list[str]) -> None:
    assert mouser.decode("[)>" + RS + "06" + GS + GS.join(vendor_elements)) is None


@pytest.fixture(scope="module", params=["digikey", "lcsc", "tme"])
def other_supplier(request: pytest.FixtureRequest):
    return pytest.importorskip(f"barcode_plugins_{request.param}")


@settings(max_examples=60)
@given(data=st.data())
def test_other_suppliers_examples_are_not_claimed(other_supplier, data: st.DataObject) -> None:
    example = data.draw(other_supplier.barcode_examples(), label="example")
    assert mouser.decode(example.text) is None


def test_loads_from_its_entry_point() -> None:
    infos = {info.name: info for info in PluginManager(only=["mouser"]).plugin_infos()}
    assert infos["mouser"].status == "loaded"
    assert infos["mouser"].distribution == "barcode-plugins-mouser"
    assert "decode" in infos["mouser"].hooks and "barcode_examples" in infos["mouser"].hooks


def test_huge_text_is_refused_early() -> None:
    assert mouser.decode("[)>" + RS + "06" + GS + "1PNE555DR" + GS + GS.join(["14K1"] * 20_000)) is None


# -- every key Mouser prints, and the field it fills (docs/formats.md, "Mouser") ----------------------------------
_BASE = ["KPO-0042", "14K003", "1PNE555DR", "Q50"]


@pytest.mark.parametrize(
    ("element", "field", "value"),
    [
        ("PCPN-1187", "customer_part_number", "CPN-1187"),
        ("11K012345678", "packing_list_number", "012345678"),
        ("4LMY", "country_of_origin", "MY"),
        ("1VTexas Instruments", "manufacturer", "Texas Instruments"),
        ("1TLOT-7", "lot_code", "LOT-7"),
        ("9D2401", "date_code", "2401"),
        ("10D2401", "date_code", "2401"),
        ("1K12345", "supplier_order_number", "12345"),
        ("10K98765", "invoice_number", "98765"),
        ("6D20240117", "ship_date", "2024-01-17"),
    ],
)
def test_each_key_fills_its_field(element: str, field: str, value: str) -> None:
    decoded = mouser.decode("[)>" + RS + "06" + GS + GS.join([*_BASE, element]) + RS + EOT)
    assert getattr(decoded, field) == value


def test_the_keys_every_label_carries() -> None:
    decoded = mouser.decode("[)>" + RS + "06" + GS + GS.join(_BASE) + RS + EOT)
    assert (decoded.purchase_order, decoded.purchase_order_line) == ("PO-0042", "003")
    assert (decoded.manufacturer_part_number, decoded.quantity, decoded.supplier_part_number) == ("NE555DR", 50, None)
