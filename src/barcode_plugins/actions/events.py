"""Event dispatch: in-transaction listeners (all or nothing) and after-commit listeners (once each, in order).

A write announces its event inside its transaction, after its history entry is written: every implementation of
the event's hook runs there and then with the open :class:`~barcode_plugins.actions.transaction.Transaction`; the first
that raises rolls the whole write back (:class:`ListenerRefused`). The event then waits on the thread's
transaction state until the outermost ``with`` block commits, and each ``event_committed`` implementation is
called with it; one that raises is recorded as that plugin's failure and the others still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from barcode_plugins.models import ItemRef, Link, Quantity

if TYPE_CHECKING:
    from barcode_plugins.actions.transaction import TransactionState
    from barcode_plugins.engine import Engine

COMMITTED_HOOK = "event_committed"

EventKind = Literal["receipt_booked", "receipt_undone", "link_added", "link_removed", "barcode_scanned"]


@attrs.frozen
class Event:
    """Something that happened in the store, as event listeners receive it (see the event hooks).

    ``kind`` is the name of the hook that announced it. ``history_id`` is the history entry written in the same
    transaction: ids grow in commit order, so they order events across processes. Fields an event does not
    concern are ``None``.
    """

    kind: EventKind
    history_id: int
    at: str
    item: ItemRef | None = None
    barcode_hash: str | None = None
    raw: str | None = None
    plugin: str | None = None
    link_key: str | None = None
    purchase_order: str | None = None
    line: int | None = None
    quantity: Quantity | None = None
    location: str | None = None


def announce(engine: Engine, kind: EventKind, history_id: int, **fields: Any) -> None:
    """Announce an event from inside the engine's open transaction (see the module docstring).

    :raises ListenerRefused: an in-transaction listener raised; the caller's transaction must roll back.
    """
    plugins = engine.plugins
    listeners = plugins.listens(kind)
    after_commit = plugins.listens(COMMITTED_HOOK)
    if not listeners and not after_commit:  # the common case: nobody listens, nothing to build
        return
    from barcode_plugins.store import now

    state = engine.transaction_state
    event = Event(kind, history_id, now(), **fields)
    if listeners:
        state.in_listener = True
        try:
            plugins.announce(event, state.current)
        finally:
            state.in_listener = False
    if after_commit:
        state.pending.append(event)


def notify_committed(engine: Engine, state: TransactionState) -> None:
    """Call every ``event_committed`` listener with each event of the transaction that just committed, in order.

    A listener that raises is recorded (``barcode-plugins plugins`` and the CLI's warning show it); the receipt or
    link it was told about stays committed, and the remaining listeners and events are still called.
    """
    events, state.pending = state.pending, []
    for event in events:
        engine.plugins.event_committed(event)


def announce_removed(engine: Engine, history_id: int, links: Sequence[Link]) -> None:
    """Announce ``link_removed`` once per removed link, in the order given."""
    for link in links:
        announce(
            engine, "link_removed", history_id, item=link.item, link_key=link.link_key, raw=link.raw, plugin=link.plugin
        )
