"""The plugin under test: found by entry-point name or given as a module, with the engine pipeline around it.

:func:`engine_decode` is the one place the suite reaches the engine; every property that decodes "as the engine
does" goes through it.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from barcode_plugins.engine import Engine
from barcode_plugins.hooks.manager import BUILTIN_PLUGINS, ENTRY_POINT_GROUP, Implementation, PluginManager
from barcode_plugins.models import Decoded
from barcode_plugins.testing.failures import ConformanceFailure, NotApplicable, fail

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from barcode_plugins.hooks.examples import Example

#: The hooks the suite has properties for.
CHECKED_HOOKS: tuple[str, ...] = ("decode", "match_po_line", "link_item", "barcode_examples")


class PluginRaised(Exception):
    """The engine isolated an exception raised by the plugin (it records it and carries on as if ``None``)."""


class PluginUnderTest:
    """A plugin resolved for the suite.

    :ivar name: the name it is registered under (its entry-point name).
    :ivar plugin: the plugin object (normally its module).
    :ivar manager: a :class:`PluginManager` with every installed plugin, this one included; other plugins'
        examples come from here.
    """

    def __init__(self, name: str, plugin: object, manager: PluginManager, *, registered_here: bool) -> None:
        self.name = name
        self.plugin = plugin
        self.manager = manager
        self._registered_here = registered_here
        self._engines: dict[str, Engine] = {}

    def __repr__(self) -> str:
        return f"<PluginUnderTest {self.name!r}>"

    def __enter__(self) -> PluginUnderTest:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Unregister the plugin if it was registered for the test (a module given before installation)."""
        self._engines.clear()
        if self._registered_here:
            self.manager.unregister(self.name)
            self._registered_here = False

    # -- hooks ---------------------------------------------------------------------------------------------
    def implementation(self, hook: str, owner: str | None = None) -> Implementation | None:
        """The implementation of ``hook`` by this plugin (or by ``owner``), or None."""
        wanted = owner or self.name
        for impl in self.manager.implementations(hook):
            if impl.plugin_name == wanted:
                return impl
        return None

    def implements(self, hook: str) -> bool:
        """Whether this plugin implements ``hook``."""
        return self.implementation(hook) is not None

    def require(self, hook: str) -> Implementation:
        """The implementation of ``hook``; raises :class:`NotApplicable` when the plugin has none."""
        impl = self.implementation(hook)
        if impl is None:
            raise NotApplicable(f"plugin {self.name!r} does not implement {hook}")
        return impl

    def call(self, hook: str, **kwargs: Any) -> Any:
        """Call this plugin's own implementation directly, exceptions and all (no engine isolation)."""
        impl = self.require(hook)
        return impl.function(*[kwargs[name] for name in impl.argnames])

    @property
    def is_fallback(self) -> bool:
        """Whether its ``decode`` is a fallback (``trylast``), asked only when no specific decoder answered."""
        impl = self.implementation("decode")
        return impl is not None and self.manager.is_fallback(impl)

    # -- examples ------------------------------------------------------------------------------------------
    def examples(self) -> SearchStrategy[Example]:
        """This plugin's example strategy; :class:`NotApplicable` when it has none, a failure when it is broken."""
        if not self.implements("barcode_examples"):
            raise NotApplicable(f"plugin {self.name!r} has no barcode_examples hook (see the examples property)")
        strategy = examples_strategy(self.manager, self.name)
        if strategy is None:
            raise NotApplicable(f"plugin {self.name!r}: barcode_examples returned None (it decodes nothing)")
        return strategy

    def other_examples(self) -> list[tuple[str, SearchStrategy[Example]]]:
        """``(name, strategy)`` for every other installed plugin that gives examples (broken ones left out)."""
        found = []
        for impl in self.manager.implementations("barcode_examples"):
            if impl.plugin_name == self.name or impl.plugin is self.plugin:
                continue
            try:
                strategy = examples_strategy(self.manager, impl.plugin_name)
            except ConformanceFailure:
                continue  # that plugin's own suite reports it
            if strategy is not None:
                found.append((impl.plugin_name, strategy))
        return found

    def all_examples(self) -> list[tuple[str, SearchStrategy[Example]]]:
        """``(name, strategy)`` for every installed plugin that gives examples, this one first if it does."""
        try:
            own = [(self.name, self.examples())]
        except (NotApplicable, ConformanceFailure):
            own = []
        return own + self.other_examples()

    # -- the engine ----------------------------------------------------------------------------------------
    def engine_for(self, owner: str | None = None) -> Engine:
        """An engine whose only decoder is this plugin (or ``owner``): normalisation, ambiguity checks and the
        filling of ``plugin``/``raw``/``barcode_hash`` as in production, without other plugins answering."""
        wanted = owner or self.name
        engine = self._engines.get(wanted)
        if engine is None:
            plugin = self.plugin if wanted == self.name else self.manager.pm.get_plugin(wanted)
            isolated = PluginManager(
                entry_point_plugins=False, blocked=[name for name in BUILTIN_PLUGINS if name != wanted]
            )
            if wanted not in BUILTIN_PLUGINS and not isolated.register(plugin, wanted):
                fail("hook hygiene", wanted, f"cannot be registered: {isolated.failures[-1].error}")
            engine = self._engines[wanted] = Engine(":memory:", plugins=isolated)
        return engine

    def ecosystem_engine(self) -> Engine:
        """An engine holding every installed plugin and this one: what users run. Exclusivity is decided here."""
        engine = self._engines.get("")
        if engine is None:
            engine = self._engines[""] = Engine(":memory:", plugins=self.manager)
        return engine


