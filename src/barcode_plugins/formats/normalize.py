"""Raw scan -> canonical text, and the barcode hash over it (``docs/formats.md``, "How scans reach us").

Runs once per scan, before any decoder. In order, each step only when its evidence is there:

1. surrounding spaces, CR, LF and TAB, and AIM symbology prefixes (``]d2``, ``]Q1``) come off;
2. keyboard-layout damage is undone (:mod:`barcode_plugins.formats.layouts`; ``ü=:`` -> ``[)>``), on the evidence of
   the ECIA header, the internal forms and the installed plugins' declared label formats;
3. Unicode control pictures (``␝␞␄``, also ``␜␟``) and textual placeholders (``<GS>``, ``{RS}``, ``[EOT]``, ``\\x1d``,
   ``\\u001e``, any case) become the control characters, and so does caret notation (``^]``) in a scan that a
   declared text format using separators fits;
4. an ECIA envelope is rewritten to its canonical text (``[)>`` RS ``06`` GS ... RS EOT): its separators are
   learned from the header when they are not the real ones (caret notation, private-use characters, code-page
   glyphs, Alt+numpad digits such as ``029``, ...), and its elements are found from the data-identifier
   vocabulary and the declared ECIA formats when the separators were dropped. Every reading is checked against
   the vocabulary before it is trusted; when the elements can be found more than one way, all readings are
   returned.

Idempotent (``normalize(normalize(x).text).text == normalize(x).text``), total (never raises on any ``str``) and
cheap on clean input: every step starts with a test that costs next to nothing when there is nothing to do.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import islice, product
from typing import TYPE_CHECKING, NamedTuple

import attrs

from barcode_plugins.formats.ecia import (
    DATA_IDENTIFIER,
    DATA_IDENTIFIERS,
    EOT,
    GS,
    HEADER,
    MAX_READINGS,
    RS,
    VALUE_SHAPES,
    EciaRecord,
    canonical_ecia,
    gs1_application_identifier,
    parse_ecia,
)
from barcode_plugins.formats.layouts import CORE_EVIDENCE, detect_layout

if TYPE_CHECKING:
    from barcode_plugins.formats.label_formats import FormatRegistry
    from barcode_plugins.formats.segmentation import SegmentationProfile


@attrs.frozen
class Normalized:
    """The canonical reading of a scan.

    ``alternatives`` holds the other canonical readings when the scan can be read several ways (an ECIA label
    whose separators were dropped), each as plausible as ``text``; ``repairs`` says what was undone, for
    diagnostics (``whitespace``, ``aim-prefix``, ``layout-qwertz``, ``control-pictures``, ``placeholders``,
    ``caret-notation``, ``learned-separators``, ``dropped-separators``, ``envelope``).
    """

    text: str
    alternatives: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    #: False when the scan reads more ways than ``text`` and ``alternatives`` list (the right one may be missing).
    complete: bool = True


_SPACE = " \t\r\n\f\v\x00"
# Leading spaces and AIM symbology identifiers ("]" + symbology letter + modifier: "]d2" DataMatrix, "]Q1" QR,
# "]C1" GS1-128), as many as there are, so that the result never starts with one (idempotence).
_LEADING = re.compile(r"(?:[ \t\r\n\f\v\x00]*\][A-Za-z][0-9A-Za-z])*[ \t\r\n\f\v\x00]*")
_SPACE_CHARACTER = re.compile(r"[ \t\r\n\f\v\x00]")
_PICTURES = {0x2404: EOT, 0x241C: "\x1c", 0x241D: GS, 0x241E: RS, 0x241F: "\x1f"}
_PICTURE = re.compile("[\u2404\u241c-\u241f]")
_PLACEHOLDER = re.compile(r"[<{\[](GS|RS|EOT)[>}\]]|\\(?:x|u00)(1D|1E|04)", re.IGNORECASE)
_PLACEHOLDER_CHARACTERS = {"GS": GS, "RS": RS, "EOT": EOT, "1D": GS, "1E": RS, "04": EOT}
_ENVELOPE = re.compile(r">?\[\)>")
_FORMATS = ("06", "05")
#: Longest separator a scanner's substitution is learned as (``\u001d`` is six characters, ``<EOT>`` five).
MAX_LEARNED_SEPARATOR = 8
# What may stand after the last RS: EOT as the control character, in caret notation or as Alt+numpad digits.
_EOT_FORMS = frozenset({EOT, "^D", "004", "0004"})
_MAX_VARIANTS = 8
# Single characters that occur in label data, so a separator learned as one of them is checked element by element.
_DATA_PUNCTUATION = frozenset(" -/.,:;+#_()*&'\"%=!?")
# The identifiers learned separators are checked against when no plugin declared more.
_STANDARD_VOCABULARY = frozenset(DATA_IDENTIFIERS)
_SHAPES = {di: re.compile(shape) for di, shape in VALUE_SHAPES.items()}
# A known DI followed by nothing or a value of its shape: what a learned separator that could be data (digits,
# a hyphen) must be followed by to count as a separator.
_KNOWN_ELEMENT = re.compile(
    "|".join(
        re.escape(di) + "(?:" + VALUE_SHAPES.get(di, "(?s:.+)") + ")?"
        for di in sorted(DATA_IDENTIFIERS, key=len, reverse=True)
    )
)


def normalize(raw: str, formats: FormatRegistry | None = None) -> Normalized:
    """Repair wedge damage and return the canonical text.

    :param formats: the installed plugins' declared label formats (the engine passes its own); without them only
        the core's knowledge is used: the ECIA vocabulary, the generic segmentation and the internal forms.
    """
    repairs: list[str] = []
    text = _strip(raw, repairs)
    layout = detect_layout(text, CORE_EVIDENCE if formats is None else formats.layout_evidence)
    if layout is not None:
        text = _strip(layout.repair(text), repairs)
        repairs.append(f"layout-{layout.name}")
    if not text.isascii() and _PICTURE.search(text):  # isascii() is a flag lookup: free on clean scans
        text = text.translate(_PICTURES)
        repairs.append("control-pictures")
    if _may_hold_placeholder(text):
        text, placeholders = _PLACEHOLDER.subn(_control_character, text)
        if placeholders:
            repairs.append("placeholders")
    if _ENVELOPE.match(text):
        profiles = () if formats is None else formats.segmentation_profiles
        vocabulary = _STANDARD_VOCABULARY if formats is None else formats.vocabulary
        readings = _canonical_readings(text, repairs, profiles, vocabulary)
        if readings:
            complete = len(readings) <= MAX_READINGS
            return Normalized(readings[0], readings[1:MAX_READINGS], tuple(repairs), complete)
    elif "^" in text and formats is not None and formats.separator_starts:
        text = _repair_caret_notation(text, formats.separator_starts, repairs)
    return Normalized(text, (), tuple(repairs))


_CARET = re.compile(r"\^[\]^D]")
_CARET_CONTROL = {"^]": GS, "^^": RS, "^D": EOT}


def _repair_caret_notation(text: str, separator_starts: tuple[re.Pattern[str], ...], repairs: list[str]) -> str:
    # Outside an ECIA envelope nothing says which carets are separators but the format: the repair counts only
    # when the repaired scan starts like a declared format that uses separators ("ACME^]123" -> "ACME" GS "123").
    repaired = _CARET.sub(lambda match: _CARET_CONTROL[match.group()], text)
    if repaired == text or not any(start.match(repaired) for start in separator_starts):
        return text
    repairs.append("caret-notation")
    return repaired


def _may_hold_placeholder(text: str) -> bool:
    # Substring searches (memchr) rule out most scans before the regular expression's slower scan (0.3 against
    # 1.0 us on a clean label; tested to never rule out a placeholder): every placeholder holds "<" or "\\", or
    # a "[" or "{" followed by g, r or e. The ECIA header's "[" and a brace list's "{" stand first, so only a
    # first character followed by such a letter counts there.
    return (
        "<" in text
        or "\\" in text
        or text.find("[", 1) >= 0
        or text.find("{", 1) >= 0
        or (text[:1] in ("[", "{") and text[1:2] in "GgRrEe")
    )


def _control_character(placeholder: re.Match[str]) -> str:
    return _PLACEHOLDER_CHARACTERS[(placeholder[1] or placeholder[2]).upper()]


def barcode_hash(canonical: str) -> str:
    """Hex SHA-256 of the canonical text (UTF-8; lone surrogates escaped so hashing never fails)."""
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _strip(text: str, repairs: list[str]) -> str:
    if not text or (text[0] not in _SPACE and text[0] != "]" and text[-1] not in _SPACE):
        return text
    lead = _LEADING.match(text).end()  # type: ignore[union-attr]  # matches the empty string at least
    head, stripped = text[:lead], text[lead:].rstrip(_SPACE)
    if "]" in head:
        _note(repairs, "aim-prefix")
    if _SPACE_CHARACTER.search(head) or len(stripped) < len(text) - lead:
        _note(repairs, "whitespace")
    return stripped


def _note(repairs: list[str], repair: str) -> None:
    if repair not in repairs:
        repairs.append(repair)


# -- ECIA envelopes -------------------------------------------------------------------------------------------
@lru_cache(maxsize=2048)
def _canonical_of(text: str) -> str | None:
    # Cached beside parse_ecia: the same label is scanned again and again at a receiving bench.
    record = parse_ecia(text)
    if record is None:
        return None
    return canonical_ecia(record)


def _canonical_readings(
    text: str,
    repairs: list[str],
    profiles: tuple[SegmentationProfile, ...] = (),
    vocabulary: AbstractSet[str] = _STANDARD_VOCABULARY,
) -> tuple[str, ...]:
    """The canonical text(s) of an ECIA envelope, best first; empty if it cannot be read. Notes the repair:
    ``envelope`` when only the header or trailer differed from the canonical form."""
    canonical = _canonical_of(text)
    if canonical is not None:
        if canonical != text:
            repairs.append("envelope")
        return (canonical,)
    readings, repair = _learn_separators(text, profiles, vocabulary)
    if readings:
        repairs.append(repair)
    return readings


class _Header(NamedTuple):
    """One way to read the envelope's header: its record separator, where the format is, its group separator,
    and the end of transmission that goes with them (for the trailer)."""

    record_separator: str
    format_at: int
    group_separator: str
    end_of_transmission: str = EOT


# Code page 437 shows the control characters as glyphs: GS, RS and EOT are these three.
_CODE_PAGE_SIBLINGS = {"↔": ("▲", "♦")}
# How a substitute writes the control character: its name, or its number in hexadecimal, decimal (Alt+numpad
# "029") or octal.
_NUMBER_FORMS = (
    ("GS", "RS", "EOT"),
    ("gs", "rs", "eot"),
    ("1D", "1E", "04"),
    ("1d", "1e", "04"),
    ("29", "30", "04"),
    ("35", "36", "04"),
)


def sibling_separators(group_separator: str) -> list[tuple[str, str]]:
    """The record separators and ends of transmission a scanner that writes GS as ``group_separator`` writes,
    most likely first: what the header teaches about the trailer when the header carries no RS.

    ``^]`` -> ``^^``, ``^D`` (caret notation: the character 0x40 above the control); ``\ue01d`` -> ``\ue01e``,
    ``\ue004`` (a private-use block that keeps the low bits); ``029`` -> ``030``, ``004``, ``{1D}`` -> ``{1E}``,
    ``{04}`` and ``%GS%`` -> ``%RS%``, ``%EOT%`` (the number or the name written out); code-page glyphs; and,
    always last, the substitute itself (a scanner that sends one character for every control character).
    """
    found: list[tuple[str, str]] = []
    for gs_form, rs_form, eot_form in _NUMBER_FORMS:
        at = group_separator.rfind(gs_form)
        if at >= 0:
            head, tail = group_separator[:at], group_separator[at + len(gs_form) :]
            eot = head + eot_form + tail
            if gs_form == "29" and head.endswith("0"):  # "029" -> "004": Alt+numpad pads to three digits
                eot = head[:-1] + "00" + "4" + tail
            found.append((head + rs_form + tail, eot))
    last = group_separator[-1:]
    if last and ord(last) % 0x20 == 0x1D and not last.isalnum() and last != "}":
        found.append((group_separator[:-1] + chr(ord(last) + 1), group_separator[:-1] + chr(ord(last) - 0x19)))
    if group_separator in _CODE_PAGE_SIBLINGS:
        found.append(_CODE_PAGE_SIBLINGS[group_separator])
    found.append((group_separator, group_separator))
    return list(dict.fromkeys(found))


class _Reading(NamedTuple):
    """A candidate reading: how well the vocabulary supports it, its canonical text, the repair it took."""

    score: int
    canonical: str
    repair: str


def _headers(text: str, vocabulary: AbstractSet[str]) -> Iterator[_Header]:
    # Whatever stands between "[)>" and the format is the RS; whatever follows the format before the first data
    # identifier is the GS (docs/formats.md, "How scans reach us"). Every split up to the length limit is tried,
    # shortest first: digits standing for a separator ("030", "029") make several splits of the same header possible.
    start = _ENVELOPE.match(text).end()  # type: ignore[union-attr]  # the caller checked
    for format_at in range(start, min(start + MAX_LEARNED_SEPARATOR, len(text)) + 1):
        fmt = text[format_at : format_at + 2]
        if fmt not in _FORMATS:
            continue
        after = format_at + 2
        for first in range(after, min(after + MAX_LEARNED_SEPARATOR, len(text)) + 1):
            group_separator = text[after:first]
            if fmt == "06":
                identifier = DATA_IDENTIFIER.match(text, first)
                plausible = identifier is not None and identifier.group() in vocabulary
            else:
                plausible = _is_strong(group_separator) and gs1_application_identifier(text, first) is not None
            record_separator = text[start:format_at]
            if not (plausible and _is_plausible_separator(group_separator)):
                continue
            if record_separator:
                if _is_plausible_separator(record_separator):
                    eot = next((e for r, e in sibling_separators(group_separator) if r == record_separator), EOT)
                    yield _Header(record_separator, format_at, group_separator, eot)
                continue
            # No RS in the header ("[)>06" + GS): the trailer is written like the GS, so learn it from the GS.
            if group_separator and group_separator != GS:
                for sibling_rs, sibling_eot in sibling_separators(group_separator):
                    yield _Header(sibling_rs, format_at, group_separator, sibling_eot)
            yield _Header(RS, format_at, group_separator)


@lru_cache(maxsize=1024)
def _learn_separators(
    text: str, profiles: tuple[SegmentationProfile, ...] = (), vocabulary: AbstractSet[str] = _STANDARD_VOCABULARY
) -> tuple[tuple[str, ...], str]:
    """Read an envelope whose separators are not the real ones: the readings, best first, and the repair.

    Cached: a scanner damages the same label the same way every time it is scanned.
    """
    learned: list[_Reading] = []
    dropped: _Header | None = None
    for header in _headers(text, vocabulary):
        if not header.group_separator:
            dropped = dropped or header
            continue
        readings = _read_learned(text, header, vocabulary)
        learned.extend(readings)
        if len(readings) == 1 and _is_strong(header.group_separator):
            (reading,) = readings
            if reading.score == _element_count(reading.canonical):
                return (reading.canonical,), reading.repair  # a separator that cannot be data, every DI known
    top = max((reading.score for reading in learned), default=0)
    if dropped is not None:
        dropped_readings = _read_dropped(text, dropped, profiles)
        gave_up = len(dropped_readings) > MAX_READINGS and not learned
        if gave_up or (dropped_readings and _element_count(dropped_readings[0]) > top):
            return dropped_readings, "dropped-separators"
    best = [reading for reading in learned if reading.score == top]
    return tuple(dict.fromkeys(reading.canonical for reading in best)), best[0].repair if best else ""


def _is_plausible_separator(separator: str) -> bool:
    """Whether a scanner could have sent ``separator`` for a control character: a substitute that starts with a
    symbol or punctuation (``^]``, ``{1D}``, ``%GS%``, a private-use character), or the Alt+numpad code of a
    control character (three or four digits worth less than 32: ``029``, ``0030``)."""
    if not separator or not separator[0].isalnum():
        return True
    return separator.isascii() and separator.isdigit() and 3 <= len(separator) <= 4 and int(separator) < 32


def _is_strong(separator: str) -> bool:
    """A separator that cannot be data: no letters or digits, and not one punctuation character labels use."""
    return bool(separator) and not any(c.isalnum() for c in separator) and separator not in _DATA_PUNCTUATION


def _read_learned(text: str, header: _Header, vocabulary: AbstractSet[str]) -> list[_Reading]:
    """Rewrite the message with real separators where the learned ones stand: its readings (several when a
    separator that could be data leaves a DI twice and either occurrence could be the real one)."""
    record_separator, group_separator = header.record_separator, header.group_separator
    end = _message_end(text, header.format_at, record_separator, group_separator, header.end_of_transmission)
    readings = _read_learned_to(text, header, end, vocabulary)
    cut = text[end + len(record_separator) :]
    if record_separator == group_separator and len(cut) == 1 and not text.endswith(EOT):
        # One substitute for every separator: "@K" at the end is a stray trailer character or an element K with
        # no value. Both readings are scored; the vocabulary decides, and a tie is an ambiguity.
        readings += _read_learned_to(text, header, len(text), vocabulary)
    return readings


def _read_learned_to(text: str, header: _Header, end: int, vocabulary: AbstractSet[str]) -> list[_Reading]:
    record_separator, group_separator = header.record_separator, header.group_separator
    records = _split_records(text[header.format_at : end], record_separator, group_separator)
    if records is None:
        return []
    strong = _is_strong(group_separator)
    caret = group_separator == "^]" or record_separator == "^^"
    repair = "caret-notation" if caret else "learned-separators"
    split = [(fmt, _split_elements(content, group_separator, fmt, strong)) for fmt, content in records]
    readings: list[_Reading] = []
    per_record = [
        _variants(elements, cuts, group_separator) if fmt == "06" else [elements] for fmt, (elements, cuts) in split
    ]
    for variant in islice(product(*per_record), _MAX_VARIANTS):
        rebuilt = [fmt + GS + GS.join(elements) for (fmt, _), elements in zip(split, variant, strict=True)]
        canonical = _canonical_of(HEADER + RS + RS.join(rebuilt) + RS + EOT)
        record = None if canonical is None else parse_ecia(canonical)
        if canonical is not None and record is not None:
            readings.append(_Reading(_score(record, vocabulary), canonical, repair))
    return readings


def _variants(elements: list[str], doubtful: frozenset[int], separator: str) -> list[list[str]]:
    # A DI that doubtful cuts made appear twice: one variant per occurrence kept as the element, the doubtful
    # others merged back into the value before them. An occurrence no doubtful cut made is always the one kept.
    if not doubtful:  # a separator that cannot be data cuts nothing in doubt: one reading
        return [elements]
    places_of: dict[str, list[int]] = {}  # where each DI occurs, DIs in order of first occurrence
    for index, element in enumerate(elements):
        match = DATA_IDENTIFIER.match(element)
        if match:
            places_of.setdefault(match.group(), []).append(index)
    choices: list[list[frozenset[int]]] = []
    for places in places_of.values():
        cut = [index for index in places if index in doubtful]
        if len(places) < 2 or not cut:
            continue
        keep = cut if len(cut) == len(places) else [None]
        choices.append([frozenset(index for index in cut if index != kept) for kept in keep])
    if not choices:
        return [elements]
    merges = {frozenset().union(*combination) for combination in islice(product(*choices), _MAX_VARIANTS)}
    return [_merge_back(elements, merge, separator) for merge in sorted(merges, key=sorted)]


def _merge_back(elements: list[str], indices: frozenset[int], separator: str) -> list[str]:
    merged: list[str] = []
    for index, element in enumerate(elements):
        if index in indices and merged:
            merged[-1] += separator + element
        else:
            merged.append(element)
    return merged


def _message_end(
    text: str, body_start: int, record_separator: str, group_separator: str, end_of_transmission: str = EOT
) -> int:
    # A real EOT ends the message; before it, the RS that only a trailer follows (nothing or EOT in some form,
    # else a stray character), rightmost first: the last data element must not swallow the trailer. "^^^D"
    # ends at the first "^^" (then "^D"), not the second (then "D").
    end = text.find(EOT, body_start)
    if end < 0:
        end = len(text)
    low = max(body_start + 2, end - len(record_separator) - MAX_LEARNED_SEPARATOR)
    sloppy = -1
    at = text.rfind(record_separator, low, end)
    while at >= 0:
        rest = text[at + len(record_separator) : end]
        if not rest or rest in _EOT_FORMS or rest == end_of_transmission:
            return at
        if sloppy < 0 and _is_sloppy_trailer(rest, record_separator, group_separator):
            sloppy = at
        at = text.rfind(record_separator, low, at + len(record_separator) - 1)
    return sloppy if sloppy >= 0 else end


def _is_sloppy_trailer(rest: str, record_separator: str, group_separator: str) -> bool:
    # A stray character; or, after an RS that is not the GS, a short unknown EOT ("%EOT%" after "%RS%") -
    # up to a learned separator's length, but only four characters after an RS of digits ("030"), which data
    # may hold.
    if len(rest) <= 1:
        return True
    if record_separator == group_separator or (group_separator or RS) in rest:
        return False
    return len(rest) <= (4 if record_separator.isalnum() else MAX_LEARNED_SEPARATOR)


def _split_records(body: str, record_separator: str, group_separator: str) -> list[tuple[str, str]] | None:
    # Each record starts with its format and the group separator; an RS followed by anything else is data (or,
    # when the scanner sent one character for every control character, a GS).
    records: list[tuple[str, str]] = []
    start = 0
    while True:
        fmt = body[start : start + 2]
        if fmt not in _FORMATS or not body.startswith(group_separator, start + 2):
            return None
        content_start = start + 2 + len(group_separator)
        at = body.find(record_separator, content_start)
        while at >= 0:
            after = at + len(record_separator)
            if body[after : after + 2] in _FORMATS and body.startswith(group_separator, after + 2):
                break
            at = body.find(record_separator, at + 1)
        if at < 0:
            records.append((fmt, body[content_start:]))
            return records
        records.append((fmt, body[content_start:at]))
        start = at + len(record_separator)


def _split_elements(content: str, separator: str, fmt: str, strong: bool) -> tuple[list[str], frozenset[int]]:
    # A learned separator separates only where an element follows it; elsewhere it is part of a value (a value
    # may hold "029" when Alt+numpad digits stand for GS). Returns the elements and which of them begin at a
    # doubtful cut (a separator that could also be data).
    pieces = content.split(separator)
    elements = [pieces[0]]
    doubtful: set[int] = set()
    for piece in pieces[1:]:
        if (strong and not piece) or _starts_element(piece, fmt, strong):
            if not strong:
                doubtful.add(len(elements))
            elements.append(piece)
        else:
            elements[-1] += separator + piece
    return elements, frozenset(doubtful)


def _starts_element(piece: str, fmt: str, strong: bool) -> bool:
    if fmt != "06":
        return gs1_application_identifier(piece) is not None
    if strong:
        return DATA_IDENTIFIER.match(piece) is not None
    return _KNOWN_ELEMENT.fullmatch(piece) is not None


def _score(record: EciaRecord, vocabulary: AbstractSet[str]) -> int:
    # Each element the vocabulary knows, with a value of its shape, counts for a reading; any other against it.
    score = 0
    for fmt, pairs in record.records:
        for identifier, value in pairs:
            if fmt != "06":
                known = bool(identifier)
            elif identifier not in vocabulary:
                known = False
            else:
                shape = _SHAPES.get(identifier)
                known = shape is None or not value or shape.fullmatch(value) is not None
            score += 1 if known else -1
    return score


def _element_count(canonical: str) -> int:
    return canonical.count(GS)


def _read_dropped(text: str, header: _Header, profiles: tuple[SegmentationProfile, ...]) -> tuple[str, ...]:
    end = _message_end(text, header.format_at, header.record_separator, "")
    readings: list[str] = []
    from barcode_plugins.formats.segmentation import (
        segment_readings,  # lazy: only a scan that lost its separators needs it
    )

    segmented, complete = segment_readings(text[header.format_at + 2 : end], profiles)
    for elements in segmented:
        # The reading is what the parser makes of it: a value cut with a separator or trailing space reads otherwise.
        reading = _canonical_of(canonical_ecia(EciaRecord.from_pairs((("06", elements),))))
        if reading is not None and reading not in readings:
            readings.append(reading)
    if not complete:
        # The search gave up: the body reads more ways than were found. Padding past MAX_READINGS makes the
        # result incomplete, which the engine reports as ambiguous (never as "not a label").
        readings += [text] * (MAX_READINGS + 1 - len(readings))
    return tuple(readings)
