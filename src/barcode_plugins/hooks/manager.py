"""Plugin loading: built-ins, the ``barcode_plugins`` entry-point group, enable/block switches, failure records.

Environment switches (read when a manager is created):

- ``BARCODE_PLUGINS_LOAD=digikey,lcsc`` loads only these entry-point plugins (built-ins always load unless
  blocked); an empty value loads no entry-point plugin.
- ``BARCODE_PLUGINS_BLOCK=ecia,tme`` blocks plugins by name, built-ins included.
- ``BARCODE_PLUGINS_TRACE=1`` prints every hook call and its answer to stderr (pluggy's own tracing).

A name in ``LOAD`` or ``BLOCK`` that no installed plugin has is kept in :attr:`PluginManager.warnings` (the CLI
prints it with the installed names): a typo would otherwise load or block nothing without a word.

The manager is the one hook runner: the core calls hooks only through its typed methods (:meth:`decode`,
:meth:`link_item`, :meth:`match_po_line`, ...), and each call goes through pluggy's own hook caller, so a third
party's hook wrappers (``wrapper=True``) wrap it and ``pm.enable_tracing()`` sees it. Isolation is added when a
plugin is registered: each of its implementations is wrapped so that one that raises (or answers something
unusable, see :mod:`barcode_plugins.hooks.results`) is recorded as that plugin's failure and counts as "no
answer", and the call carries on with the next plugin (pluggy itself would abort the whole call). The event hooks
and ``create_receipt_item`` are the exception: there the first implementation that raises vetoes the write.

A manager may be shared by threads: loading happens once, under a lock, and every thread waits until it is
complete.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pluggy

from barcode_plugins.errors import BarcodeError, ListenerRefused
from barcode_plugins.hooks import hookspecs
from barcode_plugins.hooks.index import IndexedEntryPoint, entry_points_of
from barcode_plugins.hooks.results import (
    PLUGIN_FAILURES,
    check_decoded,
    check_label_formats,
    check_lines,
    check_link_key,
)
from barcode_plugins.models import Decoded, HookFailure, ItemRef, PluginInfo, PurchaseOrder, PurchaseOrderLine

if TYPE_CHECKING:
    import click

    from barcode_plugins.formats.label_formats import LabelFormat
    from barcode_plugins.hooks.types import Event, Transaction
    from barcode_plugins.models import Quantity

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

#: Hooks whose first raising implementation refuses the whole write (:class:`ListenerRefused`) instead of being
#: skipped: they run inside the write's transaction, where half an answer is worse than none.
VETOING_HOOKS = frozenset(
    ("receipt_booked", "receipt_undone", "link_added", "link_removed", "barcode_scanned", "create_receipt_item")
)
#: What each hook's answers must be (see :mod:`barcode_plugins.hooks.results`); an unusable answer is recorded as
#: the plugin's failure and counts as no answer.
ANSWER_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "decode": check_decoded,
    "link_item": check_link_key,
    "match_po_line": check_lines,
    "label_formats": check_label_formats,
}


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
        self.pm = _Pluggy("barcode_plugins")
        self.pm.add_hookspecs(hookspecs)
        env_only = _names(os.environ.get("BARCODE_PLUGINS_LOAD"))
        self.only = set(only) if only is not None else env_only
        self.blocked = set(blocked) | (_names(os.environ.get("BARCODE_PLUGINS_BLOCK")) or set())
        if os.environ.get("BARCODE_PLUGINS_TRACE", "") not in ("", "0"):
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()
        self.entry_point_plugins = entry_point_plugins
        self.failures: list[HookFailure] = []
        # Where each plugin came from: an entry point, the core (built-ins) or nothing (registered by code).
        # Distribution names and versions are read only when ``plugin_infos`` asks: parsing metadata costs start-up.
        self._origin: dict[str, tuple[IndexedEntryPoint | str | None, bool]] = {}
        self._load_failed: dict[str, HookFailure] = {}
        self._impl_cache: dict[str, list[Implementation]] = {}
        # Per hook, the plugins with a hook wrapper around it; per set of skipped plugins, the decode caller.
        self._wrappers: dict[str, tuple[str, ...]] = {}
        self._decoders: dict[frozenset[str], _DecodeRoute] = {}
        # Per hook without a wrapper: the isolated functions in pluggy's call order with their argument names,
        # and whether the hook is ``firstresult`` (see :meth:`_run`'s fast path).
        self._direct: dict[str, tuple[tuple[tuple[Callable[..., Any], tuple[str, ...]], ...], bool] | None] = {}
        #: Whether :meth:`decode` and the other typed calls may call the implementations themselves when nothing
        #: wraps or watches the call (the benchmarks turn it off to measure what it saves; see :meth:`decode`).
        self.fast_path = True
        # The isolated function of every implementation -> the plugin's own function (for diagnostics).
        self._unisolated: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._call = _CallState()
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
            self._forget_calls()
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
            self._isolate(plugin)
            self._forget_calls()
            return True

    def unregister(self, name: str) -> None:
        """Remove a plugin by name (tests use this to clean up throwaway plugins)."""
        with self._lock:
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                for caller in self.pm.get_hookcallers(plugin) or ():
                    for impl in caller.get_hookimpls():
                        if impl.plugin is plugin:
                            self._unisolated.pop(impl.function, None)
                self.pm.unregister(plugin)
            self._origin.pop(name, None)
            self._load_failed.pop(name, None)
            self._forget_calls()

    def _forget_calls(self) -> None:
        """Drop what was derived from the set of plugins (a plugin was registered or removed)."""
        self._impl_cache.clear()
        self._wrappers.clear()
        self._decoders.clear()
        self._direct.clear()

    def _isolate(self, plugin: object) -> None:
        """Wrap each of the plugin's implementations in the isolation its hook needs (see the module docstring).

        Done once, here, rather than per call: pluggy then calls the wrapped functions itself, so hook wrappers
        and tracing see every call, and a call costs no more than pluggy's own.
        """
        for caller in self.pm.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper):
                    isolated = self._isolated(caller.name, impl)
                    self._unisolated[isolated] = impl.function
                    # pluggy calls ``impl.function`` with the arguments named by ``impl.argnames`` (read from the
                    # plugin's own function at registration): the wrapper passes them through unchanged.
                    impl.function = isolated  # type: ignore[misc]

    def _isolated(self, hook: str, impl: pluggy.HookImpl) -> Callable[..., Any]:
        """The plugin's function for ``hook``, isolated: see :data:`VETOING_HOOKS` and :data:`ANSWER_CHECKS`."""
        function, name, call, record = impl.function, impl.plugin_name, self._call, self.record_failure
        if hook in VETOING_HOOKS:

            def vetoing(*args: Any) -> Any:
                try:
                    return function(*args)
                except BarcodeError as error:  # a deliberate refusal: its message is for the user
                    message = f"{error.message} (refused by plugin {name} in {hook}; nothing was written)"
                    raise ListenerRefused(message, name, hook) from error
                except PLUGIN_FAILURES as error:  # a bug still vetoes: half a mirror is worse than none
                    detail = f"{type(error).__name__}: {error}"
                    record(name, hook, detail, call.given)
                    message = f"plugin {name} failed in {hook} ({detail}); nothing was written"
                    raise ListenerRefused(message, name, hook) from error

            return vetoing
        if hook == "decode":
            fallback = bool(impl.trylast)

            def decoding(*args: Any) -> Decoded | None:
                claims = call.claims
                if fallback and claims:  # fallbacks are asked only when no specific decoder claimed
                    return None
                try:
                    answer = function(*args)
                except BarcodeError:
                    raise
                except PLUGIN_FAILURES as error:  # SystemExit included: a plugin cannot end the process
                    record(name, hook, f"{type(error).__name__}: {error}", call.given)
                    return None
                if answer is None:
                    return None
                wrong = check_decoded(answer)
                if wrong is not None:
                    record(name, hook, wrong, call.given)
                    return None
                if claims is not None:
                    claims.append((name, answer))
                if call.named and answer.plugin != name:  # a hook wrapper sees whose answer it is
                    return answer.identified(name, answer.raw, answer.barcode_hash)
                return answer

            return decoding
        check = ANSWER_CHECKS.get(hook)
        # After the commit nothing may undo the write, so even a deliberate refusal is only recorded there.
        refusals_pass = hook != "event_committed"

        def isolated(*args: Any) -> Any:
            try:
                answer = function(*args)
            except PLUGIN_FAILURES as error:
                if refusals_pass and isinstance(error, BarcodeError):
                    raise
                answer, wrong = None, f"{type(error).__name__}: {error}"
            else:
                wrong = check(answer) if check is not None and answer is not None else None
            if wrong is not None:
                record(name, hook, wrong, call.given)
                answer = None
            if call.after is not None:
                broken = call.after()
                if broken is not None:
                    record(name, hook, broken, call.given)
            if answer is not None and call.answered is not None:
                call.answered.append((name, answer))
            return answer

        return isolated

    def record_failure(self, plugin: str, hook: str, error: str, given: object = None) -> None:
        """Remember that ``plugin`` failed in ``hook`` on input ``given`` (shown by ``plugins`` and the CLI)."""
        excerpt = repr(given)[:_MAX_INPUT_IN_MESSAGE] if given is not None else None
        self.failures.append(HookFailure(plugin=plugin, hook=hook, error=error, input=excerpt))

    def _record_load_failure(self, name: str, message: str) -> None:
        failure = HookFailure(plugin=name, hook="load", error=message)
        self._load_failed[name] = failure
        self.failures.append(failure)

    # -- calling -----------------------------------------------------------------------------------------
    def decode(self, text: str, skip: frozenset[str] = frozenset()) -> list[tuple[str, Decoded]]:
        """Ask the decoders about ``text``: the ``(plugin name, answer)`` claims, in call order.

        Every specific decoder is asked; the fallbacks (``trylast``) only when none of them claimed, and then the
        first fallback that claims ends it. So several claims mean several specific decoders claimed the scan.

        :param skip: plugins not to ask (those whose declared label formats do not fit ``text``).
        :raises BarcodeError: a decoder refused the scan deliberately.
        """
        route = self._decoders.get(skip)
        if route is None:
            route = self._decode_route(skip)
        direct = route.direct
        call = self._call
        saved = call.given, call.claims, call.named
        # Each isolated decoder adds its claim to ``claims``; only under a hook wrapper, which may change the
        # answers, are they copied to carry their plugin's name and taken from what pluggy returns.
        claims: list[tuple[str, Decoded]] = []
        call.given, call.claims, call.named = text, claims, direct is None
        try:
            if direct is not None and self.fast_path and not self.pm.monitors:
                # The fast path: with no hook wrapper and no monitor (tracing), pluggy's call would do exactly
                # this loop (the isolation is inside each function), only slower: Engine.decode took 1.19x as
                # long through pluggy, 1.22x with 20 idle plugins (its subset caller filters them on every
                # call). tests/test_hook_runner.py checks that both answer alike.
                for function, with_text in direct:
                    if with_text:
                        function(text)
                    else:
                        function()
            else:
                answers = route.caller(text=text)
        finally:
            call.given, call.claims, call.named = saved
        if direct is not None:
            return claims
        return [(answer.plugin, answer) for answer in self._after_wrappers("decode", answers, text)]

    def _decode_route(self, skip: frozenset[str]) -> _DecodeRoute:
        self.ensure_plugins_loaded()
        with self._lock:  # not while another thread registers a plugin (it clears the cache)
            skipped = [plugin for plugin in map(self.pm.get_plugin, skip) if plugin is not None]
            caller = self.pm.subset_hook_caller("decode", skipped) if skipped else self.pm.hook.decode
            direct = None
            if not self._wrapper_names("decode"):
                impls = reversed(caller.get_hookimpls())  # pluggy's call order
                direct = tuple((impl.function, bool(impl.argnames)) for impl in impls)
            route = self._decoders[skip] = _DecodeRoute(caller, direct)
        return route

    def link_item(self, barcode: Decoded) -> str | None:
        """The key ``barcode`` is linked under: the first usable ``link_item`` answer, or ``None`` (use its hash).

        :raises BarcodeError: a plugin refuses to link this barcode.
        """
        return self._first("link_item", barcode, barcode=barcode)  # type: ignore[no-any-return]

    def match_po_line(self, barcode: Decoded, orders: Sequence[PurchaseOrder]) -> Sequence[PurchaseOrderLine] | None:
        """The order lines a supplier label fits best (the first usable ``match_po_line`` answer), or ``None``."""
        return self._first("match_po_line", barcode, barcode=barcode, orders=tuple(orders))  # type: ignore[no-any-return]

    def item_exists(self, item: ItemRef, tx: Transaction) -> bool | None:
        """Whether ``item`` names something (the first ``item_exists`` answer); ``None``: no plugin knows its type."""
        return self._first("item_exists", item, item=item, tx=tx)  # type: ignore[no-any-return]

    def create_receipt_item(
        self, barcode: Decoded, line: PurchaseOrderLine, quantity: Quantity, location: str | None, tx: Transaction
    ) -> ItemRef | None:
        """The item a receipt's stock goes into (the first ``create_receipt_item`` answer), or ``None``.

        :raises ListenerRefused: an implementation raised; nothing may be booked.
        :raises InvalidItemReference: the answer is not an item reference.
        """
        answer = self._first(
            "create_receipt_item",
            barcode.barcode_hash,
            barcode=barcode,
            line=line,
            quantity=quantity,
            location=location,
            tx=tx,
        )
        return answer if answer is None or isinstance(answer, ItemRef) else ItemRef.parse(answer)

    def label_formats(self) -> dict[str, list[LabelFormat]]:
        """Each plugin's declared label formats, by plugin name (plugins that declare none left out)."""
        answered: list[tuple[str, Any]] = []
        answers = self._run("label_formats", None, answered=answered)
        return {name: list(formats) for name, formats in self._by_plugin("label_formats", answers, answered) if formats}

    def examples(self) -> dict[str, Any]:
        """Each plugin's ``barcode_examples`` strategy, by plugin name (plugins that answered ``None`` left out)."""
        answered: list[tuple[str, Any]] = []
        answers = self._run("barcode_examples", None, answered=answered)
        return dict(self._by_plugin("barcode_examples", answers, answered))

    def register_commands(self, cli: click.Group, check: Callable[[], str | None]) -> None:
        """Let each plugin add commands to ``cli``; after each one, ``check`` says what it broke, if anything
        (recorded as that plugin's failure)."""
        self._run("register_commands", None, after=check, cli=cli)

    def listens(self, hook: str) -> bool:
        """Whether any plugin implements ``hook`` (an event nobody listens to need not even be built)."""
        return bool(self.implementations(hook))

    def announce(self, event: Event, tx: Transaction) -> None:
        """Call the in-transaction listeners of ``event`` (its ``kind`` is the hook) in order.

        :raises ListenerRefused: the first listener that raised; the caller's transaction must roll back.
        """
        self._run(event.kind, f"{event.kind} {event.history_id}", event=event, tx=tx)

    def event_committed(self, event: Event) -> None:
        """Tell every ``event_committed`` listener about ``event``; one that raises is recorded, the others run."""
        self._run("event_committed", f"{event.kind} {event.history_id}", event=event)

    def _run(
        self,
        hook: str,
        given: object,
        *,
        after: Callable[[], str | None] | None = None,
        answered: list[tuple[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``hook`` through pluggy with ``given`` as the input failure records show."""
        self.ensure_plugins_loaded()
        direct = self._direct.get(hook, False)
        if direct is False:
            direct = self._direct_calls(hook)
        call = self._call
        saved = call.given, call.claims, call.named, call.after, call.answered
        call.given, call.claims, call.named, call.after, call.answered = given, None, False, after, answered
        try:
            if direct is not None and self.fast_path and not self.pm.monitors:
                # The same loop pluggy's call runs when nothing wraps or watches it (the isolation is inside
                # each function), without its per-call set-up: a receive makes three of these calls.
                # tests/test_hook_runner.py checks that both answer alike.
                functions, firstresult = direct
                results = []
                for function, names in functions:
                    answer = function(*[kwargs[name] for name in names])
                    if answer is not None:
                        if firstresult:
                            return answer
                        results.append(answer)
                return None if firstresult else results
            return getattr(self.pm.hook, hook)(**kwargs)
        finally:
            call.given, call.claims, call.named, call.after, call.answered = saved

    def _direct_calls(self, hook: str) -> tuple[tuple[tuple[Callable[..., Any], tuple[str, ...]], ...], bool] | None:
        """The fast path's plan for ``hook`` (``None`` when a hook wrapper wraps it: pluggy must run it)."""
        with self._lock:  # not while another thread registers a plugin (it clears the cache)
            caller = getattr(self.pm.hook, hook)
            plan = None
            if not self._wrapper_names(hook):
                functions = tuple((impl.function, tuple(impl.argnames)) for impl in reversed(caller.get_hookimpls()))
                plan = functions, bool(caller.spec and caller.spec.opts.get("firstresult"))
            self._direct[hook] = plan
        return plan

    def _first(self, hook: str, given: object, **kwargs: Any) -> Any:
        """The answer of a ``firstresult`` hook (implementations' unusable answers were skipped already)."""
        answer = self._run(hook, given, **kwargs)
        if answer is None or not self._wrapper_names(hook):
            return answer
        (answer,) = self._after_wrappers(hook, [answer], given) or (None,)
        return answer

    def _wrapper_names(self, hook: str) -> tuple[str, ...]:
        """The plugins with a hook wrapper (``wrapper=True`` or ``hookwrapper=True``) around ``hook``."""
        names = self._wrappers.get(hook)
        if names is None:
            self.ensure_plugins_loaded()
            impls = getattr(self.pm.hook, hook).get_hookimpls()
            names = self._wrappers[hook] = tuple(i.plugin_name for i in impls if i.wrapper or i.hookwrapper)
        return names

    def _after_wrappers(self, hook: str, answers: Any, given: object) -> list[Any]:
        """``answers`` with those a hook wrapper made unusable left out (recorded as the wrappers' failure).

        An implementation's own answers were checked before any wrapper saw them, so without wrappers (the
        common case) this is ``answers`` unchanged.
        """
        wrappers = self._wrapper_names(hook)
        if not wrappers:
            return answers  # type: ignore[no-any-return]
        culprit = "+".join(wrappers)
        if not isinstance(answers, list):
            self.record_failure(culprit, hook, f"a hook wrapper returned {type(answers).__name__}, not a list", given)
            return []
        check = ANSWER_CHECKS.get(hook)
        kept = []
        for answer in answers:
            wrong = check(answer) if check is not None and answer is not None else None
            if wrong is None:
                kept.append(answer)
            else:
                self.record_failure(culprit, hook, f"a hook wrapper {wrong}", given)
        if hook == "decode":  # an answer a wrapper made up is the wrapper's
            kept = [a if a.plugin else a.identified(culprit, a.raw, a.barcode_hash) for a in kept]
        return kept

    def _by_plugin(self, hook: str, answers: Any, answered: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """Pair a hook's answers with the plugins that gave them (``answered``, recorded in call order by the
        isolation). An answer a hook wrapper put in counts as the wrappers' own."""
        if not self._wrapper_names(hook):  # pluggy's answers are exactly those recorded, in the same order
            return answered
        pending = list(answered)
        pairs = []
        for answer in self._after_wrappers(hook, answers, None):
            index = next((i for i, (_, given) in enumerate(pending) if given is answer), None)
            name = pending.pop(index)[0] if index is not None else "+".join(self._wrapper_names(hook))
            pairs.append((name, answer))
        return pairs

    # -- the plugins' own functions ----------------------------------------------------------------------
    def implementations(self, hook: str) -> list[Implementation]:
        """The implementations of ``hook`` in call order (tryfirst ... plain ... trylast), wrappers excluded, each
        with the plugin's own function: for diagnostics and the conformance suite, which call one plugin on
        purpose and want its exceptions. The core calls hooks through the methods above."""
        cached = self._impl_cache.get(hook)
        if cached is None:
            self.ensure_plugins_loaded()
            with self._lock:  # not while another thread registers a plugin (it clears the cache)
                caller = getattr(self.pm.hook, hook)
                cached = [
                    Implementation(
                        impl.plugin_name,
                        impl.plugin,
                        self._unisolated.get(impl.function, impl.function),
                        tuple(impl.argnames),
                        bool(impl.tryfirst),
                        bool(impl.trylast),
                    )
                    for impl in reversed(caller.get_hookimpls())
                    if not (impl.hookwrapper or impl.wrapper)
                ]
                self._impl_cache[hook] = cached
        return cached

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

    def is_fallback(self, impl: Implementation) -> bool:
        """Whether an implementation declared itself a fallback (``trylast``)."""
        return bool(impl.trylast)


class Implementation(NamedTuple):
    """One plugin's implementation of a hook, as the plugin wrote it (no isolation)."""

    plugin_name: str
    plugin: object
    function: Callable[..., Any]
    argnames: tuple[str, ...]
    tryfirst: bool
    trylast: bool


class _Pluggy(pluggy.PluginManager):
    """pluggy's manager, counting hook-call monitors (``enable_tracing`` adds one), so that the decode fast path
    steps aside while anything watches the calls."""

    monitors = 0

    def add_hookcall_monitoring(self, before: Any, after: Any) -> Callable[[], None]:
        undo = super().add_hookcall_monitoring(before, after)
        self.monitors += 1

        def undo_and_count() -> None:
            undo()
            self.monitors -= 1

        return undo_and_count


class _DecodeRoute(NamedTuple):
    """How to ask the decoders of one routing: pluggy's caller, and (when no hook wrapper wraps ``decode``) the
    isolated functions in pluggy's call order, each with whether it takes the text."""

    caller: Any
    direct: tuple[tuple[Callable[..., Decoded | None], bool], ...] | None


class _CallState(threading.local):
    """What the isolation of each implementation needs to know about the hook call in progress on this thread."""

    #: the input a failure record shows
    given: object = None
    #: ``decode``: the claims so far, with the names of the plugins that made them (once there is one, the
    #: fallbacks are not asked)
    claims: list[tuple[str, Decoded]] | None = None
    #: ``decode`` under a hook wrapper: each answer is a copy that names its plugin
    named: bool = False
    #: ``register_commands``: what the implementation that just ran broke, if anything
    after: Callable[[], str | None] | None = None
    #: answers with the names of the plugins that gave them, for hooks whose answers do not carry a name
    answered: list[tuple[str, Any]] | None = None


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
