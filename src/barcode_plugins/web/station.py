"""The one engine a server shares between its requests, and how requests reach it.

Every call to the engine goes through :meth:`Station.call`, from the server's worker threads. The engine is safe
to share between threads (each thread has its own SQLite connection and transactions), so calls run concurrently
and SQLite's write lock orders the writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from barcode_plugins.engine import Engine

T = TypeVar("T")


class Station:
    """An engine and the server's access policy."""

    def __init__(self, engine: Engine, *, open_reads: bool = False) -> None:
        self.engine = engine
        self.open_reads = open_reads

    def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``function`` (an engine method) in this worker thread."""
        return function(*args, **kwargs)

    def token_is_valid(self, token: str | None) -> bool:
        """Whether ``token`` is a live API token of this store."""
        if token is None:
            return False
        return self.call(self.engine.api_token_is_valid, token)

    @staticmethod
    def options(*, explain: bool | None = None, another: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``engine.scan``/``engine.receive``: ``explain`` when the client asked for an
        explanation (a failed scan carries one anyway), ``another`` for a further bag of a received label."""
        options: dict[str, Any] = {}
        if explain:
            options["explain"] = True
        if another:
            options["another"] = True
        return options

    @staticmethod
    def filters(**given: Any) -> dict[str, Any]:
        """The history filters a request gave (those not ``None``), as keyword arguments of ``engine.history``."""
        return {name: value for name, value in given.items() if value is not None}


def explanation_of(result: object, *, explain: bool | None = True, failed: bool = False) -> Any:
    """The result's ``explanation`` as JSON-ready data if the client wants it (``explain`` true, or absent and the
    scan ``failed``), else ``None``; ``None`` too where the engine gives none."""
    if not (explain or (explain is None and failed)):
        return None
    explanation = getattr(result, "explanation", None)
    if explanation is None or isinstance(explanation, (str, int, float, bool, list, dict)):
        return explanation
    from barcode_plugins.models import unstructure

    try:
        return unstructure(explanation)
    except Exception:  # an explanation the converter cannot handle is still shown, as text
        return str(explanation)
