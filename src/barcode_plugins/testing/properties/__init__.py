"""The conformance properties, one function each: ``check_<property>(plugin, budget)``.

Each runs hypothesis against one :class:`~barcode_plugins.testing.target.PluginUnderTest` and raises
:class:`~barcode_plugins.testing.failures.ConformanceFailure` (an ``AssertionError``) whose message names the
property, the plugin, the input and what to fix; or :class:`~barcode_plugins.testing.failures.NotApplicable`
when the plugin does not implement what the property is about. They do not need pytest: a plugin author can
call them from a REPL, and the suite's own tests call them on deliberately broken plugins.
"""

from __future__ import annotations

from collections.abc import Callable

from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget
from barcode_plugins.testing.properties.call_order import check_call_order
from barcode_plugins.testing.properties.examples import (
    check_correctness,
    check_examples,
    check_serialisation,
    validate_example,
)
from barcode_plugins.testing.properties.exclusivity import check_exclusivity
from barcode_plugins.testing.properties.hygiene import check_hook_hygiene, check_import_hygiene, hook_names
from barcode_plugins.testing.properties.linking import check_link_item
from barcode_plugins.testing.properties.orders import check_match_po_line
from barcode_plugins.testing.properties.robustness import (
    WedgeForms,
    check_determinism,
    check_totality,
    check_wedge_robustness,
    default_wedge_forms,
)

#: Every property, in the order the suite runs them: ``name -> check function``.
PROPERTIES: dict[str, Callable[..., None]] = {
    "hook hygiene": check_hook_hygiene,
    "import hygiene": check_import_hygiene,
    "examples": check_examples,
    "totality": check_totality,
    "correctness": check_correctness,
    "determinism and purity": check_determinism,
    "call order": check_call_order,
    "wedge robustness": check_wedge_robustness,
    "exclusivity": check_exclusivity,
    "serialisation": check_serialisation,
    "match_po_line": check_match_po_line,
    "link_item": check_link_item,
}

__all__ = [
    "DEFAULT_BUDGET",
    "PROPERTIES",
    "Budget",
    "WedgeForms",
    "check_call_order",
    "check_correctness",
    "check_determinism",
    "check_examples",
    "check_exclusivity",
    "check_hook_hygiene",
    "check_import_hygiene",
    "check_link_item",
    "check_match_po_line",
    "check_serialisation",
    "check_totality",
    "check_wedge_robustness",
    "default_wedge_forms",
    "hook_names",
    "validate_example",
]
