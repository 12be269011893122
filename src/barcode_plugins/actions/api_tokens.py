"""API tokens for the HTTP API: made with :mod:`secrets`, kept as SHA-256 hashes, shown once at creation.

No HTTP stack here: ``barcode-plugins token ...`` must work without the server extra installed.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from barcode_plugins.errors import InputError

if TYPE_CHECKING:
    from barcode_plugins.store import ApiToken, Store

#: Every token starts with this, so a leaked one is recognisable in logs and secret scanners.
TOKEN_PREFIX = "bp_"


def hash_token(token: str) -> str:
    """The hex SHA-256 under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(store: Store, name: str) -> tuple[ApiToken, str]:
    """Make a token named ``name``: returns the stored record and the token itself (the only time it exists)."""
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise InputError("a token name is 1 to 64 printable characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return store.add_api_token(name, hash_token(token), token[: len(TOKEN_PREFIX) + 4] + "…"), token


def is_valid(store: Store, token: str | None) -> bool:
    """Whether ``token`` is a live token of this store."""
    return token is not None and store.api_token_by_hash(hash_token(token)) is not None
