"""The decoded-barcode contract as the conformance suite checks it: the keys, what a valid value is, and how two
results are compared.

The keys are listed once, in ``barcode_plugins.models.CONTRACT_KEYS`` (re-exported here); the decoded-field
table of ``docs/formats.md`` is the human-readable source.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from barcode_plugins.models import CONTRACT_KEYS, Decoded, ItemRef
from barcode_plugins.quantities import to_json

#: The values a decoder chooses. ``plugin``, ``raw`` and ``barcode_hash`` are filled by the engine, so they are
#: never compared; ``item`` (internal barcodes) is.
DECODER_KEYS: tuple[str, ...] = tuple(
    key for key in (*CONTRACT_KEYS, "item") if key not in ("plugin", "raw", "barcode_hash")
)

#: Keys that say which label a barcode is; ``fields`` is left out because it may hold volatile parts (a load id,
#: padding) that a ``link_item`` implementation is allowed to ignore.
IDENTITY_KEYS: tuple[str, ...] = tuple(key for key in DECODER_KEYS if key != "fields")

KINDS: tuple[str, ...] = ("supplier", "internal", "external")
_TEXT_KEYS: tuple[str, ...] = tuple(
    key for key in CONTRACT_KEYS if key not in ("kind", "quantity", "fields", "barcode_hash", "raw")
)


def contract_problems(value: object) -> list[str]:
    """What is wrong with a decoder's answer, as sentences; empty when it is a valid :class:`Decoded`."""
    if not isinstance(value, Decoded):
        return [f"returned {type(value).__name__}, expected barcode_plugins.Decoded or None"]
    problems: list[str] = []
    if value.kind not in KINDS:
        problems.append(f"kind is {value.kind!r}, expected one of {', '.join(KINDS)}")
    for key in _TEXT_KEYS:
        text = getattr(value, key)
        if text is None:
            continue
        if not isinstance(text, str):
            problems.append(f"{key} is {type(text).__name__} {text!r}, expected text or None")
        elif text == "":
            problems.append(f"{key} is the empty string; use None for a value the label does not carry")
    problems.extend(_quantity_problems(value.quantity))
    if isinstance(value.ship_date, str) and value.ship_date and not _is_iso_date(value.ship_date):
        problems.append(f"ship_date {value.ship_date!r} is not an ISO date YYYY-MM-DD")
    problems.extend(_fields_problems(value.fields))
    if value.item is not None and not isinstance(value.item, ItemRef):
        problems.append(f"item is {type(value.item).__name__}, expected barcode_plugins.ItemRef or None")
    if value.kind == "internal" and value.item is None:
        problems.append("kind is 'internal' but item is None: an internal barcode names the item it refers to")
    return problems


def _quantity_problems(quantity: object) -> list[str]:
    if quantity is None:
        return []
    if isinstance(quantity, bool) or not isinstance(quantity, (int, float, Decimal)):
        return [f"quantity is {type(quantity).__name__} {quantity!r}, expected a number (int or Decimal) or None"]
    if isinstance(quantity, (float, Decimal)) and not math.isfinite(quantity):
        return [f"quantity is {quantity!r}, which JSON cannot carry"]
    if quantity < 0:
        return [f"quantity is negative ({quantity!r})"]
    return []


def _fields_problems(fields: object) -> list[str]:
    if not isinstance(fields, Mapping):
        return [f"fields is {type(fields).__name__}, expected a dict of {{identifier: value}} text"]
    bad = [(key, item) for key, item in fields.items() if not isinstance(key, str) or not isinstance(item, str)]
    if bad:
        key, item = bad[0]
        return [f"fields must map text to text; {key!r}: {item!r} is {type(key).__name__}: {type(item).__name__}"]
    return []


def _is_iso_date(text: str) -> bool:
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def decoder_view(value: Decoded) -> dict[str, Any]:
    """Every key of a result as a plain dict (``fields`` as a list of pairs, so label order counts)."""
    view = {key: getattr(value, key) for key in (*CONTRACT_KEYS, "item")}
    fields = value.fields
    view["fields"] = list(fields.items()) if isinstance(fields, Mapping) else fields
    return view


def differences(expected: Decoded, actual: Decoded, keys: tuple[str, ...] = DECODER_KEYS) -> list[str]:
    """The keys on which two results differ, as ``key: expected X, got Y`` lines (empty when they agree).

    ``fields`` must agree in content and in label order; ``25`` and ``25.0`` are different quantities (JSON
    prints them differently), ``Decimal("2.5")`` and ``2.5`` the same one (JSON prints both as ``2.5``).
    """
    left, right = decoder_view(expected), decoder_view(actual)
    lines = []
    for key in keys:
        want, got = left[key], right[key]
        if key == "quantity":
            same = _as_json_number(want) == _as_json_number(got)
        else:
            same = want == got and type(want) is type(got)
        if not same:
            lines.append(f"{key}: expected {want!r}, got {got!r}")
    return lines


def _as_json_number(quantity: object) -> str:
    # What the JSON output prints for a quantity: exact decimals go out as the number they show.
    if isinstance(quantity, Decimal):
        return json.dumps(to_json(quantity))
    return json.dumps(quantity) if isinstance(quantity, (int, float)) else repr(quantity)


def same_decoding(left: Decoded, right: Decoded) -> bool:
    """Whether two results agree on every key a decoder decides (fields in the same order)."""
    return not differences(left, right)


def without_engine_keys(value: Decoded) -> Decoded:
    """The result with the keys the engine fills blanked (``plugin``, ``raw``, ``barcode_hash``)."""
    return attrs.evolve(value, plugin=None, raw="", barcode_hash="")


#: Written forms of a separator that no value of a clean label holds by accident (checked for residue).
SEPARATOR_RESIDUE = re.compile(
    "[\x1d\x1e\x04\u241d\u241e\u2404\ue01d\ue01e\ue004\u2194\u25b2\u2666]|\\^[\\]^D]"
    "|[<{\\[](?:GS|RS|EOT)[>}\\]]|\\\\(?:x|u00)(?:1D|1E|04)",
    re.IGNORECASE,
)


def separator_residue(clean: Mapping[str, object], damaged: Mapping[str, object]) -> list[str]:
    """The values of ``damaged`` (key -> value, e.g. a result's contract keys and fields) that hold a separator
    or a written form of one that the same value of ``clean`` does not: ``["4L: 'US^^^D'"]``."""
    found = []
    for key, value in damaged.items():
        if not isinstance(value, str):
            continue
        residue = set(SEPARATOR_RESIDUE.findall(value)) - set(SEPARATOR_RESIDUE.findall(str(clean.get(key) or "")))
        if residue or SEPARATOR_RESIDUE.search(key):
            found.append(f"{key}: {value!r}")
    return found
