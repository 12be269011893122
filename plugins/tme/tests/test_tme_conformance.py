"""The conformance suite every barcode-plugins plugin must pass."""

from barcode_plugins.testing import PluginConformance


class TestTmeConformance(PluginConformance):
    plugin = "tme"
