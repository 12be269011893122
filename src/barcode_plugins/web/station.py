"""The one engine a server shares between its requests, and how requests reach it.

Every call to the engine goes through :meth:`Station.call`. Today it holds a lock: ``Engine`` keeps one SQLite
connection whose transactions are not safe to interleave across threads (two threads inside one ``BEGIN`` lose
receipts). Once the engine is safe to share between threads, the lock is the one line to remove.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..engine import Engine
from ..errors import InputError
from .tokens import is_valid

T = TypeVar("T")


class Station:
    """An engine, its lock, and the server's access policy."""

    def __init__(self, engine: Engine, *, open_reads: bool = False) -> None:
        self.engine = engine
        self.open_reads = open_reads
        self._lock = threading.Lock()

    def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``function`` (an engine or store method) with exclusive use of the engine."""
        with self._lock:
            return function(*args, **kwargs)

    def token_is_valid(self, token: str | None) -> bool:
        """Whether ``token`` is a live API token of this store."""
        if token is None:
            return False
        return self.call(is_valid, self.engine.store, token)

    # -- the single place where request options reach engine features of other work in progress -------------------
    def options(
        self, method: Callable[..., Any], *, explain: bool | None = None, another: bool = False
    ) -> dict[str, Any]:
        """Keyword arguments for ``engine.scan``/``engine.receive`` carrying ``explain`` and ``another``.

        ``explain=True`` (an ``explanation`` on the result) and ``Engine.receive(..., another=True)`` come from
        parallel work; they are passed only when the engine's method accepts them. The engine is asked to explain
        unless the client said ``explain: false`` (absent means "on failures", known only afterwards). An
        unsupported ``explain`` just leaves the explanation out; an unsupported ``another`` is refused, since it
        would change the outcome.
        """
        accepted = _parameters(method)
        options: dict[str, Any] = {}
        if explain is not False and "explain" in accepted:
            options["explain"] = True
        if another:
            if "another" not in accepted:
                raise InputError("'another' is not supported by this server's engine")
            options["another"] = True
        return options

    def filters(self, method: Callable[..., Any], **given: Any) -> dict[str, Any]:
        """The filters a request gave (those not ``None``) as keyword arguments of ``method``; a filter the
        engine's method does not take (history filters came with parallel work) is refused, not ignored."""
        accepted = _parameters(method)
        chosen = {name: value for name, value in given.items() if value is not None}
        for name in chosen:
            if name not in accepted:
                raise InputError(f"the history filter {name!r} is not supported by this server's engine")
        return chosen


def _parameters(method: Callable[..., Any]) -> frozenset[str]:
    try:
        return frozenset(inspect.signature(method).parameters)
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return frozenset()


def explanation_of(result: object, *, explain: bool | None = True, failed: bool = False) -> Any:
    """The result's ``explanation`` as JSON-ready data if the client wants it (``explain`` true, or absent and the
    scan ``failed``), else ``None``; ``None`` too where the engine gives none."""
    if not (explain or (explain is None and failed)):
        return None
    explanation = getattr(result, "explanation", None)
    if explanation is None or isinstance(explanation, (str, int, float, bool, list, dict)):
        return explanation
    from ..models import unstructure

    try:
        return unstructure(explanation)
    except Exception:  # an explanation the converter cannot handle is still shown, as text
        return str(explanation)
