"""Our own barcode format: a JSON object or a short form, both naming one item.

- JSON, the convention inventory systems share: ``{"stockitem": 42}`` (QR / DataMatrix).
- Short form for small 1D labels: ``bp:stockitem:42`` (lowercase ``bp:``, so it can never be read as an ECIA data
  identifier, an LCSC brace list or a TME ``KEY:value`` token, which are all upper case or braced).

The short form is read case-insensitively in its prefix and type, because a wedge scanner with caps lock on sends
``BP:STOCKITEM:42``: that is read as ``stockitem:42`` (the canonical form is lower case; the id is kept as read).
Only a known type is accepted that way, so an upper-case ``BP:...`` that is not ours stays someone else's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from barcode_plugins import Decoded, ItemRef, hookimpl
from barcode_plugins.errors import InternalBarcodeError, InvalidItemReference
from barcode_plugins.models import KNOWN_ITEM_TYPES

SHORT_PREFIX = "bp:"
# What encode_json writes for a known type and an integer id: read without the JSON parser (most scans are ours).
_CANONICAL_JSON = re.compile(r'\{"(' + "|".join(KNOWN_ITEM_TYPES) + r')": (0|[1-9][0-9]{0,17})\}\Z')
_JSON_SHAPE = re.compile(r'\A\{\s*"([^"]{1,40})"\s*:\s*(.{1,80}?)\s*\}\Z', re.DOTALL)


def encode_json(item: ItemRef) -> str:
    """The JSON payload for an item: ``{"stockitem": 42}`` (integer ids as JSON numbers)."""
    value: Any = int(item.id) if item.id.isdigit() else item.id
    return json.dumps({item.type: value}, separators=(", ", ": "))


def encode_short(item: ItemRef) -> str:
    """The short payload for a 1D label: ``bp:stockitem:42``."""
    return f"{SHORT_PREFIX}{item}"


def parse_internal(text: str) -> ItemRef | None:
    """The item an internal barcode names; ``None`` if the text is not ours.

    :raises InternalBarcodeError: the text is shaped like ours but names an unknown type or an invalid id.
    """
    if text.startswith(SHORT_PREFIX):
        return _item(text[len(SHORT_PREFIX) :], text)
    if text[:3].lower() == SHORT_PREFIX:
        return _short_in_other_case(text)
    canonical = _CANONICAL_JSON.match(text)
    if canonical is not None:
        return ItemRef(*canonical.groups())
    match = _JSON_SHAPE.match(text)
    if match is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or len(data) != 1:
        return None
    ((type_, value),) = data.items()
    if type_ not in KNOWN_ITEM_TYPES:
        if isinstance(value, int) and re.fullmatch(r"[a-z_]+", type_):
            raise InternalBarcodeError(
                f"internal barcode names unknown item type {type_!r}; known types: {', '.join(KNOWN_ITEM_TYPES)}"
            )
        return None  # someone else's JSON: an external barcode
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InternalBarcodeError(f"internal barcode {type_!r} id must be an integer, got {json.dumps(value)[:40]}")
    return _item(f"{type_}:{value}", text)


def _short_in_other_case(text: str) -> ItemRef | None:
    # ``BP:STOCKITEM:42`` (caps lock) or ``Bp:...``: ours only if the type, lower-cased, is a known one.
    type_, colon, id_ = text[len(SHORT_PREFIX) :].partition(":")
    if not colon or type_.lower() not in KNOWN_ITEM_TYPES:
        return None
    return _item(f"{type_.lower()}:{id_}", text)


def _item(reference: str, text: str) -> ItemRef:
    type_, colon, id_ = reference.partition(":")
    if colon and type_.lower() in KNOWN_ITEM_TYPES:
        reference = f"{type_.lower()}:{id_}"  # the canonical form is lower case
    try:
        item = ItemRef.parse(reference)
    except InvalidItemReference as error:
        raise InternalBarcodeError(f"internal barcode {text[:60]!r}: {error}") from None
    if item.type not in KNOWN_ITEM_TYPES:
        raise InternalBarcodeError(
            f"internal barcode names unknown item type {item.type!r}; known types: {', '.join(KNOWN_ITEM_TYPES)}"
        )
    return item


@hookimpl(tryfirst=True)
def decode(text: str) -> Decoded | None:
    """Decode ``{"stockitem": 42}`` or ``bp:stockitem:42``."""
    item = parse_internal(text)
    if item is None:
        return None
    return Decoded(plugin="internal", kind="internal", item=item, fields={item.type: item.id})


@hookimpl
def barcode_examples() -> Any:
    """Internal labels for every known type, in both forms."""
    from hypothesis import strategies as st

    from barcode_plugins import Example

    def example(type_: str, number: int, short: bool) -> Example:
        item = ItemRef(type_, str(number))
        text = encode_short(item) if short else encode_json(item)
        return Example(text, Decoded(plugin="internal", kind="internal", item=item, fields={type_: str(number)}))

    return st.builds(
        example,
        st.sampled_from([t for t in KNOWN_ITEM_TYPES]),
        st.integers(min_value=0, max_value=10**12),
        st.booleans(),
    )
