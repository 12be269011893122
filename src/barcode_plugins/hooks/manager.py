"""Plugin loading: built-ins, the ``barcode_plugins`` entry-point group, enable/block switches, failure records.

Environment switches (read when a manager is created):

- ``BARCODE_PLUGINS_LOAD=digikey,lcsc`` loads only these entry-point plugins (built-ins always load unless
  blocked); an empty value loads no entry-point plugin.
- ``BARCODE_PLUGINS_BLOCK=ecia,tme`` blocks plugins by name, built-ins included.
- ``BARCODE_PLUGINS_TRACE=1`` prints every hook call and its answer to stderr.

A name in ``LOAD`` or ``BLOCK`` that no installed plugin has is kept in :attr:`PluginManager.warnings` (the CLI
prints it with the installed names): a typo would otherwise load or block nothing without a word.

Hooks are called one implementation at a time so that a plugin that raises is recorded and skipped instead of
taking the engine down (pluggy itself would abort the whole call). A manager may be shared by threads: loading
happens once, under a lock, and every thread waits until it is complete.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from importlib import import_module
from typing import Any, Literal, NamedTuple

import pluggy

from barcode_plugins.errors import BarcodeError
from barcode_plugins.hooks import hookspecs
from barcode_plugins.hooks.index import IndexedEntryPoint, entry_points_of
from barcode_plugins.hooks.results import PLUGIN_FAILURES
from barcode_plugins.models import HookFailure, PluginInfo

ENTRY_POINT_GROUP = "barcode_plugins"
CORE_DISTRIBUTION = "barcode-plugins"

#: Built-in behaviour, registered through the same mechanism as a third party's plugin.
BUILTIN_PLUGINS: dict[str, str] = {
    "internal": "barcode_plugins.builtin.internal",
    "ecia": "barcode_plugins.builtin.generic_ecia",
    "default_matching": "barcode_plugins.builtin.matching",
    "default_linking": "barcode_plugins.builtin.linking",
    "default_items": "barcode_plugins.builtin.items",
}

_MAX_INPUT_IN_MESSAGE = 60


def _names(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


class PluginManager:
    """Owns the pluggy manager, knows where each plugin came from, and calls hooks with isolation."""

    def __init__(
        self,
        *,
        entry_point_plugins: bool = True,
        only: Iterable[str] | None = None,
        blocked: Iterable[str] = (),
    ) -> None:
        self.pm = pluggy.PluginManager("barcode_plugins")
        self.pm.add_hookspecs(hookspecs)
        env_only = _names(os.environ.get("BARCODE_PLUGINS_LOAD"))
        self.only = set(only) if only is not None else env_only
        self.blocked = set(blocked) | (_names(os.environ.get("BARCODE_PLUGINS_BLOCK")) or set())
        self.trace = os.environ.get("BARCODE_PLUGINS_TRACE", "") not in ("", "0")
        self.entry_point_plugins = entry_point_plugins
        self.failures: list[HookFailure] = []
        # Where each plugin came from: an entry point, the core (built-ins) or nothing (registered by code).
        # Distribution names and versions are read only when ``plugin_infos`` asks: parsing metadata costs start-up.
        self._origin: dict[str, tuple[IndexedEntryPoint | str | None, bool]] = {}
        self._load_failed: dict[str, HookFailure] = {}
        self._impl_cache: dict[str, list[pluggy.HookImpl]] = {}
        self._callers: dict[str, list[Caller]] = {}
        #: Messages about the switches themselves (a name in BARCODE_PLUGINS_LOAD that nothing installs).
        self.warnings: list[str] = []
        # Loading and cache building hold this lock; the flag is set only once loading is complete, so a thread
        # that sees it set sees every plugin (reentrant: loading registers, and registering clears the caches).
        self._lock = threading.RLock()
        self._loaded = False

    # -- loading -----------------------------------------------------------------------------------------
    def ensure_plugins_loaded(self) -> None:
        """Load built-ins and entry-point plugins once; safe to call any number of times."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:  # another thread loaded them while this one waited
                return
            self._load_all()
            self._impl_cache.clear()
            self._callers.clear()
            self._loaded = True

    def _load_all(self) -> None:
        for name, module_name in BUILTIN_PLUGINS.items():
            self._origin[name] = (CORE_DISTRIBUTION, True)
            if name in self.blocked:
                self.pm.set_blocked(name)
                continue
            self._load(name, lambda module_name=module_name: import_module(module_name))
        if not self.entry_point_plugins:
            self._warn_unknown_names(set(BUILTIN_PLUGINS))
            return
        installed = set(BUILTIN_PLUGINS)
        for entry_point in entry_points_of(ENTRY_POINT_GROUP):
            name = entry_point.name
            installed.add(name)
            self._origin[name] = (entry_point, False)
            if name in self.blocked or (self.only is not None and name not in self.only):
                self.pm.set_blocked(name)
                continue
            self._load(name, entry_point.load)
        self._warn_unknown_names(installed)

    def _warn_unknown_names(self, installed: set[str]) -> None:
        # A misspelt name in a switch would otherwise load (or block) nothing without a word.
        for variable, names in (("BARCODE_PLUGINS_LOAD", self.only or set()), ("BARCODE_PLUGINS_BLOCK", self.blocked)):
            unknown = sorted(names - installed)
            if unknown:
                self.warnings.append(
                    f"{variable} names {', '.join(map(repr, unknown))}, which is not an installed plugin;"
                    f" installed: {', '.join(sorted(installed))}"
                )

    def _load(self, name: str, loader: Any) -> None:
        try:
            plugin = loader()
        except PLUGIN_FAILURES as error:  # a broken plugin must not take the engine down
            self._record_load_failure(name, f"import failed: {type(error).__name__}: {error}")
            return
        self.register(plugin, name)

    def register(self, plugin: object, name: str) -> bool:
        """Register a plugin object (a module or an instance with ``@hookimpl`` methods) under ``name``.

        Returns False, with the failure recorded, if pluggy rejects it or it implements a hook that has no
        specification (almost always a misspelt hook name).
        """
        with self._lock:
            self._origin.setdefault(name, (None, False))
            try:
                self.pm.register(plugin, name=name)
            except Exception as error:
                self._record_load_failure(name, f"rejected: {error}")
                return False
            unknown = [caller.name for caller in self.pm.get_hookcallers(plugin) or () if caller.spec is None]
            if unknown:
                self.pm.unregister(plugin)
                self._record_load_failure(
                    name,
                    f"implements {', '.join(sorted(unknown))}, which is not a barcode_plugins hook (misspelt?)",
                )
                return False
            self._impl_cache.clear()
            self._callers.clear()
            return True

    def unregister(self, name: str) -> None:
        """Remove a plugin by name (tests use this to clean up throwaway plugins)."""
        with self._lock:
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                self.pm.unregister(plugin)
            self._origin.pop(name, None)
            self._load_failed.pop(name, None)
            self._impl_cache.clear()
            self._callers.clear()

    def record_failure(self, plugin: str, hook: str, error: str, given: object = None) -> None:
        """Remember that ``plugin`` failed in ``hook`` on input ``given`` (shown by ``plugins`` and the CLI)."""
        excerpt = repr(given)[:_MAX_INPUT_IN_MESSAGE] if given is not None else None
        self.failures.append(HookFailure(plugin=plugin, hook=hook, error=error, input=excerpt))

    def _record_load_failure(self, name: str, message: str) -> None:
        failure = HookFailure(plugin=name, hook="load", error=message)
        self._load_failed[name] = failure
        self.failures.append(failure)

    # -- calling -----------------------------------------------------------------------------------------
    def implementations(self, hook: str) -> list[pluggy.HookImpl]:
        """The implementations of ``hook`` in call order (tryfirst ... plain ... trylast), wrappers excluded."""
        cached = self._impl_cache.get(hook)
        if cached is None:
            self.ensure_plugins_loaded()
            with self._lock:  # not while another thread registers a plugin (it clears the cache)
                caller = getattr(self.pm.hook, hook)
                cached = [impl for impl in reversed(caller.get_hookimpls()) if not (impl.hookwrapper or impl.wrapper)]
                self._impl_cache[hook] = cached
        return cached

    def callers(self, hook: str) -> list[Caller]:
        """The implementations of a one-argument hook (``decode``, ``link_item``) in call order, ready to call
        with that argument: the per-scan hot path.

        An implementation that takes exactly the spec's argument is called directly; the caller records its
        exceptions (:meth:`record_failure`). Any other signature, or tracing, goes through :meth:`call_one`.
        """
        callers = self._callers.get(hook)
        if callers is None:
            self.ensure_plugins_loaded()
            with self._lock:
                (argument,) = getattr(self.pm.hook, hook).spec.argnames
                callers = []
                for impl in self.implementations(hook):
                    call = impl.function
                    if self.trace or tuple(impl.argnames) != (argument,):
                        call = partial(self._call_one_argument, impl, hook, argument)
                    callers.append(Caller(impl.plugin_name, call, bool(impl.trylast)))
                self._callers[hook] = callers
        return callers

    def _call_one_argument(self, impl: pluggy.HookImpl, hook: str, argument: str, value: object) -> Any:
        return self.call_one(impl, hook, {argument: value})

    def call_one(self, impl: pluggy.HookImpl, hook: str, kwargs: dict[str, Any]) -> Any:
        """Call one implementation; a non-BarcodeError exception is recorded and answered as ``None``."""
        try:
            names = impl.argnames
            if len(names) == 1:  # the common case (decode: text): no argument list to build
                result = impl.function(kwargs[names[0]])
            else:
                result = impl.function(*[kwargs[name] for name in names])
        except BarcodeError:
            raise
        except PLUGIN_FAILURES as error:  # SystemExit included: a plugin cannot end the process
            self.record_failure(
                impl.plugin_name, hook, f"{type(error).__name__}: {error}", next(iter(kwargs.values()), None)
            )
            result = None
        if self.trace:
            print(f"trace: {hook} -> {impl.plugin_name}: {result!r}"[:300], file=sys.stderr)
        return result

    def call_each(self, hook: str, **kwargs: Any) -> Iterator[tuple[pluggy.HookImpl, Any]]:
        """Yield ``(implementation, answer)`` for every implementation, in call order, answers ``None`` included."""
        for impl in self.implementations(hook):
            yield impl, self.call_one(impl, hook, kwargs)

    def call_first(self, hook: str, *, check: Callable[[Any], str | None] | None = None, **kwargs: Any) -> Any:
        """The first non-``None`` answer (for ``firstresult`` hooks), or ``None``.

        :param check: says why an answer is unusable (see :mod:`barcode_plugins.hooks.results`); such an answer
            is recorded as that plugin's failure and the next implementation is asked.
        """
        for impl, result in self.call_each(hook, **kwargs):
            if result is None:
                continue
            reason = check(result) if check is not None else None
            if reason is None:
                return result
            self.record_failure(impl.plugin_name, hook, reason, next(iter(kwargs.values()), None))
        return None

    # -- reporting ---------------------------------------------------------------------------------------
    def plugin_infos(self) -> list[PluginInfo]:
        """Every known plugin, loaded, failed or blocked, built-ins first."""
        self.ensure_plugins_loaded()
        infos: list[PluginInfo] = []
        for name, (source, builtin) in self._origin.items():
            dist_name, dist_version = _distribution(source)
            plugin = self.pm.get_plugin(name)
            hooks: tuple[str, ...] = ()
            if plugin is not None:
                hooks = tuple(sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or ()))
            failure = self._load_failed.get(name)
            status: Literal["loaded", "failed", "blocked"]
            if failure is not None:
                status, error = "failed", failure.error
            elif self.pm.is_blocked(name):
                status, error = "blocked", None
            else:
                status, error = "loaded", self._hook_errors(name)
            infos.append(PluginInfo(name, dist_name, dist_version, hooks, status, builtin, error))
        infos.sort(key=lambda info: (not info.builtin, info.name))
        return infos

    def _hook_errors(self, name: str) -> str | None:
        errors = [f"{f.hook}: {f.error}" for f in self.failures if f.plugin == name and f.hook != "load"]
        return "; ".join(errors[:3]) if errors else None

    def is_fallback(self, impl: pluggy.HookImpl) -> bool:
        """Whether an implementation declared itself a fallback (``trylast``)."""
        return bool(impl.trylast)


class Caller(NamedTuple):
    """An implementation of a one-argument hook: the plugin's name, what to call with the argument, and whether
    it is a fallback (``trylast``)."""

    name: str
    call: Callable[[Any], Any]
    fallback: bool


def _distribution(source: IndexedEntryPoint | str | None) -> tuple[str | None, str | None]:
    """Distribution name and version of a plugin's source (``None``s where unknown)."""
    if isinstance(source, IndexedEntryPoint):
        return source.distribution, source.version
    if source is None:
        return None, None
    from importlib.metadata import version  # lazy: only ``plugins`` asks for the core's version

    try:
        return source, version(source)
    except Exception:  # an uninstalled checkout has no metadata
        return source, None
