"""**match_po_line**: choosing purchase-order lines among those given, preferring open ones."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded, PurchaseOrderLine
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget, describe_error, snapshot, summarise, watched_call
from barcode_plugins.testing.failures import fail
from barcode_plugins.testing.strategies import (
    PurchaseOrderScenario,
    examples_of,
    purchase_order_scenarios,
    supplier_barcodes,
)
from barcode_plugins.testing.target import PluginUnderTest


def _as_scanned(pair: tuple[str, Example]) -> Decoded:
    # What the engine hands match_po_line for an example: its result, with the plugin and the scan filled in.
    name, example = pair
    return attrs.evolve(example.expected, plugin=name, raw=example.text)


def _barcodes_for_matching(target: PluginUnderTest) -> st.SearchStrategy[Decoded]:
    sources = [supplier_barcodes(target.name)]
    if target.all_examples():
        sources.append(examples_of(target.all_examples()).map(_as_scanned))
    return st.one_of(sources).filter(lambda barcode: barcode.kind == "supplier")


def _line(line: PurchaseOrderLine) -> str:
    return f"{line.purchase_order} line {line.line} ({line.outstanding} outstanding)"


def check_match_po_line(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**match_po_line**: only ever returns lines it was given, prefers lines with quantity outstanding (never a
    fully received line next to an open one, never a received line over its open twin), never mutates its
    arguments, does no I/O, and answers the same question the same way."""
    __tracebackhide__ = True
    target.require("match_po_line")
    name = "match_po_line"

    @budget.settings(60)
    @given(purchase_order_scenarios(_barcodes_for_matching(target)))
    def matching(scenario: PurchaseOrderScenario) -> None:
        __tracebackhide__ = True
        before = snapshot(scenario.barcode, scenario.orders)
        call = watched_call(target, name, budget, no_io=True, barcode=scenario.barcode, orders=scenario.orders)
        given_input = f"barcode {summarise(scenario.barcode)}; orders {snapshot(scenario.orders)}"
        if call.io:
            fail(
                "purity",
                target.name,
                f"match_po_line did I/O: {call.io[0]}",
                given_input,
                "the orders it needs are its arguments; no database or file access",
            )
        if call.error is not None:
            fail(
                name,
                target.name,
                f"raised {describe_error(call.error)}",
                given_input,
                "return an empty sequence when no line fits, None to let the next implementation decide",
            )
        if snapshot(scenario.barcode, scenario.orders) != before:
            fail(
                name,
                target.name,
                "mutated its arguments",
                given_input,
                "treat barcode and orders as read-only; build new values instead",
            )
        result = call.result
        if result is None:
            return
        if isinstance(result, (str, bytes)) or not isinstance(result, Sequence):
            fail(
                name,
                target.name,
                f"returned {type(result).__name__}, not a sequence of lines or None",
                given_input,
                "return a list of the PurchaseOrderLine values you were given",
            )
        given_lines = scenario.lines
        for line in result:
            if not isinstance(line, PurchaseOrderLine) or not any(line == known for known in given_lines):
                fail(
                    name,
                    target.name,
                    f"returned a line it was not given: {line!r}",
                    given_input,
                    "return only lines from the orders argument, unchanged (never build new ones)",
                )
        exhausted = [line for line in result if line.outstanding <= 0]
        still_open = [line for line in result if line.outstanding > 0]
        if exhausted and still_open:
            fail(
                name,
                target.name,
                f"returned fully received {_line(exhausted[0])} as equally good as {_line(still_open[0])}",
                given_input,
                "prefer lines with quantity outstanding",
            )
        if scenario.twins is not None and scenario.twins[0] in result:
            received, waiting = scenario.twins
            fail(
                name,
                target.name,
                f"chose fully received {_line(received)} while {_line(waiting)}, the same order and part, was given",
                given_input,
                "prefer lines with quantity outstanding",
            )
        again = watched_call(target, name, budget, barcode=scenario.barcode, orders=scenario.orders)
        if again.error is not None or list(again.result or ()) != list(result):
            fail(
                "determinism",
                target.name,
                "match_po_line answered the same question differently",
                given_input,
                "match_po_line must depend only on its arguments",
            )

    matching()
