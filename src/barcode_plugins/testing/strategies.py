"""Hypothesis strategies for plugin authors' ``barcode_examples`` hooks and for the conformance suite.

Importing this module imports hypothesis: import it inside your ``barcode_examples`` hook, not at module level.

For authors:

- :func:`ecia_text` builds the clean text of an ECIA / EIGP-114 label from ``(identifier, value)`` pairs;
- :func:`ecia_values`, :func:`part_numbers`, :func:`quantities`, :func:`ship_dates`, :func:`country_codes` draw
  values that survive a scanner (no separators, no placeholders);
- :func:`generic_ecia_examples` is the strategy of the built-in generic ECIA decoder, a model for your own.

For the suite: :func:`arbitrary_scans` (what a totality check throws at a decoder) and
:func:`purchase_order_scenarios` (orders and lines for ``match_po_line``).
"""

from __future__ import annotations

import datetime
import json
import string
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from hypothesis import strategies as st

from barcode_plugins.formats.ecia import DATA_IDENTIFIER, EOT, GS, HEADER, RS
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded, PurchaseOrder, PurchaseOrderLine

#: Characters of a label value that no scanner or normaliser changes (no separators, brackets, carets, spaces).
VALUE_ALPHABET = string.ascii_uppercase + string.digits + "-./"

#: Characters that mean something to some decoder or to the normaliser: separators, their pictures and caret
#: notation, envelope and brace-list punctuation. Totality inputs are dense in them.
FORMAT_CHARACTERS = '[)>{}":,/ \t\r\n\x1d\x1e\x04\x1c\x1f\x00␝␞␄^]<>\\PQKSTVZDLX0123456789-bp'


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


