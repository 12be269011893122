"""API tokens in the store (the commands and the HTTP side are in test_http_tokens.py)."""

from __future__ import annotations

import pytest

from barcode_plugins.errors import NotFound
from barcode_plugins.store import Store


def test_revoking_a_token_by_an_id_too_large_for_sqlite_is_not_found() -> None:
    store = Store()
    with pytest.raises(NotFound):
        store.revoke_api_token("9" * 30)


def test_a_revoked_name_can_be_used_again_and_revoked_tokens_are_listed_on_request() -> None:
    store = Store()
    first = store.add_api_token("bench", "h1", "bp_1…")
    assert store.revoke_api_token(str(first.id)).revoked_at is not None
    second = store.add_api_token("bench", "h2", "bp_2…")
    assert second.id != first.id and second.revoked_at is None
    assert [token.id for token in store.api_tokens()] == [second.id]
    assert [token.id for token in store.api_tokens(include_revoked=True)] == [first.id, second.id]
    assert store.api_token_by_hash("h1") is None and store.api_token_by_hash("h2") == second
