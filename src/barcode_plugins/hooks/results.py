"""What a plugin may answer, checked in one place: a wrong type is that plugin's recorded failure, never a crash.

In-process plugins are trusted code (they can do anything Python can); these checks only stop an honest mistake
in one plugin (a quantity as text, ``fields`` as a list, ``match_po_line`` returning a number) from taking the
engine or a whole batch down. Each ``check_*`` returns ``None`` for a good answer, else why it is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

from barcode_plugins.formats.label_formats import DeclarationError, LabelFormat
from barcode_plugins.models import Decoded, ItemRef, PurchaseOrderLine

#: What a plugin raising counts as its own failure. ``KeyboardInterrupt`` is not here: Ctrl-C must still stop
#: the program. ``SystemExit`` and ``GeneratorExit`` from a hook end nothing but that plugin's answer.
PLUGIN_FAILURES: tuple[type[BaseException], ...] = (Exception, SystemExit, GeneratorExit)

_KINDS = frozenset(("supplier", "internal", "external"))
_TEXT_OR_NONE = frozenset((str, type(None)))
_TEXT = frozenset((str,))
_TEXT_FIELDS = (
    "supplier",
    "supplier_part_number",
    "manufacturer_part_number",
    "manufacturer",
    "customer_part_number",
    "purchase_order",
    "purchase_order_line",
    "supplier_order_number",
    "packing_list_number",
    "invoice_number",
    "ship_date",
    "date_code",
    "lot_code",
    "serial_number",
    "country_of_origin",
)
# One C call reads every text field: this check runs once per decoded scan, so it is kept to a few set operations.
_text_values = attrgetter(*_TEXT_FIELDS)


def check_decoded(result: object) -> str | None:
    """Why a ``decode`` answer is unusable, or ``None`` if it is a well-typed :class:`Decoded`."""
    if not isinstance(result, Decoded):
        return f"returned {type(result).__name__}, not Decoded"
    if result.kind not in _KINDS:
        return f"returned kind {result.kind!r}; expected one of {', '.join(sorted(_KINDS))}"
    values = _text_values(result)
    if not set(map(type, values)) <= _TEXT_OR_NONE:  # slow path only to name the field (or allow a str subclass)
        for name, value in zip(_TEXT_FIELDS, values, strict=True):
            if value is not None and not isinstance(value, str):
                return f"returned {name} as {type(value).__name__}, not text"
    quantity = result.quantity
    if quantity is not None:
        reason = _check_quantity(quantity)
        if reason:
            return reason
    fields = result.fields
    if not isinstance(fields, Mapping):
        return f"returned fields as {type(fields).__name__}, not a mapping of text to text"
    if not (set(map(type, fields.keys())) | set(map(type, fields.values()))) <= _TEXT:
        for key, value in fields.items():
            if not isinstance(key, str) or not isinstance(value, str):
                return f"returned fields with {type(key).__name__} -> {type(value).__name__}; keys and values are text"
    if result.item is not None and not isinstance(result.item, ItemRef):
        return f"returned item as {type(result.item).__name__}, not ItemRef"
    return None


def _check_quantity(quantity: Any) -> str | None:
    kind = type(quantity)
    if kind is int:
        return None
    if kind is float:
        return None if math.isfinite(quantity) else f"returned quantity {quantity!r}, not a finite number"
    from decimal import Decimal  # lazy: decoding text that carries no quantity need not import decimal

    if isinstance(quantity, bool) or not isinstance(quantity, (int, float, Decimal)):
        return f"returned quantity as {kind.__name__}, not a number"
    if not math.isfinite(quantity):
        return f"returned quantity {quantity!r}, not a finite number"
    return None  # the sign is the engine's business: a label may well print Q0


def check_lines(result: object) -> str | None:
    """Why a ``match_po_line`` answer is unusable, or ``None`` if it is a sequence of order lines."""
    if isinstance(result, (str, bytes)) or not isinstance(result, Sequence):
        return f"returned {type(result).__name__}, not a sequence of PurchaseOrderLine"
    for line in result:
        if not isinstance(line, PurchaseOrderLine):
            return f"returned a sequence holding {type(line).__name__}, not PurchaseOrderLine"
    return None


def check_link_key(result: object) -> str | None:
    """Why a ``link_item`` answer is unusable, or ``None`` if it is non-empty text."""
    if not isinstance(result, str):
        return f"returned {type(result).__name__}, not text"
    if not result:
        return "returned an empty key"
    if len(result) > 1024:
        return f"returned a key of {len(result):,} characters; at most 1,024"
    return None


def check_label_formats(result: object) -> str | None:
    """Why a ``label_formats`` answer is unusable, or ``None`` if it is a sequence of valid :class:`LabelFormat`."""
    if isinstance(result, (str, bytes)) or not isinstance(result, Sequence):
        return f"returned {type(result).__name__}, not a sequence of LabelFormat"
    for label_format in result:
        if not isinstance(label_format, LabelFormat):
            return f"returned {type(label_format).__name__}, not a LabelFormat"
        try:
            label_format.check()
        except (DeclarationError, TypeError) as error:
            return str(error)
    return None
