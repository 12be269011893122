"""Hypothesis strategies that build example labels, for ``barcode_examples`` hooks (yours and the built-ins').

Importing this module imports hypothesis: import it inside your ``barcode_examples`` hook, never at module level,
so normal use never pays for it. It sits with the hooks, not in :mod:`barcode_plugins.testing`, because a plugin's
examples hook uses it and plugins never import the test suite.

- :func:`ecia_text` builds the clean text of an ECIA / EIGP-114 label from ``(identifier, value)`` pairs;
- :func:`ecia_values`, :func:`part_numbers`, :func:`quantities`, :func:`ship_dates`, :func:`country_codes`,
  :func:`date_codes` draw values that survive a scanner (no separators, no placeholders);
- :func:`generic_ecia_examples` is the strategy of the built-in generic ECIA decoder, a model for your own.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st

from barcode_plugins.formats.ecia import EOT, GS, HEADER, RS
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded

#: Characters of a label value that no scanner or normaliser changes (no separators, brackets, carets, spaces).
VALUE_ALPHABET = string.ascii_uppercase + string.digits + "-./"


# -- building labels ---------------------------------------------------------------------------------------
def ecia_text(elements: Iterable[tuple[str, str]], *, record_format: str = "06", trailer: bool = True) -> str:
    """The clean text of an ISO/IEC 15434 label: ``[)>`` RS ``06`` GS ``1PNE555`` GS ``Q50`` ... RS EOT.

    :param elements: ``(data identifier, value)`` pairs in label order, e.g. ``[("1P", "NE555DR"), ("Q", "50")]``.
    :param trailer: end with RS EOT (most labels); without it, the text ends after the last element.
    """
    body = GS.join(identifier + value for identifier, value in elements)
    return HEADER + RS + record_format + GS + body + (RS + EOT if trailer else "")


def ecia_values(min_size: int = 1, max_size: int = 16) -> st.SearchStrategy[str]:
    """Values for an ECIA element (upper-case letters, digits, ``-./``)."""
    return st.text(VALUE_ALPHABET, min_size=min_size, max_size=max_size)


def part_numbers(prefix: str = "", suffix: str = "") -> st.SearchStrategy[str]:
    """Part numbers like ``STM32F103C8T6``: starts with a letter or digit, never ends with ``-ND`` by accident."""
    core = st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=4).flatmap(
        lambda head: st.text(VALUE_ALPHABET, max_size=14).map(lambda tail: head + tail)
    )
    return core.filter(lambda text: not text.endswith("-ND")).map(lambda text: f"{prefix}{text}{suffix}")


def quantities() -> st.SearchStrategy[int]:
    """Quantities on a label: 1 to a million."""
    return st.integers(min_value=1, max_value=1_000_000)


def ship_dates() -> st.SearchStrategy[datetime.date]:
    """Plausible ship dates."""
    return st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31))


def country_codes() -> st.SearchStrategy[str]:
    """ISO 3166 alpha-2 codes as printed on labels."""
    return st.sampled_from(["CN", "DE", "JP", "MY", "PH", "TH", "TW", "US", "MX", "KR", "VN", "IE"])


def date_codes() -> st.SearchStrategy[str]:
    """YYWW date codes."""
    return st.builds(lambda year, week: f"{year:02d}{week:02d}", st.integers(0, 99), st.integers(1, 53))


# -- the generic ECIA decoder's examples -----------------------------------------------------------------
#: Optional elements of a generic (vendor-neutral) ECIA label: DI -> (contract key, value strategy factory).
#: Standard identifiers every vendor prints (``10K`` and ``1V`` included: they claim nothing for anyone); ``P``,
#: ``30P``, ``14K`` and ``11Z``..``20Z``, whose values are what suppliers recognise their labels by, are left out.
_GENERIC_OPTIONAL: dict[str, tuple[str, Callable[[], st.SearchStrategy[Any]]]] = {
    "K": ("purchase_order", lambda: ecia_values(0, 12)),
    "10K": ("invoice_number", ecia_values),
    "1V": ("manufacturer", ecia_values),
    "1K": ("supplier_order_number", ecia_values),
    "4K": ("purchase_order_line", lambda: st.integers(1, 999).map(str)),
    "11K": ("packing_list_number", ecia_values),
    "1T": ("lot_code", ecia_values),
    "10D": ("date_code", date_codes),
    "6D": ("ship_date", ship_dates),
    "4L": ("country_of_origin", country_codes),
    "S": ("serial_number", ecia_values),
}


@st.composite
def generic_ecia_examples(draw: st.DrawFn, plugin: str = "ecia") -> Example:
    """Vendor-neutral ECIA labels (``1P`` and ``Q`` plus optional standard elements) and what they decode to.

    The model for an ECIA supplier's ``barcode_examples``: draw the values, build the text with
    :func:`ecia_text`, and state the expected :class:`Decoded` independently of the decoder.
    """
    mpn = draw(part_numbers())
    quantity = draw(quantities())
    elements: list[tuple[str, str]] = [("1P", mpn), ("Q", str(quantity))]
    values: dict[str, Any] = {"manufacturer_part_number": mpn, "quantity": quantity}
    chosen = draw(st.lists(st.sampled_from(sorted(_GENERIC_OPTIONAL)), unique=True, max_size=len(_GENERIC_OPTIONAL)))
    for identifier in chosen:
        key, values_of = _GENERIC_OPTIONAL[identifier]
        value = draw(values_of())
        if isinstance(value, datetime.date):
            elements.append((identifier, value.strftime("%Y%m%d")))
            values[key] = value.isoformat()
        else:
            elements.append((identifier, value))
            values[key] = value or None
    elements = draw(st.permutations(elements))
    text = ecia_text(elements, trailer=draw(st.booleans()))
    expected = Decoded(plugin=plugin, kind="supplier", supplier=None, fields=dict(elements), **values)
    return Example(text, expected)
