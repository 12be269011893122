"""ISO/IEC 15434 envelopes carrying ECIA EIGP-114 (ANSI MH10.8.2) data: parsing helpers for plugin authors.

A label reads ``[)>`` RS ``06`` GS ``DIvalue`` GS ``DIvalue`` ... RS EOT. Format ``06`` elements start with a
*data identifier* (DI): optional digits and one letter (``Q``, ``1P``, ``30P``, ``11K``); format ``05`` elements
start with a GS1 application identifier (``01``, ``10``, ``3103``). ``parse_ecia`` is tolerant of what real
labels do (no RS after ``[)>``, no trailer, ``RS`` only, a stray character after the last RS, the old Mouser
``>[)>06`` header, several records in one envelope) and expects the separators to be real control characters:
:func:`barcode_plugins.formats.normalize.normalize` has already repaired wedge damage.

Values are kept exactly as printed (spaces, ``:`` and ``/`` included) with one exception: trailing spaces, tabs,
CR and LF at the end of the *last* value are dropped, because without a trailer they cannot be told apart from
what a keyboard wedge appends, and the label must read the same with and without its trailer.

:func:`segment_elements` re-splits a record whose separators were lost, from the DI vocabulary and the shapes
of the values and the installed plugins' declared label formats (see :mod:`barcode_plugins.formats.label_formats`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from barcode_plugins.models import Decoded

if TYPE_CHECKING:
    from decimal import Decimal

GS = "\x1d"
RS = "\x1e"
EOT = "\x04"
HEADER = "[)>"

#: The data identifiers this module knows, with what they mean. Any other DI is still read and kept in fields;
#: this vocabulary is what wedge repair trusts when it has to find elements without their separators.
DATA_IDENTIFIERS: Mapping[str, str] = {
    "K": "customer purchase order number",
    "1K": "supplier sales order number",
    "4K": "line number on the customer's purchase order",
    "14K": "line number on the customer's purchase order (one distributor's form of 4K)",
    "10K": "invoice number",
    "11K": "packing list / shipment number",
    "P": "customer part number (some suppliers print their own part number here)",
    "1P": "manufacturer or supplier part number",
    "2P": "revision level of the part",
    "30P": "supplier part number",
    "Q": "quantity",
    "T": "traceability number",
    "1T": "lot code",
    "31T": "second lot code (Texas Instruments: the assembly lot)",
    "D": "date (YYMMDD)",
    "9D": "date code (YYWW)",
    "10D": "date code (YYWW)",
    "6D": "ship date (YYYYMMDD)",
    "14D": "expiry date (YYYYMMDD)",
    "16D": "production date (YYYYMMDD)",
    "4L": "country of origin (ISO 3166 alpha-2)",
    # Texas Instruments prints where the die was made and where it was assembled, as sites and as countries.
    "20L": "chip (die) site",
    "21L": "assembly site",
    "22L": "chip (die) country of origin",
    "23L": "assembly country of origin",
    "V": "supplier code assigned by the customer",
    "1V": "manufacturer name",
    "12V": "manufacturer identifier (DUNS)",
    "S": "serial number",
    "3S": "package identifier",
    "11Z": "supplier specific",
    "12Z": "supplier specific",
    "13Z": "supplier specific",
    "20Z": "supplier specific (padding)",
}

#: Contract field for each standard DI (a supplier plugin may override ``P``: the standard says customer part
#: number, some suppliers put their own part number there).
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

#: Contract field for the GS1 application identifiers of a format ``05`` record.
GS1_STANDARD_FIELD: Mapping[str, str] = {
    "10": "lot_code",
    "21": "serial_number",
    "30": "quantity",
    "37": "quantity",
    "241": "customer_part_number",
    "400": "purchase_order",
}

#: What a value of a DI looks like (a regular expression the whole value must match). DIs not listed take any
#: non-empty value.
VALUE_SHAPES: Mapping[str, str] = {
    "Q": r"[0-9]+(?:[.,][0-9]+)?",
    "D": r"[0-9]{6}",
    "9D": r"[0-9]{4}",
    "10D": r"[0-9]{4}",
    "6D": r"[0-9]{8}",
    "14D": r"[0-9]{8}",
    "16D": r"[0-9]{8}",
    "4L": r"[A-Z]{2}",
}
#: Readings of a damaged envelope listed at most; one more means "and more" (``normalize``, ``segment_elements``).
MAX_READINGS = 8
#: The shape of a value the vocabulary says nothing about.
ANY_VALUE_SHAPE = r".+"

#: A format ``06`` data identifier: up to three digits and one capital letter (``Q``, ``1P``, ``30P``, ``11K``).
DATA_IDENTIFIER_PATTERN = r"[0-9]{0,3}[A-Z]"
#: :data:`DATA_IDENTIFIER_PATTERN` compiled: ``.match`` finds the identifier an element starts with, ``.fullmatch``
#: tells whether a text is one.
DATA_IDENTIFIER = re.compile(DATA_IDENTIFIER_PATTERN)
_HEADER = re.compile(r">?\[\)>" + RS + r"?(?=[0-9]{2}" + GS + ")")
_RECORD = re.compile(r"[0-9]{2}" + GS)
#: Longer digit runs are not a quantity (the store's bound is 12 digits; this keeps any exact number it can refuse).
_MAX_QUANTITY_DIGITS = 100
_QUANTITY = re.compile(r"\A0*([0-9]+)(?:[.,]([0-9]+))?\Z")
_TRAILING_SPACE = " \t\r\n"


class EciaElement(NamedTuple):
    """One data element: its identifier (``1P``) and its value, exactly as printed.

    A named tuple, not an attrs class: a label has a dozen or more and building them is on every scan's path.
    """

    identifier: str
    value: str


class EciaSegment(NamedTuple):
    """One record inside the envelope: its two-digit format (``06``, ``05``) and its elements."""

    format: str
    elements: tuple[EciaElement, ...]


class EciaRecord:
    """A parsed envelope: its records (usually one) and, flattened, every element in label order.

    An immutable value (records are shared through the parse cache). The parser keeps elements as plain
    ``(identifier, value)`` pairs, which is what :meth:`get`, :attr:`fields` and :attr:`pairs` read;
    :attr:`segments` and :attr:`elements` are built from them only when asked for.
    """

    __slots__ = ("_elements", "_fields", "_first", "_identifiers", "_pairs", "_records", "_segments")
    _records: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    _pairs: tuple[tuple[str, str], ...]
    _segments: tuple[EciaSegment, ...] | None
    _elements: tuple[EciaElement, ...] | None
    _first: dict[str, str] | None
    _fields: dict[str, str] | None
    _identifiers: frozenset[str] | None

    def __init__(self, segments: Iterable[EciaSegment]) -> None:
        segments = tuple(EciaSegment(fmt, tuple(map(EciaElement._make, elements))) for fmt, elements in segments)
        self._set(tuple((fmt, tuple((e[0], e[1]) for e in elements)) for fmt, elements in segments))
        self._segments = segments

    @classmethod
    def from_pairs(cls, records: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> EciaRecord:
        """A record from ``((format, ((identifier, value), ...)), ...)``: what the parser builds."""
        record = cls.__new__(cls)
        record._set(records)
        return record

    def _set(self, records: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> None:
        self._records = records
        if len(records) == 1:
            self._pairs = records[0][1]
        else:
            self._pairs = tuple(pair for _, pairs in records for pair in pairs)
        self._segments = self._elements = self._first = self._fields = self._identifiers = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EciaRecord):
            return NotImplemented
        return self._records == other._records

    def __hash__(self) -> int:
        return hash(self._records)

    def __repr__(self) -> str:
        return f"EciaRecord(segments={self.segments!r})"

    @property
    def segments(self) -> tuple[EciaSegment, ...]:
        """Each record inside the envelope, in order."""
        if self._segments is None:
            self._segments = tuple(
                EciaSegment(fmt, tuple(map(EciaElement._make, pairs))) for fmt, pairs in self._records
            )
        return self._segments

    @property
    def elements(self) -> tuple[EciaElement, ...]:
        """Every element in label order, across records."""
        if self._elements is None:
            self._elements = tuple(element for segment in self.segments for element in segment.elements)
        return self._elements

    @property
    def records(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """Each record inside the envelope as ``(format, pairs)``: :attr:`segments` without building elements."""
        return self._records

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every element as a plain ``(identifier, value)`` tuple, in label order (cheaper than ``elements``)."""
        return self._pairs

    @property
    def formats(self) -> tuple[str, ...]:
        """The format of each record, e.g. ``("06",)``."""
        return tuple(fmt for fmt, _ in self._records)

    def get(self, identifier: str) -> str | None:
        """The first value of ``identifier``, or ``None`` if the label does not carry it."""
        first = self._first
        if first is None:
            # dict() keeps the last value of a repeated key, so build it from the end: the first one wins.
            first = self._first = dict(reversed(self._pairs))
        return first.get(identifier)

    def has(self, *identifiers: str) -> bool:
        """Whether the label carries every one of ``identifiers``."""
        present = self.identifiers
        return all(identifier in present for identifier in identifiers)

    @property
    def identifiers(self) -> frozenset[str]:
        """The set of data identifiers present."""
        found = self._identifiers
        if found is None:
            found = self._identifiers = frozenset(pair[0] for pair in self._pairs)
        return found

    @property
    def fields(self) -> dict[str, str]:
        """Every element as ``{identifier: value}`` in label order; a repeated DI is kept as ``DI#2``, ``DI#3``.

        A new dict each time (records are shared through the parse cache; the caller may keep or change it).
        """
        if self._fields is None:
            self._fields = fields_from_pairs(self._pairs)
        return dict(self._fields)


