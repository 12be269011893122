"""ISO/IEC 15434 envelopes carrying ECIA EIGP-114 (ANSI MH10.8.2) data: parsing helpers for plugin authors.

A label reads ``[)>`` RS ``06`` GS ``DIvalue`` GS ``DIvalue`` ... RS EOT. Format ``06`` elements start with a
*data identifier* (DI): optional digits and one letter (``Q``, ``1P``, ``30P``, ``11K``); format ``05`` elements
start with a GS1 application identifier and are kept as they are. ``parse_ecia`` is tolerant of what real labels
do (no RS after ``[)>``, no trailer, the old Mouser ``>[)>06`` header) and expects the separators to be real
control characters: :func:`barcode_plugins.normalize.normalize` has already repaired wedge damage.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import attrs

GS = "\x1d"
RS = "\x1e"
EOT = "\x04"
HEADER = "[)>"

#: The data identifiers this module knows, with what they mean. Any other DI is still read and kept in fields.
DATA_IDENTIFIERS: Mapping[str, str] = {
    "K": "customer purchase order number",
    "1K": "supplier sales order number",
    "4K": "line number on the customer's purchase order",
    "14K": "line number on the customer's purchase order (Mouser)",
    "10K": "invoice number",
    "11K": "packing list / shipment number",
    "P": "customer part number (Digikey: its own part number)",
    "1P": "manufacturer or supplier part number",
    "30P": "supplier part number (newer Digikey labels)",
    "Q": "quantity",
    "T": "traceability number",
    "1T": "lot code",
    "9D": "date code (YYWW)",
    "10D": "date code (YYWW)",
    "6D": "ship date (YYYYMMDD)",
    "4L": "country of origin (ISO 3166 alpha-2)",
    "1V": "manufacturer name",
    "S": "serial number",
    "11Z": "supplier specific",
    "12Z": "supplier specific",
    "13Z": "supplier specific",
    "20Z": "supplier specific (padding)",
}

#: Contract field for each standard DI (``P`` is left to the supplier plugin: the standard says customer part
#: number, Digikey puts its own part number there).
STANDARD_FIELD: Mapping[str, str] = {
    "K": "purchase_order",
    "1K": "supplier_order_number",
    "4K": "purchase_order_line",
    "14K": "purchase_order_line",
    "10K": "invoice_number",
    "11K": "packing_list_number",
    "P": "customer_part_number",
    "1P": "manufacturer_part_number",
    "30P": "supplier_part_number",
    "Q": "quantity",
    "1T": "lot_code",
    "9D": "date_code",
    "10D": "date_code",
    "6D": "ship_date",
    "4L": "country_of_origin",
    "1V": "manufacturer",
    "S": "serial_number",
}

_DI = re.compile(r"([0-9]{0,3}[A-Z])")
_HEADER = re.compile(r"\A>?\[\)>" + RS + r"?(?P<format>[0-9]{2})")
_QUANTITY = re.compile(r"\A0*([0-9]+)(?:[.,]([0-9]+))?\Z")


@attrs.frozen
class EciaElement:
    """One data element: its identifier (``1P``) and its value, exactly as printed."""

    identifier: str
    value: str


@attrs.frozen
class EciaSegment:
    """One record inside the envelope: its two-digit format (``06``, ``05``) and its elements."""

    format: str
    elements: tuple[EciaElement, ...]


@attrs.frozen
class EciaRecord:
    """A parsed envelope: its records (usually one) and, flattened, every element in label order."""

    segments: tuple[EciaSegment, ...]
    elements: tuple[EciaElement, ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        flat = tuple(element for segment in self.segments for element in segment.elements)
        object.__setattr__(self, "elements", flat)

    @property
    def formats(self) -> tuple[str, ...]:
        """The format of each record, e.g. ``("06",)``."""
        return tuple(segment.format for segment in self.segments)

    def get(self, identifier: str) -> str | None:
        """The first value of ``identifier``, or ``None`` if the label does not carry it."""
        for element in self.elements:
            if element.identifier == identifier:
                return element.value
        return None

    def has(self, *identifiers: str) -> bool:
        """Whether the label carries every one of ``identifiers``."""
        present = {element.identifier for element in self.elements}
        return all(identifier in present for identifier in identifiers)

    @property
    def identifiers(self) -> frozenset[str]:
        """The set of data identifiers present."""
        return frozenset(element.identifier for element in self.elements)

    @property
    def fields(self) -> dict[str, str]:
        """Every element as ``{identifier: value}`` in label order; a repeated DI is kept as ``DI#2``, ``DI#3``."""
        return fields_from_pairs((element.identifier, element.value) for element in self.elements)


