"""The ``history`` table: every scan, link, receive and undo as it happened, with why a failed scan failed."""

from __future__ import annotations

from typing import Any

from barcode_plugins.models import HistoryEntry, ItemRef
from barcode_plugins.quantities import Quantity, to_micros
from barcode_plugins.store.connections import StoreConnections
from barcode_plugins.store.values import MAX_ID, id_in_range, now, optional_micros

#: History keeps at most this much of a raw scan (and its length): a refused 5 MB scan must not cost 5 MB.
MAX_HISTORY_RAW = 8192

# Written by every scan: constant SQL, kept prepared by sqlite3's statement cache.
_INSERT_HISTORY = (
    "INSERT INTO history (at, action, status, raw, barcode_hash, plugin, item, purchase_order, line,"
    " quantity_micros, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _entry(row: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        at=row["at"],
        action=row["action"],
        status=row["status"],
        raw=row["raw"] or "",
        barcode_hash=row["barcode_hash"],
        plugin=row["plugin"],
        item=ItemRef.parse(row["item"]) if row["item"] else None,
        purchase_order=row["purchase_order"],
        line=row["line"],
        quantity=optional_micros(row["quantity_micros"]),
        message=row["message"],
    )


class HistoryTable(StoreConnections):
    """History: appended on every scan (hot: one prepared ``INSERT``), queried and pruned by the user."""

    def add_history(
        self,
        action: str,
        status: str,
        raw: str,
        *,
        barcode_hash: str | None = None,
        plugin: str | None = None,
        item: ItemRef | None = None,
        purchase_order: str | None = None,
        line: int | None = None,
        quantity: Quantity | None = None,
        message: str | None = None,
    ) -> int:
        """Append a history entry; returns its id (never reused). A raw scan longer than 8 KiB is kept as its
        first 8 KiB and its length."""
        if len(raw) > MAX_HISTORY_RAW:
            raw = f"{raw[:MAX_HISTORY_RAW]}… [{len(raw):,} characters in all]"
        with self.transaction():
            cursor = self.db.conn.execute(
                _INSERT_HISTORY,
                (
                    now(),
                    action,
                    status,
                    raw,
                    barcode_hash,
                    plugin,
                    str(item) if item else None,
                    purchase_order,
                    line,
                    None if quantity is None else to_micros(quantity),
                    message,
                ),
            )
        return int(cursor.lastrowid or 0)

    def get_history(self, history_id: int) -> HistoryEntry | None:
        """One history entry by id (``None`` for an id that cannot exist, however large)."""
        if not id_in_range(history_id):
            return None
        row = self._one("SELECT * FROM history WHERE id = ?", [history_id])
        return _entry(row) if row else None

    def set_history_explanation(self, history_id: int, explanation_json: str) -> None:
        """Keep why a scan failed with its history entry (JSON of an
        :class:`~barcode_plugins.actions.explain.Explanation`)."""
        with self.transaction():
            self.db.conn.execute("UPDATE history SET explanation = ? WHERE id = ?", (explanation_json, history_id))

    def history_explanation(self, history_id: int) -> str | None:
        """The stored explanation JSON of a history entry, if any."""
        explanation = self._scalar("SELECT explanation FROM history WHERE id = ?", (history_id,))
        return None if explanation is None else str(explanation)

    def history(
        self,
        limit: int,
        *,
        action: str | None = None,
        status: str | None = None,
        purchase_order: str | None = None,
        barcode_hash: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[HistoryEntry, str | None]]:
        """History entries, newest first, each with its explanation JSON; every filter given must hold
        (``since`` inclusive, ``until`` exclusive, both ISO timestamps compared as UTC text)."""
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("action", action),
            ("status", status),
            ("purchase_order", purchase_order),
            ("barcode_hash", barcode_hash),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            conditions.append("at >= ?")
            params.append(since)
        if until is not None:
            conditions.append("at < ?")
            params.append(until)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        limit = min(limit, MAX_ID)  # a larger number would overflow the SQLite parameter
        rows = self._rows(f"SELECT * FROM history {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [(_entry(row), row.get("explanation")) for row in rows]

    def was_undone(self, prefix: str) -> bool:
        """Whether the history holds an undone receipt of a label whose hash starts with ``prefix``."""
        found = self._scalar(
            "SELECT 1 FROM history WHERE action = 'undo' AND barcode_hash >= ? AND barcode_hash < ? LIMIT 1",
            (prefix, prefix + "g"),
        )
        return found is not None

    def prune_history(self, keep: int | None = None, before: str | None = None) -> int:
        """Delete history beyond the newest ``keep`` entries and/or older than ``before`` (ISO UTC); returns how
        many were deleted. Receipts, links and stock are not touched."""
        deleted = 0
        with self.transaction():
            conn = self.db.conn
            if keep is not None:
                row = conn.execute("SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?", (keep,)).fetchone()
                if row is not None:
                    deleted += conn.execute("DELETE FROM history WHERE id <= ?", (row[0],)).rowcount
            if before is not None:
                deleted += conn.execute("DELETE FROM history WHERE at < ?", (before,)).rowcount
        return deleted
