"""Hypothesis strategies for the conformance suite: what a totality check throws at a decoder
(:func:`arbitrary_scans`), orders and lines for ``match_po_line`` (:func:`purchase_order_scenarios`), and the
examples of every plugin under test (:func:`examples_of`).

The strategies that build example labels for a plugin's ``barcode_examples`` hook are in
:mod:`barcode_plugins.hooks.example_labels`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs
from hypothesis import strategies as st

from barcode_plugins.formats.ecia import DATA_IDENTIFIER, GS, RS
from barcode_plugins.hooks.example_labels import ecia_text, ecia_values, quantities
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded, PurchaseOrder, PurchaseOrderLine

#: Characters that mean something to some decoder or to the normaliser: separators, their pictures and caret
#: notation, envelope and brace-list punctuation. Totality inputs are dense in them.
FORMAT_CHARACTERS = '[)>{}":,/ \t\r\n\x1d\x1e\x04\x1c\x1f\x00␝␞␄^]<>\\PQKSTVZDLX0123456789-bp'


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