def fields_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Build the ``fields`` object from ``(key, value)`` pairs, keeping repeats as ``key#2``, ``key#3``, ..."""
    fields: dict[str, str] = {}
    for key, value in pairs:
        name, count = key, 1
        while name in fields:
            count += 1
            name = f"{key}#{count}"
        fields[name] = value
    return fields


def split_data_identifier(element: str) -> EciaElement | None:
    """Split ``"1PSTM32F103"`` into ``EciaElement("1P", "STM32F103")``; ``None`` if it starts with no DI.

    The longest DI wins by construction: the digits before the first letter all belong to the identifier.
    """
    match = _DI.match(element)
    if match is None:
        return None
    identifier = match.group(1)
    return EciaElement(identifier, element[len(identifier):])


@lru_cache(maxsize=256)
def parse_ecia(text: str) -> EciaRecord | None:
    """Parse an ISO/IEC 15434 message; ``None`` if ``text`` is not one (never raises).

    Cached: every ECIA plugin asks about the same scan, and the answer is an immutable value.
    """
    if not isinstance(text, str):
        return None
    match = _HEADER.match(text)
    if match is None:
        return None
    segments: list[EciaSegment] = []
    # Records are separated by RS; each starts with its two-digit format. The first record's format was
    # matched by the header regex; the message ends at EOT (anything after it is ignored).
    body = text[match.start("format"):].split(EOT, 1)[0]
    for record in body.split(RS):
        if len(record) < 2 or not record[:2].isdigit():
            # A stray character after the last RS (sloppy trailer) is not a record.
            continue
        fmt, rest = record[:2], record[2:]
        elements: list[EciaElement] = []
        for raw_element in rest.split(GS):
            if not raw_element:
                continue
            if fmt == "06":
                element = split_data_identifier(raw_element)
                if element is None:
                    return None
            else:
                element = _gs1_element(raw_element)
            elements.append(element)
        if elements:
            segments.append(EciaSegment(fmt, tuple(elements)))
    if not segments:
        return None
    return EciaRecord(tuple(segments))


def _gs1_element(element: str) -> EciaElement:
    # Format 05 holds GS1 application identifiers; their lengths vary by AI, so keep the first two digits as
    # the identifier (the common AIs 00/01/10/11/17/21/30/37 are two digits) and the rest as the value.
    if len(element) > 2 and element[:2].isdigit():
        return EciaElement(element[:2], element[2:])
    return EciaElement(element, "")


def canonical_ecia(record: EciaRecord) -> str:
    """The canonical text of a record: what every wedge-damaged form of the same label normalises to."""
    parts = [
        segment.format + GS + GS.join(element.identifier + element.value for element in segment.elements)
        for segment in record.segments
    ]
    return HEADER + RS + RS.join(parts) + RS + EOT


def parse_quantity(value: str | None) -> int | float | None:
    """``"0025"`` -> 25, ``"2.5"`` -> 2.5; ``None`` for anything that is not a plain number."""
    if not value:
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    whole, fraction = match.groups()
    if fraction is None or set(fraction) == {"0"}:
        return int(whole)
    return float(f"{whole}.{fraction}")


def parse_ship_date(value: str | None) -> str | None:
    """``"20240117"`` -> ``"2024-01-17"``; ``None`` if it is not a real date."""
    if not value or len(value) != 8 or not value.isdigit():
        return None
    try:
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        return None


def standard_fields(record: EciaRecord) -> dict[str, Any]:
    """Contract fields from the standard DIs (first occurrence wins; empty values become ``None``)."""
    values: dict[str, Any] = {}
    for element in record.elements:
        name = STANDARD_FIELD.get(element.identifier)
        if name is None or name in values or not element.value:
            continue
        if name == "quantity":
            values[name] = parse_quantity(element.value)
        elif name == "ship_date":
            values[name] = parse_ship_date(element.value)
        elif name == "country_of_origin":
            values[name] = element.value.upper() if len(element.value) == 2 else element.value
        else:
            values[name] = element.value
    return values