def fields_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Build the ``fields`` object from ``(key, value)`` pairs, keeping repeats as ``key#2``, ``key#3``, ..."""
    fields: dict[str, str] = {}
    next_number: dict[str, int] = {}  # per key, where to look for a free "key#n": linear however often it repeats
    for key, value in pairs:
        name = key
        if name in fields:
            count = next_number.get(key, 2)
            name = f"{key}#{count}"
            while name in fields:
                count += 1
                name = f"{key}#{count}"
            next_number[key] = count + 1
        fields[name] = value
    return fields


def split_data_identifier(element: str) -> EciaElement | None:
    """Split ``"1PSTM32F103"`` into ``EciaElement("1P", "STM32F103")``; ``None`` if it starts with no DI.

    The longest DI wins by construction: the digits before the first letter all belong to the identifier.
    """
    match = DATA_IDENTIFIER.match(element)
    if match is None:
        return None
    identifier = match.group()
    return EciaElement(identifier, element[len(identifier) :])


@lru_cache(maxsize=2048)
def parse_ecia(text: str) -> EciaRecord | None:
    """Parse an ISO/IEC 15434 message; ``None`` if ``text`` is not one (never raises).

    The first record must be a format followed by GS (``06`` GS ...): a message whose separators are missing is
    not guessed at here (``normalize`` recovers what it can). Cached: every ECIA plugin asks about the same
    scan, and the answer is an immutable value.
    """
    if not isinstance(text, str):
        return None
    match = _HEADER.match(text)
    if match is None:
        return None
    # The message ends at EOT (anything after it is ignored); records are separated by RS and each starts with
    # its format and GS. A piece after an RS that is not such a record is a sloppy trailer (a stray character).
    body = text[match.end() :].split(EOT, 1)[0]
    pieces = body.split(RS)
    if len(pieces) <= 2 and pieces[0][:2] == "06" and (len(pieces) == 1 or len(pieces[1]) <= 1):
        return _parse_single_06(pieces[0][3:])
    return _parse_records(body)


