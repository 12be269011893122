"""Event dispatch: in-transaction listeners (all or nothing); after-commit listeners are called by
:meth:`~barcode_plugins.actions.transaction.Transactions.committed`.

A write announces its event inside its transaction, after its history entry is written: every implementation of
the event's hook runs there and then with the open :class:`~barcode_plugins.hooks.types.Transaction`; the first
that raises rolls the whole write back (:class:`ListenerRefused`). The event then waits on the thread's
transaction state until the outermost ``with`` block commits, and each ``event_committed`` implementation is
called with it; one that raises is recorded as that plugin's failure and the others still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from barcode_plugins.actions.transaction import COMMITTED_HOOK
from barcode_plugins.hooks.types import Event, EventKind

if TYPE_CHECKING:
    from barcode_plugins.actions.transaction import Transactions
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.models import Link


def announce(
    plugins: PluginManager, transactions: Transactions, kind: EventKind, history_id: int, **fields: Any
) -> None:
    """Announce an event from inside the open transaction of ``transactions`` (see the module docstring).

    :raises ListenerRefused: an in-transaction listener raised; the caller's transaction must roll back.
    """
    listeners = plugins.listens(kind)
    after_commit = plugins.listens(COMMITTED_HOOK)
    if not listeners and not after_commit:  # the common case: nobody listens, nothing to build
        return
    from barcode_plugins.store import now

    state = transactions.state
    event = Event(kind, history_id, now(), **fields)
    if listeners:
        state.in_listener = True
        try:
            plugins.announce(event, state.current)
        finally:
            state.in_listener = False
    if after_commit:
        state.pending.append(event)


def announce_removed(
    plugins: PluginManager, transactions: Transactions, history_id: int, links: Sequence[Link]
) -> None:
    """Announce ``link_removed`` once per removed link, in the order given."""
    for link in links:
        announce(
            plugins,
            transactions,
            "link_removed",
            history_id,
            item=link.item,
            link_key=link.link_key,
            raw=link.raw,
            plugin=link.plugin,
        )
