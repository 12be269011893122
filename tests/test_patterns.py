"""First characters of a declared start pattern."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.formats.patterns import first_characters


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"ACME\|", "A"),
        (r"\{[a-z]{1,12}:", "{"),
        (r"(?:x)?y", "xy"),
        (r"(?:QTY|PN):", "PQ"),
        (r"(?:[A-C][0-9]*:)*?PN:", "ABCP"),
        (r"(?i)acme", "Aa"),
        ("SEP\x1d", "S"),
    ],
)
def test_first_characters(pattern: str, expected: str) -> None:
    assert first_characters(pattern) == frozenset(expected)


@pytest.mark.parametrize("pattern", [r"\w+", "", r"[^a]", "a*", ".x", "(", r"(?=a)a"])
def test_anything_or_unknown_is_none(pattern: str) -> None:
    assert first_characters(pattern) is None


@given(st.sampled_from([r"ACME\|", r"(?:QTY|PN):", r"(?:[A-C][0-9]*:)*?PN:", r"\{[a-z]:", r"[0-9]{2}X"]), st.text())
def test_every_match_starts_with_one_of_them(pattern: str, text: str) -> None:
    first = first_characters(pattern)
    assert first is not None
    if re.match(pattern, text):
        assert text[0] in first
