"""TME labels, in their two shapes.

QR code: space-separated ``KEY:value`` tokens, then free words and the product URL::

    QTY:10 PN:1N4148-DIO PO:21345678/3 CPO:PO-2024-0117 MFR:VISHAY MPN:1N4148-TAP RoHS https://www.tme.eu/details/1N4148-DIO

``PN`` is the TME symbol, ``PO`` TME's order number and line, ``CPO`` the buyer's PO. Values never contain spaces
but may contain colons (an MPN ``ABC:1``): a token's key ends at its first colon. Free words are kept in
``fields`` under ``word`` (``word#2``, ...) and the URL under ``url``; lowercase, so they never collide with a
TME key.

DataMatrix: ECIA data identifiers separated by spaces, without envelope (``K`` is TME's order and line, *not*
the buyer's PO)::

    P1N4148-DIO 1P1N4148-TAP Q10 K21345678/3
"""

from __future__ import annotations

import re
from typing import Any

from barcode_plugins import Decoded, LabelFormat, hookimpl
from barcode_plugins.formats.ecia import (
    DATA_IDENTIFIER,
    DATA_IDENTIFIERS,
    EciaRecord,
    decoded_from_ecia,
    fields_from_pairs,
    parse_quantity,
)

PLUGIN = "tme"
SUPPLIER = "TME"
#: The keys TME prints on its QR labels; a QR label carries ``PN`` and at least one other.
QR_KEYS = frozenset({"QTY", "PN", "PO", "CPO", "MFR", "MPN"})
WORD_KEY = "word"
URL_KEY = "url"
#: A TME label carries about ten tokens; text with far more is not one (refused early: decode stays fast).
MAX_TOKENS = 64
_TOKEN_SEPARATOR = re.compile(r"[ \t\r\n]+")
# What str.split() also splits ASCII text on, besides the token separators (GS and RS are refused before).
_OTHER_ASCII_WHITESPACE = re.compile("[\x0b\x0c\x1c\x1f]")
_KEY_VALUE = re.compile(r"([A-Za-z][A-Za-z0-9]*):(.*)\Z", re.DOTALL)
#: Keys some TME QR labels add (read in any case, ``CoO:CN``): the country of origin and the lot. Kept in ``fields``
#: as printed, and mapped: a country given as two letters is upper-cased (ISO 3166 alpha-2).
COUNTRY_KEYS = frozenset({"COO", "COUNTRY", "ORIGIN"})
LOT_KEYS = frozenset({"LOT"})
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_ECIA_SEPARATORS = re.compile("[\x1d\x1e\x04]")
_QR_KEY = "(?:" + "|".join(sorted(QR_KEYS)) + "):"
#: The QR label starts with ``KEY:value`` tokens, two of them TME's (in any order); the DataMatrix is a list of the data
#: identifiers below. Both route scans to this plugin and show keyboard-layout damage (``:`` and ``-`` move).
_ANY_TOKEN = r"(?:[A-Za-z][A-Za-z0-9]*:[^ ]* )*?"
QR_FORMAT = LabelFormat.text(f"{PLUGIN}-qr", start=f"{_ANY_TOKEN}{_QR_KEY}[^ ]* {_ANY_TOKEN}{_QR_KEY}")
# The DataMatrix is read as ECIA elements, so any standard identifier it prints (4L, 1T, 9D, ...) is routed here
# and mapped like any ECIA label's.
DATAMATRIX_FORMAT = LabelFormat.identifier_list(
    f"{PLUGIN}-datamatrix", elements=dict.fromkeys(DATA_IDENTIFIERS), required=("P", "1P", "Q")
)


def split_tokens(text: str) -> list[str]:
    """The label's tokens: what spaces, tabs, CR and LF separate."""
    if text.isascii() and not _OTHER_ASCII_WHITESPACE.search(text):
        return text.split()  # the same tokens as the expression below (tested), at a third of its cost
    return [token for token in _TOKEN_SEPARATOR.split(text) if token]