# One format 06 element: a DI at the start of the record content or right after a GS, and its value.
_ELEMENT_06 = re.compile(r"(?:\A|(?<=\x1d))(" + DATA_IDENTIFIER_PATTERN + r")([^\x1d]*)")
_TRAILING_SPACE_OR_GS = _TRAILING_SPACE + GS


def _parse_single_06(content: str) -> EciaRecord | None:
    # The common message, one 06 record (what follows its RS is nothing or a stray character): split by one
    # regex scan in C. Same result as _parse_records, which handles everything else.
    content = content.rstrip(_TRAILING_SPACE_OR_GS)  # the last value loses trailing whitespace (module docstring)
    found = _ELEMENT_06.findall(content)
    if not found:
        return None
    pieces = content.split(GS)
    if len(found) != len(pieces) - pieces.count(""):
        return None  # a piece that does not start with a DI
    return EciaRecord.from_pairs((("06", tuple(found)),))


def _parse_records(body: str) -> EciaRecord | None:
    records = [
        (record[:2], [piece for piece in record[3:].split(GS) if piece])
        for record in body.split(RS)
        if _RECORD.match(record)
    ]
    for _, pieces in reversed(records):  # the message's last value loses trailing whitespace (module docstring)
        while pieces and not pieces[-1].rstrip(_TRAILING_SPACE):
            pieces.pop()
        if pieces:
            pieces[-1] = pieces[-1].rstrip(_TRAILING_SPACE)
            break
    segments: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for fmt, pieces in records:
        pairs: list[tuple[str, str]] = []
        for piece in pieces:
            if fmt == "06":
                identifier = DATA_IDENTIFIER.match(piece)
                if identifier is None:
                    return None
                pairs.append((identifier.group(), piece[identifier.end() :]))
            elif fmt == "05":
                pairs.extend((element.identifier, element.value) for element in split_gs1_elements(piece))
            else:
                pairs.append(("", piece))
        if pairs:
            segments.append((fmt, tuple(pairs)))
    if not segments:
        return None
    return EciaRecord.from_pairs(tuple(segments))


