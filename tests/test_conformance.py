"""The conformance suite against every plugin installed in this environment, built-ins included.

A third party's test file is the same class with ``plugin = "<their plugin>"``; here ``plugin`` is the list of
every installed plugin that implements a hook the suite checks, one parametrised run each.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from barcode_plugins.builtin import generic_ecia
from barcode_plugins.plugins import BUILTIN_PLUGINS, PluginManager
from barcode_plugins.testing import PluginConformance, PluginUnderTest, installed_plugins, load_plugin
from barcode_plugins.testing.properties import (
    check_correctness,
    check_examples,
    check_exclusivity,
    check_serialisation,
    check_wedge_robustness,
)


class TestInstalledPlugins(PluginConformance):
    """Every installed plugin, one parametrised run each."""

    plugin = installed_plugins()


@pytest.mark.parametrize(
    "check", [check_examples, check_correctness, check_serialisation, check_wedge_robustness], ids=lambda c: c.__name__
)
def test_generic_ecia_examples_fit_the_builtin_decoder(check: Callable[[PluginUnderTest], None]) -> None:
    with load_plugin(generic_ecia, name="generic_ecia", manager=PluginManager(blocked=["ecia"])) as plugin:
        check(plugin)


@pytest.mark.parametrize("name", [name for name in installed_plugins("decode") if name not in BUILTIN_PLUGINS])
def test_no_supplier_plugin_claims_generic_ecia_labels(name: str) -> None:
    # The built-in generic ECIA decoder loads with its examples; the plugin must claim none of them.
    with load_plugin(name, manager=PluginManager(only=[name])) as plugin:
        check_exclusivity(plugin)
