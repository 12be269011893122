"""ISO/IEC 15434 envelopes carrying ECIA EIGP-114 (ANSI MH10.8.2) data: parsing helpers for plugin authors.

A label reads ``[)>`` RS ``06`` GS ``DIvalue`` GS ``DIvalue`` ... RS EOT. Format ``06`` elements start with a
*data identifier* (DI): optional digits and one letter (``Q``, ``1P``, ``30P``, ``11K``); format ``05`` elements
start with a GS1 application identifier (``01``, ``10``, ``3103``). ``parse_ecia`` is tolerant of what real
labels do (no RS after ``[)>``, no trailer, ``RS`` only, a stray character after the last RS, the old Mouser
``>[)>06`` header, several records in one envelope) and expects the separators to be real control characters:
:func:`barcode_plugins.normalize.normalize` has already repaired wedge damage.

Values are kept exactly as printed (spaces, ``:`` and ``/`` included) with one exception: trailing spaces, tabs,
CR and LF at the end of the *last* value are dropped, because without a trailer they cannot be told apart from
what a keyboard wedge appends, and the label must read the same with and without its trailer.

:func:`segment_elements` re-splits a record whose separators were lost, from the DI vocabulary and the shapes
of the values (see ``SEGMENTATION_PROFILES``).
"""

from __future__ import annotations

import datetime
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import attrs

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
    "14K": "line number on the customer's purchase order (Mouser)",
    "10K": "invoice number",
    "11K": "packing list / shipment number",
    "P": "customer part number (Digikey: its own part number)",
    "1P": "manufacturer or supplier part number",
    "2P": "revision level of the part",
    "30P": "supplier part number (newer Digikey labels)",
    "Q": "quantity",
    "T": "traceability number",
    "1T": "lot code",
    "D": "date (YYMMDD)",
    "9D": "date code (YYWW)",
    "10D": "date code (YYWW)",
    "6D": "ship date (YYYYMMDD)",
    "14D": "expiry date (YYYYMMDD)",
    "16D": "production date (YYYYMMDD)",
    "4L": "country of origin (ISO 3166 alpha-2)",
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
_ANY_VALUE = r".+"

_DI = re.compile(r"[0-9]{0,3}[A-Z]")
_HEADER = re.compile(r">?\[\)>" + RS + r"?(?=[0-9]{2}" + GS + ")")
_RECORD = re.compile(r"[0-9]{2}" + GS)
_QUANTITY = re.compile(r"\A0*([0-9]+)(?:[.,]([0-9]+))?\Z")
_TRAILING_SPACE = " \t\r\n"


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
    _fields: dict[str, str] | None = attrs.field(init=False, default=None, eq=False, repr=False)

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
        """Every element as ``{identifier: value}`` in label order; a repeated DI is kept as ``DI#2``, ``DI#3``.

        A new dict each time (records are shared through the parse cache; the caller may keep or change it).
        """
        if self._fields is None:
            pairs = ((element.identifier, element.value) for element in self.elements)
            object.__setattr__(self, "_fields", fields_from_pairs(pairs))
        return dict(self._fields)  # type: ignore[arg-type]  # set just above


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
    match = _DI.match(element)
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
    segments: list[EciaSegment] = []
    for fmt, pieces in records:
        elements: list[EciaElement] = []
        for piece in pieces:
            if fmt == "06":
                identifier = _DI.match(piece)
                if identifier is None:
                    return None
                elements.append(EciaElement(identifier.group(), piece[identifier.end() :]))
            elif fmt == "05":
                elements.extend(split_gs1_elements(piece))
            else:
                elements.append(EciaElement("", piece))
        if elements:
            segments.append(EciaSegment(fmt, tuple(elements)))
    if not segments:
        return None
    return EciaRecord(tuple(segments))


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
    for segment in record.segments:
        table = GS1_STANDARD_FIELD if segment.format == "05" else STANDARD_FIELD
        for element in segment.elements:
            name = table.get(element.identifier)
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