# GS1 application identifiers: how many digits the AI has, by its first two digits, and the value length of the
# AIs that need no separator after them (GS1 General Specifications, "predefined length" table).
_GS1_AI_LENGTH: Mapping[str, int] = {
    **dict.fromkeys(("00", "01", "02", "10", "11", "12", "13", "15", "16", "17", "20", "21", "22"), 2),
    **dict.fromkeys(("30", "37", "90", "91", "92", "93", "94", "95", "96", "97", "98", "99"), 2),
    **dict.fromkeys(("23", "24", "25", "40", "41", "42", "71"), 3),
    **dict.fromkeys(("31", "32", "33", "34", "35", "36", "39", "43", "70", "72", "80", "81", "82"), 4),
}
_GS1_FIXED_VALUE: Mapping[str, int] = {
    "00": 18,
    "01": 14,
    "02": 14,
    "11": 6,
    "12": 6,
    "13": 6,
    "15": 6,
    "16": 6,
    "17": 6,
    "20": 2,
    "31": 6,
    "32": 6,
    "33": 6,
    "34": 6,
    "35": 6,
    "36": 6,
    "41": 13,
}
_DIGITS = re.compile(r"[0-9]+")


def gs1_application_identifier(text: str, start: int = 0) -> str | None:
    """The GS1 application identifier at ``text[start:]`` (``"01"``, ``"3103"``), or ``None``."""
    length = _GS1_AI_LENGTH.get(text[start : start + 2])
    if length is None or len(text) < start + length or not _DIGITS.fullmatch(text, start, start + length):
        return None
    return text[start : start + length]


