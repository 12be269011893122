"""Testing helpers for plugin authors: the conformance suite.

The whole conformance test of a plugin::

    from barcode_plugins.testing import PluginConformance


    class TestAcme(PluginConformance):
        plugin = "acme"

``PluginConformance`` (pytest), ``load_plugin`` and ``installed_plugins`` are imported on first use, so that
importing this package costs nothing more until then; the properties themselves are in
:mod:`barcode_plugins.testing.properties`, the hypothesis strategies in :mod:`barcode_plugins.testing.strategies`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from barcode_plugins.testing.calls import Budget
    from barcode_plugins.testing.conformance import PluginConformance
    from barcode_plugins.testing.failures import ConformanceFailure
    from barcode_plugins.testing.target import PluginUnderTest, installed_plugins, load_plugin


#: Public names imported on first use: ``name -> module`` (pytest and hypothesis stay unimported until then).
_LAZY = {
    "Budget": "calls",
    "PluginConformance": "conformance",
    "ConformanceFailure": "failures",
    "PluginUnderTest": "target",
    "installed_plugins": "target",
    "load_plugin": "target",
}

__all__ = [
    "Budget",
    "ConformanceFailure",
    "PluginConformance",
    "PluginUnderTest",
    "installed_plugins",
    "load_plugin",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'barcode_plugins.testing' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
