"""The ``api_tokens`` table: the HTTP server's write access.

Only the SHA-256 of a token is kept: a copy of the database does not hand out write access. Not a hot path: rows
are written and read with sqlite-utils' table methods.
"""

from __future__ import annotations

from typing import Any

import attrs

from barcode_plugins.errors import InputError, NotFound
from barcode_plugins.store.connections import StoreConnections
from barcode_plugins.store.values import id_in_range, now

_LIVE = "revoked_at IS NULL"


@attrs.frozen
class ApiToken:
    """A token for the HTTP API as stored: its hash and a short hint, never the token itself."""

    id: int
    name: str
    token_hash: str
    hint: str
    created_at: str
    revoked_at: str | None = None


def _token(row: dict[str, Any]) -> ApiToken:
    return ApiToken(row["id"], row["name"], row["token_hash"], row["hint"], row["created_at"], row["revoked_at"])


class TokenTable(StoreConnections):
    """API tokens: created, listed, checked and revoked."""

    def add_api_token(self, name: str, token_hash: str, hint: str) -> ApiToken:
        """Store a new token's hash under ``name`` (names are unique among tokens that are not revoked)."""
        with self.transaction():
            if self._table_rows("api_tokens", f"name = ? AND {_LIVE}", [name]):
                raise InputError(f"a token named {name!r} exists; revoke it first or choose another name")
            self.db.table("api_tokens").insert(
                {"name": name, "token_hash": token_hash, "hint": hint, "created_at": now()}
            )
            return _token(self._table_rows("api_tokens", "token_hash = ?", [token_hash])[0])  # hashes are unique

    def api_tokens(self, include_revoked: bool = False) -> list[ApiToken]:
        """Tokens, oldest first."""
        rows = self._table_rows("api_tokens", None if include_revoked else _LIVE, order_by="id")
        return [_token(row) for row in rows]

    def api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The live (not revoked) token with this hash."""
        rows = self._table_rows("api_tokens", f"token_hash = ? AND {_LIVE}", [token_hash])
        return _token(rows[0]) if rows else None

    def revoke_api_token(self, name_or_id: str) -> ApiToken:
        """Revoke a live token by name or id; :class:`NotFound` if there is none."""
        with self.transaction():
            rows = self._table_rows("api_tokens", f"name = ? AND {_LIVE}", [name_or_id])
            if not rows and name_or_id.isdigit() and id_in_range(int(name_or_id)):
                rows = self._table_rows("api_tokens", f"id = ? AND {_LIVE}", [int(name_or_id)])
            if not rows:
                raise NotFound(f"no live token named {name_or_id[:64]!r}")
            table = self.db.table("api_tokens").update(rows[0]["id"], {"revoked_at": now()})
            return _token(table.get(rows[0]["id"]))