def engine_decode(
    target: PluginUnderTest, raw: str, owner: str | None = None, *, everything: bool = False
) -> Decoded | None:
    """Decode ``raw`` as the engine does, with only the plugin under test (or ``owner``) loaded, or with
    ``everything`` installed.

    :return: the engine's result, or None when no plugin claimed the scan.
    :raises PluginRaised: the plugin raised (the engine would have recorded it and carried on).
    :raises barcode_plugins.BarcodeError: what the engine raises (``AmbiguousBarcode``, ``InputError``...).
    """
    engine = target.ecosystem_engine() if everything else target.engine_for(owner)
    plugins = engine.plugins
    before = len(plugins.failures)
    result = engine.decode(raw)
    if len(plugins.failures) > before:
        failure = plugins.failures[before]
        raise PluginRaised(f"plugin {failure.plugin!r}: {failure.hook} failed: {failure.error}")
    return None if result.plugin is None else result


def examples_strategy(manager: PluginManager, name: str) -> SearchStrategy[Example] | None:
    """The strategy a plugin's ``barcode_examples`` hook returns, checked to be one (``examples`` property)."""
    from hypothesis.strategies import SearchStrategy

    impl = next((impl for impl in manager.implementations("barcode_examples") if impl.plugin_name == name), None)
    if impl is None:
        return None
    try:
        strategy = impl.function()
    except Exception as error:
        fail(
            "examples",
            name,
            f"barcode_examples raised {type(error).__name__}: {error}",
            fix="the hook must return a hypothesis strategy of barcode_plugins.Example values",
        )
    if strategy is not None and not isinstance(strategy, SearchStrategy):
        fail(
            "examples",
            name,
            f"barcode_examples returned {type(strategy).__name__}, not a hypothesis strategy",
            fix="return e.g. st.builds(Example, ...) from hypothesis.strategies",
        )
    return strategy


def load_plugin(
    plugin: str | ModuleType | object, *, name: str | None = None, manager: PluginManager | None = None
) -> PluginUnderTest:
    """Find the plugin to test: an installed plugin by entry-point name (``"acme"``), or a plugin object (its
    module) that need not be installed yet, registered next to every installed plugin.

    Use it as a context manager (or call ``close()``) so that a plugin registered here is unregistered.

    :param name: the name to register a plugin object under (default: its module name without the
        ``barcode_plugins_`` prefix).
    :param manager: a manager to use instead of a fresh one with every installed plugin.
    """
    manager = manager or PluginManager()
    manager.ensure_plugins_loaded()
    if isinstance(plugin, str):
        found = manager.pm.get_plugin(plugin)
        if found is None:
            reason, fix = _not_loaded_reason(manager, plugin)
            fail("loading", plugin, reason, fix=fix)
        return PluginUnderTest(plugin, found, manager, registered_here=False)
    existing = manager.pm.get_name(plugin)
    if existing is not None:
        return PluginUnderTest(existing, plugin, manager, registered_here=False)
    chosen = name or default_name(plugin)
    if not manager.register(plugin, chosen):
        fail(
            "hook hygiene",
            chosen,
            f"cannot be registered: {manager.failures[-1].error}",
            fix="spell hook names as in barcode_plugins.hooks.hookspecs and accept only the arguments they declare",
        )
    return PluginUnderTest(chosen, plugin, manager, registered_here=True)


def default_name(plugin: object) -> str:
    """``barcode_plugins_acme`` -> ``acme``; any other module: its last dotted part; an object: its class name."""
    module_name = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__name__.lower()
    return module_name.rsplit(".", 1)[-1].removeprefix("barcode_plugins_")


def _not_loaded_reason(manager: PluginManager, name: str) -> tuple[str, str]:
    """Why a plugin is not loaded, and the fix that fits that reason."""
    infos = {info.name: info for info in manager.plugin_infos()}
    info = infos.get(name)
    if info is not None and info.status == "failed":
        return (
            f"is installed but failed to load: {info.error}",
            f"the package is installed; its import fails: run python -c 'import <its module>' to see the "
            f"traceback, or fix the hook the message names (barcode-plugins plugins shows {name!r} as failed)",
        )
    if info is not None and info.status == "blocked":
        return (
            "is installed but blocked (BARCODE_PLUGINS_BLOCK / BARCODE_PLUGINS_LOAD)",
            "unset BARCODE_PLUGINS_BLOCK, or add the name to BARCODE_PLUGINS_LOAD, for the test run",
        )
    loaded = ", ".join(sorted(infos)) or "none"
    return (
        f"is not installed: no entry point {name!r} in group {ENTRY_POINT_GROUP!r} (loaded: {loaded})",
        "install the plugin (pip install -e .) or set plugin = <its module> in the test class",
    )


def installed_plugins(*hooks: str) -> list[str]:
    """Names of the loaded plugins (built-ins included) that implement any of ``hooks`` (default: every hook
    the suite checks), sorted; for parametrising the suite over an environment."""
    wanted = hooks or CHECKED_HOOKS
    manager = PluginManager()
    names = {impl.plugin_name for hook in wanted for impl in manager.implementations(hook)}
    return sorted(names)


def plugin_hooks() -> dict[str, set[str]]:
    """``plugin name -> the hooks it implements``, for every loaded plugin."""
    return {info.name: set(info.hooks) for info in PluginManager().plugin_infos() if info.status == "loaded"}


def module_path(target: PluginUnderTest) -> tuple[str | None, str | None]:
    """``(module name, file)`` of the plugin's code, for the import side-effects check; ``(None, None)`` when
    the plugin is not a module (an object defined in a test, say)."""
    if not isinstance(target.plugin, ModuleType):
        return None, None
    return target.plugin.__name__, getattr(target.plugin, "__file__", None)
