"""Mouser labels: the ECIA EIGP-114 DataMatrix on Mouser bags and reels.

A Mouser label (``<GS>`` stands for 0x1D)::

    [)> RS 06 <GS>KPO-0042<GS>14K003<GS>1PNE555DR<GS>Q50<GS>11K012345678<GS>4LMY<GS>1VTexas Instruments RS EOT

``K`` is the buyer's PO as written when ordering and ``14K`` the line on it. The label carries no Mouser part
number: the part is identified by its MPN (``1P``). ``P``, when present, is the buyer's own part number. Old
labels start with the broken header ``>[)>06<GS>``; normalisation repairs it before ``decode`` sees the text.
"""

from __future__ import annotations

from typing import Any

from barcode_plugins import Decoded, LabelFormat, hookimpl
from barcode_plugins.formats.ecia import EciaRecord, decoded_from_ecia, parse_ecia

PLUGIN = "mouser"
SUPPLIER = "Mouser Electronics"
#: Mouser writes the buyer's PO line under 14K where other vendors use 4K; with the MPN it tells its labels apart.
PO_LINE_IDENTIFIER = "14K"
_NUMBER = r"[0-9]+"
#: The label as Mouser prints it. Label generations differ in the order of what follows K and 14K.
LABEL_FORMAT = LabelFormat.ecia(
    PLUGIN,
    evidence=[{PO_LINE_IDENTIFIER: _NUMBER, "1P": None}],
    elements={
        "K": None,
        PO_LINE_IDENTIFIER: _NUMBER,
        "P": None,
        "1P": None,
        "Q": None,
        "11K": _NUMBER,
        "4L": None,
        "1V": None,
    },
    order=("K", PO_LINE_IDENTIFIER, ("P", "1P", "Q", "11K", "4L", "1V")),
    required=("K", PO_LINE_IDENTIFIER, "1P", "Q"),
    may_be_empty=("K",),
)
#: A Mouser label carries about ten elements; text with far more is not one (refused early: decode stays fast).
MAX_ELEMENTS = 64


def is_mouser_label(record: EciaRecord) -> bool:
    """A numeric ``14K`` (the buyer's PO line, as Mouser writes it) and an MPN."""
    line = record.get(PO_LINE_IDENTIFIER)
    return bool(line) and line.isdigit() and line.isascii() and record.has("1P")  # type: ignore[union-attr]


@hookimpl
def decode(text: str) -> Decoded | None:
    """Decode a Mouser label; ``None`` for any other text, including other vendors' ECIA labels."""
    record = parse_ecia(text)
    if record is None or len(record.pairs) > MAX_ELEMENTS or not is_mouser_label(record):
        return None
    return decoded_from_ecia(record, plugin=PLUGIN, supplier=SUPPLIER)


@hookimpl
def label_formats() -> list[LabelFormat]:
    """Mouser's ECIA label: recognised by a numeric ``14K`` beside ``1P``."""
    return [LABEL_FORMAT]


@hookimpl
def barcode_examples() -> Any:
    """Mouser labels in either header, with optional fields present or absent and their order varied."""
    from hypothesis import strategies as st  # lazy: only the test suites need hypothesis

    from barcode_plugins import Example

    manufacturers = st.sampled_from(
        [
            "Texas Instruments",
            "Würth Elektronik",
            "村田製作所",
            "STMicroelectronics",
            "Nexperia",
            "TE Connectivity",
            "Ohmite",
            "ROHM Semiconductor",
            "Littelfuse Inc.",
        ]
    ) | st.from_regex(r"[A-ZÄÖÜÅ][a-zäöüßåé&.]{1,9}( [A-Z][a-zäöü]{1,9}){0,2}", fullmatch=True)
    buyer_written_po = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9 /#_.-]{0,20}[A-Za-z0-9])?", fullmatch=True)
    quantities = st.integers(1, 2 * 10**9).map(lambda n: (str(n), n)) | st.sampled_from(
        [("0001", 1), ("2.5", 2.5), ("12.50", 12.5), ("100.0", 100)]  # cut lengths in metres are fractional
    )

    @st.composite
    def examples(draw: Any) -> Example:
        customer_po = draw(st.just("") | buyer_written_po)
        po_line = draw(st.integers(1, 999).map("{:03d}".format) | st.integers(1, 99).map(str))
        mpn = draw(st.from_regex(r"[A-Z0-9][A-Z0-9\-/.#+,()]{0,24}", fullmatch=True))
        quantity_text, quantity = draw(quantities)
        packing_list = draw(st.from_regex(r"0[0-9]{8}", fullmatch=True))
        country = draw(st.sampled_from(["MY", "CN", "US", "PH", "MX", "TH", "DE", "JP", "KR"]))
        manufacturer = draw(manufacturers)
        customer_part = draw(st.none() | st.from_regex(r"[A-Z]{2,4}-[0-9]{2,6}", fullmatch=True))

        body = [("1P", mpn), ("Q", quantity_text)]
        if customer_part is not None:
            body.insert(0, ("P", customer_part))
        body += [
            element for element in [("11K", packing_list), ("4L", country), ("1V", manufacturer)] if draw(st.booleans())
        ]
        # Label generations differ in the order of what follows K and 14K.
        elements = [("K", customer_po), ("14K", po_line), *draw(st.permutations(body))]
        old_header = draw(st.booleans())
        text = (
            (">[)>06\x1d" if old_header else "[)>\x1e06\x1d")
            + "\x1d".join(di + value for di, value in elements)
            + draw(st.sampled_from(["\x1e\x04", "\x1e", ""]))
        )
        fields = dict(elements)
        expected = Decoded(
            plugin=PLUGIN,
            kind="supplier",
            supplier=SUPPLIER,
            manufacturer_part_number=mpn,
            manufacturer=fields.get("1V"),
            customer_part_number=customer_part,
            quantity=quantity,
            purchase_order=customer_po or None,
            purchase_order_line=po_line,
            packing_list_number=fields.get("11K"),
            country_of_origin=fields.get("4L"),
            fields=fields,
        )
        return Example(text, expected)

    return examples()
