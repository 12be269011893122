"""History an embedder can query and bound: filters, one entry with its explanation, retention.

Retention is a count: ``Engine(history_limit=N)`` (or ``$BARCODE_PLUGINS_HISTORY_LIMIT``) keeps the newest ``N``
entries, trimmed every :data:`PRUNE_EVERY` committed engine writes (one cheap ``DELETE`` by primary key, so a
busy station pays almost nothing); ``barcode-plugins history --prune`` / :meth:`Engine.prune_history` trims by
count or age on demand.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from barcode_plugins.errors import InputError, NotFound

if TYPE_CHECKING:
    from barcode_plugins.models import HistoryEntry
    from barcode_plugins.store import Store

#: Committed engine writes between two automatic trims of the history (when a limit is set).
PRUNE_EVERY = 100


def history_limit_from(given: int | None, environment: str | None) -> int | None:
    """The history limit: the argument, else the environment variable's value, else ``None`` (unbounded).

    :raises InputError: a limit below 1, or an environment value that is not a whole number.
    """
    limit = given
    if limit is None and environment:
        try:
            limit = int(environment)
        except ValueError:
            raise InputError(
                f"BARCODE_PLUGINS_HISTORY_LIMIT must be a whole number, got {environment[:40]!r}"
            ) from None
    if limit is not None and (isinstance(limit, bool) or limit < 1):
        raise InputError(f"history limit must be at least 1, got {limit!r}")
    return limit


def timestamp(value: str | datetime, name: str) -> str:
    """An ISO 8601 time (text or ``datetime``; naive means UTC) as the UTC text the history stores.

    :raises InputError: text that is not ISO 8601.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                f"{name} must be an ISO 8601 time such as 2026-11-29 or 2026-11-29T14:00, got {value[:40]!r}"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def query(
    store: Store,
    limit: int,
    action: str | None,
    status: str | None,
    purchase_order: str | None,
    barcode_hash: str | None,
    since: str | datetime | None,
    until: str | datetime | None,
) -> list[HistoryEntry]:
    """Filtered history, newest first, explanations included (see :meth:`Engine.history`)."""
    rows = store.history(
        limit,
        action=action,
        status=status,
        purchase_order=purchase_order,
        barcode_hash=barcode_hash,
        since=None if since is None else timestamp(since, "since"),
        until=None if until is None else timestamp(until, "until"),
    )
    return [_with_explanation(entry, explanation) for entry, explanation in rows]


def entry(store: Store, history_id: int) -> HistoryEntry:
    """One entry with its stored explanation (see :meth:`Engine.history_entry`)."""
    found = store.get_history(history_id)
    if found is None:
        raise NotFound(f"no history entry {history_id}")
    return _with_explanation(found, store.history_explanation(history_id))


def _with_explanation(found: HistoryEntry, explanation: str | None) -> HistoryEntry:
    if not explanation:
        return found
    import attrs

    from barcode_plugins.actions.explain import from_json

    return attrs.evolve(found, explanation=from_json(explanation))


def prune(store: Store, keep: int | None, older_than: timedelta | None) -> int:
    """Trim the history by count and/or age (see :meth:`Engine.prune_history`)."""
    if keep is None and older_than is None:
        raise InputError("prune needs a count to keep or an age (e.g. keep=10000 or older_than=timedelta(days=90))")
    if keep is not None and keep < 0:
        raise InputError(f"keep must be 0 or more, got {keep}")
    before = (
        None if older_than is None else (datetime.now(timezone.utc) - older_than).isoformat(timespec="microseconds")
    )
    return store.prune_history(keep, before)


class HistoryRetention:
    """A history limit kept after commits: every :data:`PRUNE_EVERY` committed writes, trim to the newest
    ``limit`` entries.

    :param limit: the number of entries to keep (see :func:`history_limit_from`).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        #: Committed writes since the history was last trimmed.
        self.writes_since_prune = 0

    def after_commit(self, store: Store) -> None:
        """Count a committed write to ``store``; every :data:`PRUNE_EVERY` of them, trim to the limit."""
        self.writes_since_prune += 1
        if self.writes_since_prune >= PRUNE_EVERY:
            self.writes_since_prune = 0
            store.prune_history(self.limit, None)