def split_order_line(value: str | None) -> tuple[str | None, str | None]:
    """TME's ``order/line``: ``"21345678/3"`` -> ``("21345678", "3")``; without ``/line`` all of it is the order."""
    if not value:
        return None, None
    order, slash, line = value.rpartition("/")
    if slash and order and line.isdigit():
        return order, line
    return value, None


def read_qr(tokens: list[str]) -> dict[str, str] | None:
    """The QR label's fields in order; ``None`` unless it carries ``PN`` and another TME key."""
    pairs: list[tuple[str, str]] = []
    for token in tokens:
        key_value = _KEY_VALUE.match(token)
        if "://" in token and _URL.match(token):
            pairs.append((URL_KEY, token))
        elif key_value:
            pairs.append((key_value.group(1), key_value.group(2)))
        else:
            pairs.append((WORD_KEY, token))
    fields = fields_from_pairs(pairs)
    if not fields.get("PN") or len(QR_KEYS & fields.keys()) < 2:
        return None
    return fields


def read_datamatrix(tokens: list[str]) -> EciaRecord | None:
    """The DataMatrix as an ECIA record; ``None`` unless every token is a DI element and ``P``, ``1P`` and a
    numeric ``Q`` are there (so a line of capitalised words is not read as one)."""
    pairs: list[tuple[str, str]] = []
    for token in tokens:
        identifier = DATA_IDENTIFIER.match(token)
        if identifier is None:
            return None
        pairs.append((identifier.group(), token[identifier.end() :]))
    if not pairs:
        return None
    record = EciaRecord.from_pairs((("06", tuple(pairs)),))
    if not record.get("P") or not record.get("1P") or parse_quantity(record.get("Q")) is None:
        return None
    return record


def _first_of(fields: dict[str, str], keys: frozenset[str]) -> str | None:
    """The first non-empty value under one of ``keys``, compared in upper case."""
    return next((value for key, value in fields.items() if value and key.upper() in keys), None)


def _country(value: str | None) -> str | None:
    return value.upper() if value and len(value) == 2 and value.isalpha() else value


def _decode_qr(fields: dict[str, str]) -> Decoded:
    order, line = split_order_line(fields.get("PO"))
    return Decoded(
        plugin=PLUGIN,
        kind="supplier",
        supplier=SUPPLIER,
        supplier_part_number=fields["PN"],
        manufacturer_part_number=fields.get("MPN") or None,
        manufacturer=fields.get("MFR") or None,
        quantity=parse_quantity(fields.get("QTY")),
        purchase_order=fields.get("CPO") or None,
        purchase_order_line=line,
        supplier_order_number=order,
        lot_code=_first_of(fields, LOT_KEYS),
        country_of_origin=_country(_first_of(fields, COUNTRY_KEYS)),
        fields=fields,
    )


def _decode_datamatrix(record: EciaRecord) -> Decoded:
    # "K21345678/3" is TME's order 21345678, line 3: not the buyer's PO, whatever the standard says about K.
    order, line = split_order_line(record.get("K"))
    order_fields = {"supplier_order_number": order, "purchase_order_line": line} if order else {}
    return decoded_from_ecia(
        record,
        plugin=PLUGIN,
        supplier=SUPPLIER,
        supplier_part_number=record.get("P"),
        customer_part_number=None,
        purchase_order=None,
        **order_fields,
    )


@hookimpl
def decode(text: str) -> Decoded | None:
    """Decode a TME QR or DataMatrix label; ``None`` for any other text."""
    if not isinstance(text, str) or ("PN:" not in text and "1P" not in text) or _ECIA_SEPARATORS.search(text):
        return None  # a QR label has a PN token, a DataMatrix a 1P element: substring tests rule out most text
    tokens = split_tokens(text)
    if len(tokens) > MAX_TOKENS:
        return None
    qr_fields = read_qr(tokens) if "PN:" in text else None
    if qr_fields is not None:
        return _decode_qr(qr_fields)
    record = read_datamatrix(tokens)
    return None if record is None else _decode_datamatrix(record)