def split_gs1_elements(element: str) -> list[EciaElement]:
    """Split one GS-separated piece of a format ``05`` record into GS1 elements.

    ``"0109501101020917171231"`` -> ``01``: ``09501101020917``, ``17``: ``171231`` (AIs of predefined length
    need no separator after them). A piece that starts with no known AI is kept whole, its first two
    characters (if digits) as the identifier.
    """
    found: list[EciaElement] = []
    start = 0
    while True:
        ai = gs1_application_identifier(element, start)
        if ai is None:
            head = element[start : start + 2]
            identifier = head if _DIGITS.fullmatch(head) and len(head) == 2 else ""
            found.append(EciaElement(identifier, element[start + len(identifier) :]))
            return found
        value_start = start + len(ai)
        fixed = _GS1_FIXED_VALUE.get(ai[:2])
        next_start = value_start + fixed if fixed is not None else len(element)
        if fixed is not None and gs1_application_identifier(element, next_start) is not None:
            found.append(EciaElement(ai, element[value_start:next_start]))
            start = next_start
            continue
        found.append(EciaElement(ai, element[value_start:]))
        return found


def canonical_ecia(record: EciaRecord) -> str:
    """The canonical text of a record: what every wedge-damaged form of the same label normalises to."""
    parts = [fmt + GS + GS.join(map("".join, pairs)) for fmt, pairs in record.records]
    return HEADER + RS + RS.join(parts) + RS + EOT


def parse_quantity(value: str | None) -> int | Decimal | None:
    """``"0025"`` -> 25, ``"2.5"`` and ``"2,5"`` -> ``Decimal("2.5")``: exact (a float would make 0.1 three times
    not 0.3); ``None`` for anything that is not a plain number (or has more than 100 digits) and for a comma that
    may group thousands (``"1,000"``, ``"12,500"``: one or a thousand?). Bounds are the store's business, not
    the decoder's."""
    if not value:
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    whole, fraction = match.groups()
    if fraction is not None and len(fraction) == 3 and whole != "0" and len(whole) <= 3 and "," in value:
        return None  # "1,000": a thousand (US grouping) or one (decimal comma)? Ask rather than book 1 for 1000
    if len(whole) > _MAX_QUANTITY_DIGITS or (fraction and len(fraction) > _MAX_QUANTITY_DIGITS):
        return None  # no count has a hundred digits; int() of thousands would even raise
    if fraction is None or set(fraction) == {"0"}:
        return int(whole)
    from decimal import Decimal  # lazy: only fractional quantities need it, and it costs 4 ms to import

    return Decimal(f"{whole}.{fraction.rstrip('0')}")


def parse_ship_date(value: str | None) -> str | None:
    """``"20240117"`` -> ``"2024-01-17"``; ``None`` if it is not a real date."""
    if not value or len(value) != 8 or not _DIGITS.fullmatch(value):
        return None
    try:
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        return None


def standard_fields(record: EciaRecord) -> dict[str, Any]:
    """Contract fields from the standard DIs (and GS1 AIs of ``05`` records); first occurrence wins, empty
    values become ``None``."""
    values: dict[str, Any] = {}
    for fmt, pairs in record.records:
        table = GS1_STANDARD_FIELD if fmt == "05" else STANDARD_FIELD
        for identifier, value in pairs:
            name = table.get(identifier)
            if name is None or not value or name in values:
                continue
            if name == "quantity":
                values[name] = parse_quantity(value)
            elif name == "ship_date":
                values[name] = parse_ship_date(value)
            elif name == "country_of_origin":
                values[name] = value.upper() if len(value) == 2 else value
            else:
                values[name] = value
    return values


def decoded_from_ecia(record: EciaRecord, *, plugin: str, supplier: str | None, **overrides: Any) -> Decoded:
    """Map an ECIA / EIGP-114 record's standard data identifiers onto the contract fields (a supplier's result).

    ``overrides`` replace or add fields, e.g. Digi-Key's ``supplier_part_number`` taken from ``P``; a name that is
    not a field of :class:`~barcode_plugins.models.Decoded` raises ``TypeError``.
    """
    values = standard_fields(record)
    values.update(overrides)
    return Decoded(plugin=plugin, kind="supplier", supplier=supplier, fields=record.fields, **values)