# -- elements without separators ----------------------------------------------------------------------------
@attrs.frozen
class SegmentationProfile:
    """What one supplier prints, for re-splitting its labels when the separators were dropped.

    A run-together label reads as every split into elements that the profile allows; one such reading is an
    answer, several are an ambiguity. A profile is tried when ``evidence`` is found in the text, and a reading
    counts only if ``confirmation`` is found in it (written one ``DI=value`` a line: a Mouser reading must hold the
    element ``14K``, not just the text ``14K`` as in ``Q1`` + ``4K``). ``shapes`` lists the only DIs the supplier
    prints and the regular expression each value matches; ``rank`` their print order (DIs of equal rank come in
    any order; an unordered profile ranks them all equal); ``required`` DIs are always printed, ``may_be_empty``
    ones may have no value. Every DI occurs at most once.

    Narrow profiles are what make real labels read one way: on a Digikey label ``1PSTM32F103C8T6`` is one
    element, while for a vendor that prints ``T`` (traceability number) ``1PSTM32F103C8`` + ``T6`` is as good.
    """

    name: str
    evidence: re.Pattern[str] | None
    confirmation: re.Pattern[str] | None
    shapes: Mapping[str, re.Pattern[str]]
    rank: Mapping[str, int]
    required: frozenset[str] = frozenset()
    may_be_empty: frozenset[str] = frozenset()
    starts: re.Pattern[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Every position where one of the DIs starts (a lookahead, so overlapping starts are all found).
        alternatives = "|".join(sorted(map(re.escape, self.shapes), key=len, reverse=True))
        object.__setattr__(self, "starts", re.compile(f"(?=({alternatives}))"))

    def confirms(self, reading: Reading) -> bool:
        """Whether a reading carries what this supplier's labels carry."""
        if self.confirmation is None:
            return True
        lines = "\n".join(f"{element.identifier}={element.value}" for element in reading)
        return self.confirmation.search(lines) is not None


def _profile(
    name: str,
    evidence: str | None,
    confirmation: str | None,
    order: Iterable[str | tuple[str, ...]],
    *,
    required: Iterable[str] = (),
    may_be_empty: Iterable[str] = (),
    **shapes: str,
) -> SegmentationProfile:
    # ``order``: DIs in print order; a tuple is a group printed in any order.
    rank = {di: index for index, group in enumerate(order) for di in ((group,) if isinstance(group, str) else group)}
    return SegmentationProfile(
        name,
        re.compile(evidence) if evidence else None,
        re.compile(confirmation, re.MULTILINE | re.DOTALL) if confirmation else None,
        {di: re.compile(shapes.get(f"_{di}", VALUE_SHAPES.get(di, _ANY_VALUE)), re.DOTALL) for di in rank},
        rank,
        frozenset(required),
        frozenset(may_be_empty),
    )


_NUMBER = r"[0-9]+"
#: Every profile whose evidence is found is tried; ``generic`` (the whole vocabulary, any order, any value
#: possibly empty) only when none applies or none finds a reading.
SEGMENTATION_PROFILES: tuple[SegmentationProfile, ...] = (
    # Digikey: [)>RS06GSP497-1234-1-NDGS1PSTM32F103C8T6GSKGS1K81234567GS10K98765432GS11K1GS4LCNGSQ25GS11ZPICK...
    # K is empty when the buyer gave no PO number, 11Z is "PICK" or empty, 20Z zero or more zeros; its own numbers
    # are digits, and no manufacturer part number holds a Digikey part number ("-ND").
    _profile(
        "digikey",
        r"-ND|1[123]Z|20Z",
        r"^(?:(?:30)?P=[^\n]*-ND$|1[123]Z=|20Z=)",
        ("P", "1P", "30P", "K", "1K", "10K", "9D", "10D", "6D", "1T", "11K", "4L", "Q", "11Z", "12Z", "13Z", "20Z"),
        required=("P", "1P", "K", "1K", "11K", "Q"),
        may_be_empty=("K", "11Z", "20Z"),
        _1P=r"(?:(?!-ND).)+",
        _1K=_NUMBER,
        _10K=_NUMBER,
        _11K=_NUMBER,
        _11Z="PICK",
        _12Z=_NUMBER,
        _13Z=_NUMBER,
        _20Z=_NUMBER,
    ),
    # Mouser: [)>RS06GSKPO-0042GS14K003GS1PNE555DRGSQ50GS11K012345678GS4LMYGS1VTexas InstrumentsRSEOT
    # (label generations differ in the order of what follows K and 14K).
    _profile(
        "mouser",
        r"14K",
        r"^14K=",
        ("K", "14K", ("P", "1P", "Q", "11K", "4L", "1V")),
        required=("K", "14K", "1P", "Q"),
        may_be_empty=("K",),
        _14K=_NUMBER,
        _11K=_NUMBER,
    ),
    _profile("generic", None, None, [tuple(DATA_IDENTIFIERS)], may_be_empty=DATA_IDENTIFIERS),
)

#: Longest run-together record that ``segment_elements`` tries (real labels are far shorter), how many search
#: steps it takes at most, and how many readings it returns at most: the search stays cheap on hostile input.
MAX_RUN_TOGETHER = 512
_MAX_STEPS = 20_000
#: Readings returned at most; a result one longer than this means "and more" (see ``segment_elements``).
MAX_READINGS = 8
_FREE_SHAPES = frozenset({r".*", r".+"})
# How far a shaped value can reach at most (the shape's characters, repeated): a cheap bound before fullmatch.
_SHAPE_REACH: Mapping[str, re.Pattern[str]] = {
    shape: re.compile(reach)
    for shape, reach in {
        _NUMBER: r"[0-9]*",
        VALUE_SHAPES["Q"]: r"[0-9.,]*",
        VALUE_SHAPES["D"]: r"[0-9]{0,6}",
        VALUE_SHAPES["9D"]: r"[0-9]{0,4}",
        VALUE_SHAPES["6D"]: r"[0-9]{0,8}",
        VALUE_SHAPES["4L"]: r"[A-Z]{0,2}",
        "PICK": r"(?:P(?:I(?:CK?)?)?)?",
    }.items()
}

#: One way to read a run-together record: its elements in order.
Reading = tuple[EciaElement, ...]


def segment_elements(body: str) -> tuple[Reading, ...]:
    """Re-split a format ``06`` record whose GS separators were dropped: ``"P497-1-ND1PSTM32Q25"`` ->
    ``P``, ``1P``, ``Q``.

    Returns every reading the applicable profiles allow (see :class:`SegmentationProfile`), the most elements
    first, at most a handful: one reading when the label reads one way, several when it is ambiguous, none when
    nothing fits; ``MAX_READINGS + 1`` readings mean it reads more ways than are listed. Bounded: a record longer
    than ``MAX_RUN_TOGETHER`` characters is not tried, and a search that takes too many steps gives up (none).
    """
    if not body or len(body) > MAX_RUN_TOGETHER:
        return ()
    return _segment_cached(body)


@lru_cache(maxsize=256)
def _segment_cached(body: str) -> tuple[Reading, ...]:
    applicable = [p for p in SEGMENTATION_PROFILES if p.evidence is not None and p.evidence.search(body)]
    readings: list[Reading] = []
    for profile in applicable:
        readings.extend(r for r in _segment_with(body, profile) if profile.confirms(r) and r not in readings)
    if not readings:
        readings = _segment_with(body, SEGMENTATION_PROFILES[-1])
    readings.sort(key=lambda reading: (sum(1 for element in reading if not element.value), -len(reading)))
    return tuple(readings[: MAX_READINGS + 1])


# Where an element starts, where its value starts, where it ends.
Span = tuple[int, int, int]


def _segment_with(body: str, profile: SegmentationProfile) -> list[Reading]:
    """Every reading of ``body`` the profile allows, the most elements first (at most ``MAX_READINGS`` + 1)."""
    starts = {match.start(): match.group(1) for match in profile.starts.finditer(body)}
    if 0 not in starts:
        return []
    boundaries = [*sorted(starts), len(body)]
    rank = profile.rank
    # Each DI at most once. Only the used DIs that can still occur at or after a start (and that the print order
    # still allows) matter to the rest of the reading, so the memo key forgets the others; a reading that misses a
    # required DI which can no longer occur is abandoned at once.
    still_possible: dict[int, frozenset[str]] = {}
    seen: set[str] = set()
    for index in range(len(boundaries) - 2, -1, -1):
        seen.add(starts[boundaries[index]])
        still_possible[boundaries[index]] = frozenset(seen)
    memo: dict[tuple[int, frozenset[str], frozenset[str]], list[tuple[Span, ...]]] = {}
    steps = 0

    def solve(start: int, used: frozenset[str]) -> list[tuple[Span, ...]]:
        # The best readings of body[start:], given the DIs used before, as spans.
        nonlocal steps
        identifier = starts[start]
        here = rank[identifier]
        possible = still_possible[start]
        now_used = used | {identifier}
        missing = profile.required - now_used
        key = (start, frozenset(di for di in used if di in possible and rank[di] >= here), missing)
        if key in memo:
            return memo[key]
        found: list[tuple[Span, ...]] = []
        if all(di in possible and rank[di] >= here for di in missing):
            for end in _value_ends(body, start, identifier, profile, boundaries):
                steps += 1
                if steps > _MAX_STEPS:
                    raise _Exhausted
                span = (start, start + len(identifier), end)
                if end == len(body):
                    if not missing:
                        found.append((span,))
                    continue
                following = starts[end]
                if following in now_used or rank[following] < here:
                    continue
                found.extend((span, *tail) for tail in solve(end, now_used))
            found.sort(key=_plausibility)
        memo[key] = found[: MAX_READINGS + 1]
        return memo[key]

    try:
        spans = solve(0, frozenset())
    except _Exhausted:
        return []
    return [tuple(EciaElement(body[a:v], body[v:b]) for a, v, b in reading) for reading in spans]


def _plausibility(spans: tuple[Span, ...]) -> tuple[int, int]:
    # Fewest empty values first, then most elements. Both add up element by element, so keeping each search
    # state's best few tails keeps the best few readings overall.
    return sum(1 for _, value_start, end in spans if value_start == end), -len(spans)


class _Exhausted(Exception):
    """The segmentation search ran out of steps."""


def _value_ends(
    body: str, start: int, identifier: str, profile: SegmentationProfile, boundaries: list[int]
) -> list[int]:
    # Where the value of the element at ``start`` may end: a later element's start, or the end of the body.
    value_start = start + len(identifier)
    first = bisect_left(boundaries, value_start)
    candidates = boundaries[first:]
    empty_ok = identifier in profile.may_be_empty
    if candidates and candidates[0] == value_start and not empty_ok:
        candidates = candidates[1:]
    shape = profile.shapes[identifier]
    if shape.pattern in _FREE_SHAPES:
        return candidates
    reach = _SHAPE_REACH.get(shape.pattern)
    limit = value_start + len(reach.match(body, value_start).group()) if reach else len(body)  # type: ignore[union-attr]
    ends: list[int] = []
    for end in candidates:
        if end > limit:
            break
        if (end == value_start and empty_ok) or shape.fullmatch(body, value_start, end):
            ends.append(end)
    return ends
