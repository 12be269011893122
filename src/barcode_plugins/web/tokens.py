"""The API token a request carries. Tokens are made, listed, revoked and checked by the engine
(``Engine.create_api_token`` and its neighbours)."""

from __future__ import annotations

#: The longest ``Authorization`` value looked at; longer is refused without hashing.
MAX_TOKEN_LENGTH = 256


def token_from_header(value: str | None) -> str | None:
    """The token of an ``Authorization: Token <token>`` header (``Bearer`` is accepted too), else ``None``."""
    if not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in ("token", "bearer") or not token:
        return None
    return token