@hookimpl
def label_formats() -> list[LabelFormat]:
    """TME's QR code (``KEY:value`` tokens) and DataMatrix (data identifiers separated by spaces)."""
    return [QR_FORMAT, DATAMATRIX_FORMAT]


@hookimpl
def barcode_examples() -> Any:
    """QR labels (keys reordered, optional keys, colons in values, free words, URL) and DataMatrix labels."""
    from hypothesis import strategies as st  # lazy: only the test suites need hypothesis

    from barcode_plugins import Example

    symbol = st.from_regex(r"[A-Z0-9][A-Z0-9./%+\-]{0,20}", fullmatch=True)
    mpn = st.from_regex(r"[A-Z0-9][A-Z0-9./#+:\-]{0,20}", fullmatch=True) | st.sampled_from(["ABC:1", "X:Y:Z"])
    quantity = st.integers(1, 10**7)
    order_line = st.builds("{}/{}".format, st.integers(10**7, 10**8 - 1), st.integers(1, 400)) | st.integers(
        10**7, 10**8 - 1
    ).map(str)

    @st.composite
    def qr_examples(draw: Any) -> Example:
        part_number, count = draw(symbol), draw(quantity)
        pairs = [("QTY", str(count)), ("PN", part_number)]
        optional = {
            "PO": order_line,
            "CPO": st.just("") | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9/_.:\-]{0,20}", fullmatch=True),
            "MFR": st.from_regex(r"[A-ZÄÖÜ][A-ZÄÖÜ0-9&.\-]{0,15}", fullmatch=True) | st.just("WÜRTH-ELEKTRONIK"),
            "MPN": mpn,
            "LOT": st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True),  # keys some labels add
            "COO": st.sampled_from(["CN", "TW", "DE", "PL", "JP", "MY"]),
        }
        pairs += [(key, draw(values)) for key, values in optional.items() if draw(st.booleans())]
        # The added keys are printed in more than one case ("CoO:CN").
        pairs = [(draw(st.sampled_from(["COO", "CoO", "Coo"])) if key == "COO" else key, value) for key, value in pairs]
        pairs = draw(st.permutations(pairs))
        pairs += [(WORD_KEY, word) for word in draw(st.lists(st.sampled_from(["RoHS", "ESD", "Pb-free"]), max_size=2))]
        if draw(st.booleans()):
            pairs.append((URL_KEY, "https://www.tme.eu/details/" + part_number.lower()))
        text = " ".join(value if key in (WORD_KEY, URL_KEY) else f"{key}:{value}" for key, value in pairs)
        fields = fields_from_pairs(pairs)
        order, line = split_order_line(fields.get("PO"))
        expected = Decoded(
            plugin=PLUGIN,
            kind="supplier",
            supplier=SUPPLIER,
            supplier_part_number=part_number,
            manufacturer_part_number=fields.get("MPN"),
            manufacturer=fields.get("MFR"),
            quantity=count,
            purchase_order=fields.get("CPO") or None,
            purchase_order_line=line,
            supplier_order_number=order,
            lot_code=fields.get("LOT"),
            country_of_origin=next((value for key, value in fields.items() if key.upper() == "COO"), None),
            fields=fields,
        )
        return Example(text, expected)

    @st.composite
    def datamatrix_examples(draw: Any) -> Example:
        part_number, manufacturer_part_number, count = draw(symbol), draw(mpn), draw(quantity)
        elements = [("P", part_number), ("1P", manufacturer_part_number), ("Q", str(count))]
        order = draw(st.none() | order_line)
        if order is not None:
            elements.append(("K", order))
        elements = draw(st.permutations(elements))
        order_number, line = split_order_line(order)
        expected = Decoded(
            plugin=PLUGIN,
            kind="supplier",
            supplier=SUPPLIER,
            supplier_part_number=part_number,
            manufacturer_part_number=manufacturer_part_number,
            quantity=count,
            purchase_order_line=line,
            supplier_order_number=order_number,
            fields=dict(elements),
        )
        return Example(" ".join(di + value for di, value in elements), expected)

    return qr_examples() | datamatrix_examples()
