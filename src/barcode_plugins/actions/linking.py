"""Linking a barcode to an item and removing links, each in one transaction with its history entry and events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from barcode_plugins.actions.events import announce, announce_removed
from barcode_plugins.actions.host_items import require_existing
from barcode_plugins.errors import AlreadyLinked, NotLinked
from barcode_plugins.models import Link

if TYPE_CHECKING:
    from barcode_plugins.actions.transaction import Transactions
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.models import Decoded, ItemRef
    from barcode_plugins.store import Store


def link(
    store: Store,
    plugins: PluginManager,
    transactions: Transactions,
    raw: str,
    barcode: Decoded,
    key: str,
    target: ItemRef,
) -> Link:
    """Link ``barcode`` (decoded from ``raw``, linked under ``key``) to ``target`` (see :meth:`Engine.link`).

    :raises AlreadyLinked: the key is linked to another item.
    :raises NotFound: a plugin says ``target`` does not exist.
    """
    from barcode_plugins.store import now

    with transactions.open() as tx:
        require_existing(plugins, target, tx)
        existing = store.get_link(key)
        if existing is not None:
            if existing.item == target:
                return existing
            raise AlreadyLinked(
                f"barcode is already linked to {existing.item} (since {existing.created_at[:19]}); unlink it first"
            )
        made = Link(key, target, raw, barcode.plugin, now())
        store.add_link(made)
        history_id = store.add_history(
            "link",
            "linked",
            raw,
            barcode_hash=barcode.barcode_hash,
            plugin=barcode.plugin,
            item=target,
            message=f"linked to {target}",
        )
        announce(
            plugins,
            transactions,
            "link_added",
            history_id,
            item=target,
            link_key=key,
            barcode_hash=barcode.barcode_hash,
            raw=raw,
            plugin=barcode.plugin,
        )
    return made


def unlink_barcode(
    store: Store, plugins: PluginManager, transactions: Transactions, raw: str, barcode: Decoded, key: str
) -> list[Link]:
    """Remove the link under ``key`` (of ``barcode``, decoded from ``raw``).

    :raises NotLinked: the barcode is not linked.
    """
    with transactions.open():
        found = store.get_link(key)
        if found is None:
            raise NotLinked("this barcode is not linked to anything")
        store.delete_link(key)
        history_id = store.add_history(
            "unlink",
            "unlinked",
            raw,
            barcode_hash=barcode.barcode_hash,
            plugin=barcode.plugin,
            item=found.item,
            message=f"unlinked from {found.item}",
        )
        announce_removed(plugins, transactions, history_id, [found])
    return [found]


def unlink_item(store: Store, plugins: PluginManager, transactions: Transactions, target: ItemRef) -> list[Link]:
    """Remove every link of ``target``.

    :raises NotLinked: the item has no links.
    :raises NotFound: a plugin says ``target`` does not exist.
    """
    with transactions.open() as tx:
        require_existing(plugins, target, tx)
        links = store.links_for(target)
        if not links:
            raise NotLinked(f"{target} has no linked barcodes")
        store.delete_links_for(target)
        history_id = store.add_history("unlink", "unlinked", "", item=target, message=f"removed {len(links)} link(s)")
        announce_removed(plugins, transactions, history_id, links)
    return links
