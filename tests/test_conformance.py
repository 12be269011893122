"""The conformance suite against the built-in plugins (the supplier plugins run it in ``plugins/*/tests/``).

A third party's test file is the same class with ``plugin = "<their plugin>"``; here ``plugin`` is the list of
built-ins that implement a hook the suite checks, one parametrised run each. Exclusivity is checked with every
installed plugin loaded, so a supplier plugin that claims the generic ECIA decoder's examples fails both here
and in its own suite.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from barcode_plugins.builtin import generic_ecia
from barcode_plugins.hooks.manager import BUILTIN_PLUGINS, PluginManager
from barcode_plugins.testing import PluginConformance, PluginUnderTest, installed_plugins, load_plugin
from barcode_plugins.testing.properties import (
    check_correctness,
    check_examples,
    check_serialisation,
    check_wedge_robustness,
)


class TestBuiltinPlugins(PluginConformance):
    """The built-in plugins, one parametrised run each. Each supplier plugin runs the suite in its own tests
    (``plugins/*/tests/``), so that it runs once per plugin; a third party's plugin runs it in its own."""

    plugin = tuple(name for name in installed_plugins() if name in BUILTIN_PLUGINS)


@pytest.mark.parametrize(
    "check", [check_examples, check_correctness, check_serialisation, check_wedge_robustness], ids=lambda c: c.__name__
)
def test_generic_ecia_examples_fit_the_builtin_decoder(check: Callable[[PluginUnderTest], None]) -> None:
    with load_plugin(generic_ecia, name="generic_ecia", manager=PluginManager(blocked=["ecia"])) as plugin:
        check(plugin)