# -- what the totality check throws at a decoder ---------------------------------------------------------
def _repeat_to(text: str, size: int) -> str:
    return (text * (size // max(len(text), 1) + 1))[:size]


def adversarial_scans(size: int = 100_000) -> list[str]:
    """Inputs every decoder is always tried on: empty and separator-only text, and each format's shape repeated
    to about ``size`` characters (repeated keys and data identifiers catch work that grows quadratically)."""
    return [
        "",
        " ",
        "\x1d\x1e\x04",
        _repeat_to("\x1d", size),
        _repeat_to("[)>", size),
        "[)>\x1e06\x1d" + _repeat_to("1P0\x1d", size),
        "[)>\x1e06\x1d" + _repeat_to("11ZX\x1dQ1\x1d", size),
        "{" + _repeat_to("a:b,", size) + "a:b}",
        "{" + ",".join(f"k{index}:v{index}" for index in range(size // 8)) + "}",
        _repeat_to("Q:1 PN:X ", size),
        _repeat_to("P1 Q1 ", size),
        '{"stockitem": ' + "9" * size + "}",
        "bp:stockitem:" + "1" * size,
    ]


def huge_scans(size: int = 100_000) -> st.SearchStrategy[str]:
    """Inputs of about ``size`` characters: a repeated fragment, or a format's shape blown up."""
    fragment = st.text(min_size=1, max_size=40)
    many_elements = st.lists(st.tuples(st.sampled_from(["1P", "Q", "K", "30P", "11Z"]), ecia_values()), min_size=1)
    return st.one_of(
        st.builds(_repeat_to, fragment, st.just(size)),
        many_elements.map(lambda pairs: ecia_text(pairs * (size // (len(ecia_text(pairs)) or 1) + 1))),
        st.sampled_from(adversarial_scans(size)),
    )


def _mutate(text: str, position: int, action: str, extra: str) -> str:
    if not text:
        return extra
    at = position % (len(text) + 1)
    if action == "truncate":
        return text[:at]
    if action == "insert":
        return text[:at] + extra + text[at:]
    if action == "delete":
        return text[:at] + text[at + 1 :]
    if action == "duplicate":
        return text[:at] + text[at:] * 2
    if action == "swapcase":
        return text.swapcase()
    return text.replace(GS, extra).replace(RS, extra)  # "separators": every separator replaced


def mutated(labels: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Real labels damaged: cut short, a character inserted or deleted, a tail doubled, case swapped."""
    actions = st.sampled_from(["truncate", "insert", "delete", "duplicate", "swapcase", "separators"])
    return st.builds(_mutate, labels, st.integers(0, 10_000), actions, st.text(FORMAT_CHARACTERS, max_size=3))


def format_shaped_noise() -> st.SearchStrategy[str]:
    """Text shaped like each known format, with nonsense inside: envelopes, brace lists, tokens, JSON."""
    any_text = st.text(max_size=30)
    identifiers = st.from_regex(DATA_IDENTIFIER, fullmatch=True)
    elements = st.lists(st.tuples(identifiers, st.one_of(ecia_values(0), any_text)), max_size=12)
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
        max_leaves=6,
    )
    return st.one_of(
        st.builds(lambda pairs, trailer: ecia_text(pairs, trailer=trailer), elements, st.booleans()),
        st.builds(lambda pairs: ">[)>06" + GS + GS.join(a + b for a, b in pairs), elements),
        st.lists(st.tuples(st.text("abcdefghijklmnopqrstuvwxyz", max_size=4), any_text), max_size=8).map(
            lambda pairs: "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"
        ),
        st.lists(
            st.tuples(st.sampled_from(["QTY", "PN", "PO", "CPO", "MFR", "MPN", "X"]), st.text(max_size=12)),
            max_size=8,
        ).map(lambda pairs: " ".join(f"{key}:{value}" for key, value in pairs)),
        st.dictionaries(st.text(max_size=12), json_values, max_size=3).map(lambda data: json.dumps(data)),
        st.builds(
            lambda key, value: json.dumps({key: value}), st.sampled_from(["stockitem", "part", "x"]), json_values
        ),
        any_text.map(lambda text: "bp:" + text),
    )


def arbitrary_scans(labels: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Anything a decoder may be handed: unicode and control characters, format-shaped noise, ~100 KB inputs,
    and (given ``labels``, e.g. every installed plugin's examples) real labels and damaged copies of them."""
    choices: list[st.SearchStrategy[str]] = [
        st.text(),
        st.text(st.characters(codec=None, exclude_categories=())),  # lone surrogates included
        st.text(FORMAT_CHARACTERS),
        format_shaped_noise(),
        huge_scans(),
    ]
    if labels is not None:
        choices += [labels, mutated(labels)]
    return st.one_of(choices)


# -- purchase orders for match_po_line --------------------------------------------------------------------
@st.composite
def supplier_barcodes(draw: st.DrawFn, plugin: str = "acme") -> Decoded:
    """Decoded supplier labels with random part numbers and order references (for matchers without examples)."""
    maybe = st.none() | ecia_values()
    return Decoded(
        plugin=plugin,
        kind="supplier",
        supplier=draw(st.none() | st.just(plugin.title())),
        supplier_part_number=draw(maybe),
        manufacturer_part_number=draw(maybe),
        quantity=draw(st.none() | quantities()),
        purchase_order=draw(maybe),
        purchase_order_line=draw(st.none() | st.integers(1, 99).map(str)),
        supplier_order_number=draw(maybe),
    )


@attrs.frozen
class PurchaseOrderScenario:
    """Orders handed to ``match_po_line`` for one barcode.

    ``twins`` is ``(exhausted, open)``, or None: two lines of one order, identical but for the line number and
    what was received; a matcher that prefers lines with outstanding quantity never picks ``exhausted`` over
    ``open``. Their line numbers appear nowhere on the label, so no printed line number decides between them.
    """

    barcode: Decoded
    orders: tuple[PurchaseOrder, ...]
    twins: tuple[PurchaseOrderLine, PurchaseOrderLine] | None = None

    @property
    def lines(self) -> list[PurchaseOrderLine]:
        """Every line given, across orders."""
        return [line for order in self.orders for line in order.lines]


def _label_numbers(barcode: Decoded) -> set[int]:
    texts = [barcode.purchase_order_line or "", *barcode.fields.values()]
    numbers: set[int] = set()
    for text in texts:
        for token in "".join(char if char.isdigit() else " " for char in text).split():
            numbers.add(int(token))
    return numbers


@st.composite
def purchase_order_scenarios(draw: st.DrawFn, barcodes: st.SearchStrategy[Decoded]) -> PurchaseOrderScenario:
    """Placed orders for a drawn barcode: lines that fit it (same part, same order) and lines that do not,
    some partly or fully received, and sometimes a pair of twin lines (see :class:`PurchaseOrderScenario`)."""
    barcode = draw(barcodes)
    other = ecia_values()

    def either(value: str | None) -> st.SearchStrategy[str | None]:
        # The label's own value (so that lines fit) or another one (so that some do not).
        return (st.just(value) | other) if value else (st.none() | other)

    references = [value for value in (barcode.purchase_order, barcode.supplier_order_number) if value]
    suppliers = [value for value in (barcode.plugin, barcode.supplier) if value] or ["acme"]
    orders: list[PurchaseOrder] = []
    for index in range(draw(st.integers(1, 3))):
        base = draw(st.sampled_from(references) | other) if references else draw(other)
        reference = base if index == 0 else f"{base}-{index}"
        lines = []
        for number in draw(st.lists(st.integers(1, 40), unique=True, max_size=4)):
            quantity = draw(st.integers(1, 500))
            received = draw(st.sampled_from([0, quantity]) | st.integers(0, quantity + 10))
            sku, mpn = draw(either(barcode.supplier_part_number)), draw(either(barcode.manufacturer_part_number))
            lines.append(PurchaseOrderLine(reference, number, sku, mpn, None, quantity, received, None))
        orders.append(
            PurchaseOrder(
                reference=reference,
                supplier=draw(st.sampled_from(suppliers) | st.just("someone-else")),
                supplier_reference=draw(either(barcode.supplier_order_number)),
                status="placed",
                lines=tuple(lines),
            )
        )
    twins = None
    if draw(st.booleans()):
        orders[0], twins = _with_twins(orders[0], barcode, _label_numbers(barcode), draw(st.integers(1, 500)))
    return PurchaseOrderScenario(barcode, tuple(orders), twins)


def _with_twins(
    order: PurchaseOrder, barcode: Decoded, label_numbers: set[int], quantity: int
) -> tuple[PurchaseOrder, tuple[PurchaseOrderLine, PurchaseOrderLine]]:
    taken = label_numbers | {line.line for line in order.lines}
    free = (number for number in range(900, 100_000) if number not in taken)
    exhausted_number, open_number = next(free), next(free)
    exhausted = PurchaseOrderLine(
        order.reference,
        exhausted_number,
        barcode.supplier_part_number,
        barcode.manufacturer_part_number,
        barcode.manufacturer,
        quantity,
        quantity,
        None,
    )
    still_open = attrs.evolve(exhausted, line=open_number, received=0)
    return attrs.evolve(order, lines=(*order.lines, exhausted, still_open)), (exhausted, still_open)


def examples_of(strategies: Sequence[tuple[str, st.SearchStrategy[Example]]]) -> st.SearchStrategy[tuple[str, Example]]:
    """One strategy of ``(plugin name, example)`` over several plugins' example strategies."""
    return st.one_of([st.tuples(st.just(name), strategy) for name, strategy in strategies])
