"""Digi-Key labels: the ECIA EIGP-114 DataMatrix on Digi-Key bags and reels.

Digi-Key uses the standard envelope (``<GS>`` stands for 0x1D)::

    [)> RS 06 <GS>P497-1234-1-ND<GS>1PSTM32F103C8T6<GS>K<GS>1K81234567<GS>10K98765432<GS>11K1<GS>4LCN<GS>Q25
    <GS>11ZPICK<GS>12Z7654321<GS>13Z123456<GS>20Z000...0

with its own twists: ``P`` holds Digi-Key's part number (the standard says the customer's), newer labels carry
it in ``30P`` instead, ``K`` is empty when the buyer gave no PO number, and ``11Z``..``20Z`` are Digi-Key's own
(pick flag, internal part id, load id, padding), kept only in ``fields``.
"""

from __future__ import annotations

from typing import Any

from barcode_plugins import Decoded, LabelFormat, hookimpl
from barcode_plugins.formats.ecia import EciaRecord, decoded_from_ecia, parse_ecia

PLUGIN = "digikey"
SUPPLIER = "Digi-Key"
#: Every Digi-Key part number ends so (``497-1234-1-ND``, ``296-1395-5-ND``).
PART_NUMBER_SUFFIX = "-ND"
#: Data identifiers only Digi-Key labels carry: its supplier-specific Z fields (the standard leaves ``11Z``..``20Z``
#: to the supplier). ``10K``, the invoice number, is standard: other vendors print it too, so it claims nothing.
DIGIKEY_IDENTIFIERS = frozenset({"11Z", "12Z", "13Z", "20Z"})
_NUMBER = r"[0-9]+"
#: The label as Digi-Key prints it: what identifies it, each element with the shape of its value, in print order.
LABEL_FORMAT = LabelFormat.ecia(
    PLUGIN,
    evidence=[
        {"P": r".*-ND"},
        {"30P": r".*-ND"},
        *({identifier: None} for identifier in sorted(DIGIKEY_IDENTIFIERS)),
    ],
    # No manufacturer part number holds a Digi-Key part number; its own numbers are digits; 11Z is PICK or empty.
    elements={
        **dict.fromkeys(("P", "30P", "K", "9D", "10D", "6D", "1T", "4L", "Q")),
        "1P": r"(?:(?!-ND).)+",
        "1K": _NUMBER,
        "10K": _NUMBER,
        "11K": _NUMBER,
        "11Z": "PICK",
        "12Z": _NUMBER,
        "13Z": _NUMBER,
        "20Z": _NUMBER,
    },
    order=("P", "1P", "30P", "K", "1K", "10K", "9D", "10D", "6D", "1T", "11K", "4L", "Q", "11Z", "12Z", "13Z", "20Z"),
    required=("P", "1P", "K", "1K", "11K", "Q"),
    may_be_empty=("K", "11Z", "20Z"),
)
#: A Digi-Key label carries about fifteen elements; text with far more is not one, and is refused before any
#: per-element work so that decode stays fast on huge input.
MAX_ELEMENTS = 64


def is_digikey_label(record: EciaRecord) -> bool:
    """A Digi-Key part number in ``P`` or ``30P``, or any of Digi-Key's own ``11Z``..``20Z`` identifiers."""
    if record.identifiers & DIGIKEY_IDENTIFIERS:
        return True
    return any((record.get(di) or "").endswith(PART_NUMBER_SUFFIX) for di in ("30P", "P"))


def _customer_part_number(record: EciaRecord) -> str | None:
    # Newer labels carry Digi-Key's number in 30P; P then repeats it, or holds the buyer's own part number when
    # the order gave one: "PR-0042<GS>1PNE555P<GS>30P296-1395-5-ND". Older labels have no 30P: P is Digi-Key's
    # number and the label carries no customer part number at all.
    digikey_part_number = record.get("30P")
    printed = record.get("P")
    if not digikey_part_number or not printed or printed == digikey_part_number:
        return None
    return None if printed.endswith(PART_NUMBER_SUFFIX) else printed


@hookimpl
def decode(text: str) -> Decoded | None:
    """Decode a Digi-Key label; ``None`` for any other text, including other vendors' ECIA labels."""
    record = parse_ecia(text)
    if record is None or len(record.pairs) > MAX_ELEMENTS or not is_digikey_label(record):
        return None
    return decoded_from_ecia(
        record,
        plugin=PLUGIN,
        supplier=SUPPLIER,
        supplier_part_number=record.get("30P") or record.get("P") or None,
        customer_part_number=_customer_part_number(record),
    )


