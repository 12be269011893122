"""The conformance suite as a pytest base class: subclass it, name your plugin, and pytest runs every property.

::

    from barcode_plugins.testing import PluginConformance


    class TestAcme(PluginConformance):
        plugin = "acme"

``plugin`` is an installed plugin's entry-point name, a plugin module (``plugin = barcode_plugins_acme``,
useful before the package is installed; ``plugin_name`` then sets the name it is registered under), or a list
of names (one parametrised run per plugin; :func:`installed_plugins` lists every installed one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, ClassVar

import attrs
import pytest

from barcode_plugins.testing.failures import NotApplicable
from barcode_plugins.testing.properties import (
    Budget,
    check_call_order,
    check_correctness,
    check_determinism,
    check_examples,
    check_exclusivity,
    check_hook_hygiene,
    check_import_hygiene,
    check_link_item,
    check_match_po_line,
    check_serialisation,
    check_totality,
    check_wedge_robustness,
)
from barcode_plugins.testing.target import PluginUnderTest, installed_plugins, load_plugin, plugin_hooks

#: The hooks a test is about (a plugin implementing none of them is not parametrised into it); tests not listed
#: apply to every plugin.
TEST_HOOKS: dict[str, tuple[str, ...]] = {
    "test_examples": ("decode", "barcode_examples"),
    "test_totality": ("decode",),
    "test_correctness": ("decode",),
    "test_determinism_and_purity": ("decode",),
    "test_call_order": ("decode",),
    "test_wedge_robustness": ("decode",),
    "test_exclusivity": ("decode",),
    "test_serialisation": ("decode",),
    "test_match_po_line": ("match_po_line",),
    "test_link_item": ("link_item",),
}


@lru_cache(maxsize=1)
def _installed_hooks() -> dict[str, set[str]]:
    # Read once per test session: which installed plugin implements which hook does not change during a run.
    return plugin_hooks()


class PluginConformance:
    """Base class of a plugin's conformance tests: one test per property, each run with hypothesis.

    Set ``plugin`` on the subclass (see the module docstring). Override ``budget`` to change how hard the suite
    looks; ``pytest --conformance-scale=10`` multiplies every property's example count for one run.
    """

    #: An entry-point name, a plugin module, or a list of entry-point names.
    plugin: ClassVar[Any] = None
    #: The name to register a plugin *module* under (default: its module name without ``barcode_plugins_``).
    plugin_name: ClassVar[str | None] = None
    #: Examples per property and time per call; ``scale`` is multiplied by ``--conformance-scale``.
    budget: ClassVar[Budget] = Budget()

    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.conformance]
    # The base class itself is not a test; every subclass is, unless it says ``__test__ = False`` itself.
    __test__: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__test__" not in cls.__dict__:
            cls.__test__ = True

    @classmethod
    def conformance_applies(cls, test_name: str) -> bool:
        """Whether a test is about a hook the (single) plugin implements. The pytest plugin deselects the others,
        so a plugin without ``match_po_line`` is not shown a skipped ``test_match_po_line``."""
        wanted = TEST_HOOKS.get(test_name)
        if wanted is None or cls.plugin is None or isinstance(cls.plugin, (list, tuple)):
            return True
        if isinstance(cls.plugin, str):
            hooks = _installed_hooks().get(cls.plugin)
            if hooks is None:
                return True  # not installed: let the test say so
        else:
            hooks = {hook for hook in wanted if callable(getattr(cls.plugin, hook, None))}
        return bool(set(wanted) & hooks)

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """With a list of plugins, run each test once per plugin that implements a hook the test is about."""
        if not isinstance(self.plugin, (list, tuple)) or "conformance_plugin" not in metafunc.fixturenames:
            return
        wanted = TEST_HOOKS.get(metafunc.function.__name__)
        hooks = _installed_hooks()
        names = [name for name in self.plugin if wanted is None or set(wanted) & hooks.get(name, set())]
        metafunc.parametrize("conformance_plugin", names, indirect=True, ids=str)

    @pytest.fixture
    def conformance_plugin(self, request: pytest.FixtureRequest) -> Iterator[PluginUnderTest]:
        """The plugin under test (``plugin``, or one of its names), unregistered afterwards if registered here."""
        spec = getattr(request, "param", self.plugin)
        if spec is None:
            raise pytest.UsageError("set plugin = '<entry-point name>' (or the plugin module) on your test class")
        with load_plugin(spec, name=self.plugin_name) as target:
            yield target

    @pytest.fixture
    def conformance_budget(self, request: pytest.FixtureRequest) -> Budget:
        """``budget`` scaled by ``--conformance-scale`` (or ``BARCODE_PLUGINS_CONFORMANCE_SCALE``)."""
        from barcode_plugins.testing.scale import scale_from

        return attrs.evolve(self.budget, scale=self.budget.scale * scale_from(request.config))

    @staticmethod
    def _check(check: Callable[[PluginUnderTest, Budget], None], target: PluginUnderTest, budget: Budget) -> None:
        __tracebackhide__ = True
        try:
            check(target, budget)
        except NotApplicable as reason:
            pytest.skip(str(reason))

    def test_hook_hygiene(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Hook implementations match the specifications; no misspelt or undecorated hooks."""
        __tracebackhide__ = True
        self._check(check_hook_hygiene, conformance_plugin, conformance_budget)

    def test_import_hygiene(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Importing the plugin has no side effects."""
        __tracebackhide__ = True
        self._check(check_import_hygiene, conformance_plugin, conformance_budget)

    def test_examples(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """A decoder gives an examples strategy drawing valid examples."""
        __tracebackhide__ = True
        self._check(check_examples, conformance_plugin, conformance_budget)

    def test_totality(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """decode never raises or hangs and returns None or a valid result, whatever the text."""
        __tracebackhide__ = True
        self._check(check_totality, conformance_plugin, conformance_budget)

    def test_correctness(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Every example decodes to exactly its expected result."""
        __tracebackhide__ = True
        self._check(check_correctness, conformance_plugin, conformance_budget)

    def test_determinism_and_purity(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Same input, same answer; no state, no I/O."""
        __tracebackhide__ = True
        self._check(check_determinism, conformance_plugin, conformance_budget)

    def test_call_order(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Examples replayed in shuffled orders, after other inputs, decode as the first time."""
        __tracebackhide__ = True
        self._check(check_call_order, conformance_plugin, conformance_budget)

    def test_wedge_robustness(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Wedge-damaged forms of every example decode to the same result and hash."""
        __tracebackhide__ = True
        self._check(check_wedge_robustness, conformance_plugin, conformance_budget)

    def test_exclusivity(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """With every installed plugin loaded, no other plugin claims its examples and it claims none of theirs."""
        __tracebackhide__ = True
        self._check(check_exclusivity, conformance_plugin, conformance_budget)

    def test_serialisation(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Results survive the JSON round trip with every contract key."""
        __tracebackhide__ = True
        self._check(check_serialisation, conformance_plugin, conformance_budget)

    def test_match_po_line(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Purchase-order matching returns only given lines and prefers open ones."""
        __tracebackhide__ = True
        self._check(check_match_po_line, conformance_plugin, conformance_budget)

    def test_link_item(self, conformance_plugin: PluginUnderTest, conformance_budget: Budget) -> None:
        """Same label, same link key; different labels, different keys."""
        __tracebackhide__ = True
        self._check(check_link_item, conformance_plugin, conformance_budget)


__all__ = ["PluginConformance", "installed_plugins"]
