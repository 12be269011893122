"""The ``links`` table: a scanned key and the item it stands for; single links, bulk and staged imports."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from barcode_plugins.models import ItemRef, Link
from barcode_plugins.store.connections import StoreConnections, explain

#: A link as the ``links`` table stores it: link_key, item_type, item_id, raw, plugin, created_at.
LinkRow = tuple[str, str, str, str, str | None, str]

_INSERT_LINK = "INSERT INTO links (link_key, item_type, item_id, raw, plugin, created_at) VALUES (?, ?, ?, ?, ?, ?)"
# Only a taken key is skipped (not OR IGNORE, which would also swallow a NOT NULL violation).
INSERT_LINK_IF_FREE = _INSERT_LINK + " ON CONFLICT (link_key) DO NOTHING"
_INSERT_LINKS_KEEPING_TAKEN = "INSERT OR IGNORE" + _INSERT_LINK.removeprefix("INSERT")


def _link(row: dict[str, Any]) -> Link:
    return Link(
        link_key=row["link_key"],
        item=ItemRef(row["item_type"], row["item_id"]),
        raw=row["raw"] or "",
        plugin=row["plugin"],
        created_at=row["created_at"],
    )


class LinkTable(StoreConnections):
    """Links: looked up on every scan, written by ``link``, ``receive`` and the bulk imports (hot: statements)."""

    def get_link(self, link_key: str) -> Link | None:
        """The link stored under ``link_key``."""
        row = self._one("SELECT * FROM links WHERE link_key = ?", [link_key])
        return _link(row) if row else None

    def links_for(self, item: ItemRef) -> list[Link]:
        """Every link of an item, oldest first."""
        rows = self._rows(
            "SELECT * FROM links WHERE item_type = ? AND item_id = ? ORDER BY created_at",
            [item.type, item.id],
        )
        return [_link(row) for row in rows]

    def add_link(self, link: Link) -> None:
        """Insert a link (the caller has checked, inside the same transaction, that the key is free)."""
        with self.transaction():
            self.db.conn.execute(
                _INSERT_LINK, [link.link_key, link.item.type, link.item.id, link.raw, link.plugin, link.created_at]
            )

    def add_links(self, links: Iterable[Link], batch_size: int = 10_000) -> int:
        """Insert many links in one transaction; keys already present are left as they are. Returns rows added."""
        with self.transaction():
            conn = self.db.conn
            before = conn.total_changes
            batch: list[LinkRow] = []
            for link in links:
                batch.append((link.link_key, link.item.type, link.item.id, link.raw, link.plugin, link.created_at))
                if len(batch) >= batch_size:
                    conn.executemany(_INSERT_LINKS_KEEPING_TAKEN, batch)
                    batch.clear()
            conn.executemany(_INSERT_LINKS_KEEPING_TAKEN, batch)
            return conn.total_changes - before

    def add_link_rows(self, rows: Sequence[LinkRow]) -> int:
        """:meth:`add_links` for rows already in column order (``link_key, item_type, item_id, raw, plugin,
        created_at``), in one transaction (the caller's, if one is open). Returns rows added."""
        with self.transaction():
            conn = self.db.conn
            before = conn.total_changes
            conn.executemany(_INSERT_LINKS_KEEPING_TAKEN, rows)
            return conn.total_changes - before

    # -- staged bulk import: rows wait in a TEMP table (this connection only, on disk, no lock on the store) --------
    def stage_links(self, rows: Sequence[LinkRow]) -> None:
        """Add ``(link_key, item_type, item_id, raw, plugin, created_at)`` rows to this connection's staging table
        for :meth:`add_staged_links`. Writes only the TEMP database: other connections are not held up."""
        conn = self.db.conn
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staged_links"
            " (link_key TEXT, item_type TEXT, item_id TEXT, raw TEXT, plugin TEXT, created_at TEXT)"
        )
        joined = conn.in_transaction
        if not joined:
            conn.execute("BEGIN")  # deferred, not transaction()'s IMMEDIATE: TEMP writes take no lock on the store
        try:
            conn.executemany("INSERT INTO temp.staged_links VALUES (?, ?, ?, ?, ?, ?)", rows)
            if not joined:
                conn.execute("COMMIT")
        except BaseException as error:
            if not joined and conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError):  # e.g. the temporary directory's disk is full
                raise explain(error, self.path) from None
            raise

    def add_staged_links(self) -> tuple[int, int]:
        """Insert the staged rows into ``links`` in staging order, keys already present left as they are, in one
        transaction (the caller's, if one is open). Returns (rows added, rows staged)."""
        with self.transaction():
            conn = self.db.conn
            staged = int(conn.execute("SELECT count(*) FROM temp.staged_links").fetchone()[0])
            before = conn.total_changes
            conn.execute(
                "INSERT OR IGNORE INTO links (link_key, item_type, item_id, raw, plugin, created_at)"
                " SELECT link_key, item_type, item_id, raw, plugin, created_at FROM temp.staged_links ORDER BY rowid"
            )
            return conn.total_changes - before, staged

    def drop_staged_links(self) -> None:
        """Forget whatever is staged (after an import, or when one fails)."""
        # Cleanup after a failure must not hide it; a TEMP table goes with its connection anyway.
        with contextlib.suppress(sqlite3.DatabaseError):
            self.db.conn.execute("DROP TABLE IF EXISTS temp.staged_links")

    def delete_link(self, link_key: str) -> None:
        """Remove one link."""
        with self.transaction():
            self.db.conn.execute("DELETE FROM links WHERE link_key = ?", [link_key])

    def delete_links_for(self, item: ItemRef) -> None:
        """Remove every link of an item."""
        with self.transaction():
            self.db.conn.execute("DELETE FROM links WHERE item_type = ? AND item_id = ?", [item.type, item.id])

    def delete_link_of(self, link_key: str, item: ItemRef) -> None:
        """Remove the link under ``link_key`` if it points at ``item`` (an undone receipt's label link)."""
        with self.transaction():
            self.db.conn.execute(
                "DELETE FROM links WHERE link_key = ? AND item_type = ? AND item_id = ?",
                (link_key, item.type, item.id),
            )

    def count_links(self) -> int:
        """How many links are stored."""
        return int(self._scalar("SELECT count(*) FROM links"))