@hookimpl
def label_formats() -> list[LabelFormat]:
    """Digi-Key's ECIA label: recognised by ``-ND`` part numbers or its ``11Z``..``20Z`` elements."""
    return [LABEL_FORMAT]


@hookimpl
def barcode_examples() -> Any:
    """Old (``P``) and new (``30P``) Digi-Key labels, with and without PO number, Z fields, lot, date code."""
    from hypothesis import strategies as st  # lazy: only the test suites need hypothesis

    from barcode_plugins import Example

    digikey_part_number = st.builds(
        "{}-{}{}-ND".format,
        st.integers(1, 9999),
        st.from_regex(r"[A-Z0-9][A-Z0-9./]{0,14}", fullmatch=True),
        st.sampled_from(["", "-1", "-2", "-6", "-5"]),  # cut tape, tape and reel, Digi-Reel, tube
    )
    # A marketplace part number without the suffix: the label is then recognised by its Z fields.
    marketplace_part_number = st.from_regex(r"[0-9]{4}-[A-Z0-9]{3,12}", fullmatch=True)
    buyer_written_po = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9 /_.-]{0,18}[A-Za-z0-9])?", fullmatch=True)

    @st.composite
    def examples(draw: Any) -> Example:
        newer_layout = draw(st.booleans())
        has_z_fields = draw(st.booleans())
        has_invoice = draw(st.booleans())
        part_number = draw(digikey_part_number | marketplace_part_number if has_z_fields else digikey_part_number)
        mpn = draw(st.from_regex(r"[A-Z0-9][A-Z0-9\-/.#+,]{0,24}", fullmatch=True))
        customer_po = draw(st.just("") | buyer_written_po)
        sales_order = draw(st.from_regex(r"[0-9]{8,9}", fullmatch=True))
        invoice = draw(st.from_regex(r"[0-9]{8,9}", fullmatch=True)) if has_invoice else None
        quantity = draw(st.integers(1, 10**9))
        quantity_text = draw(st.sampled_from(["{}", "{:06d}"])).format(quantity)
        country = draw(st.none() | st.sampled_from(["CN", "US", "MY", "TW", "JP", "DE", "PH", "TH", "MX"]))
        date_code = draw(st.none() | st.from_regex(r"[0-9]{2}(0[1-9]|[1-4][0-9]|5[0-3])", fullmatch=True))
        lot_code = draw(st.none() | st.from_regex(r"[A-Z0-9]{4,12}", fullmatch=True))
        customer_part = draw(st.none() | st.from_regex(r"[A-Z]{1,3}-[0-9]{3,6}", fullmatch=True))

        if newer_layout:
            elements = [("P", customer_part or part_number), ("1P", mpn), ("30P", part_number)]
        else:
            customer_part = None  # older labels have no field for it
            elements = [("P", part_number), ("1P", mpn)]
        elements += [("K", customer_po), ("1K", sales_order)]
        if invoice is not None:
            elements.append(("10K", invoice))
        if date_code is not None:
            elements.append((draw(st.sampled_from(["9D", "10D"])), date_code))
        if lot_code is not None:
            elements.append(("1T", lot_code))
        elements.append(("11K", "1"))
        if country is not None:
            elements.append(("4L", country))
        elements.append(("Q", quantity_text))
        if has_z_fields:
            elements += [("11Z", draw(st.sampled_from(["PICK", ""]))), ("12Z", str(draw(st.integers(0, 10**8))))]
            elements += [("13Z", str(draw(st.integers(0, 10**6)))), ("20Z", "0" * draw(st.integers(0, 60)))]

        # Real labels end with RS EOT, with RS only, or with nothing; some lack the RS after "[)>".
        header = draw(st.sampled_from(["[)>\x1e06\x1d", "[)>06\x1d"]))
        trailer = draw(st.sampled_from(["\x1e\x04", "\x1e", ""]))
        text = header + "\x1d".join(di + value for di, value in elements) + trailer
        expected = Decoded(
            plugin=PLUGIN,
            kind="supplier",
            supplier=SUPPLIER,
            supplier_part_number=part_number,
            manufacturer_part_number=mpn,
            customer_part_number=customer_part,
            quantity=quantity,
            purchase_order=customer_po or None,
            supplier_order_number=sales_order,
            packing_list_number="1",
            invoice_number=invoice,
            date_code=date_code,
            lot_code=lot_code,
            country_of_origin=country,
            fields=dict(elements),
        )
        return Example(text, expected)

    return examples()
