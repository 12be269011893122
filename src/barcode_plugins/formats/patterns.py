"""What a regular expression can start with: the first characters of its matches, read from the parsed pattern.

Declared label formats give their starts as regular expressions; knowing each one's possible first characters
lets the engine test a scan against only the starts that can match it (one dictionary lookup on the scan's first
character), and lets keyboard-layout detection skip scans that no known start can begin.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: Every printable ASCII character: what a start whose first character cannot be worked out may begin with.
PRINTABLE = frozenset(chr(code) for code in range(0x20, 0x7F))
_MAX_RANGE = 0x250  # a character class wider than this is "anything" (the tables stay small)


@lru_cache(maxsize=256)
def first_characters(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` (with ``re.match``) can start with, or ``None`` when the pattern can
    start with anything (an empty match, a negated class, a category such as ``\\w``, a pattern that does not
    parse)."""
    try:
        import re._parser as parser  # type: ignore[import-not-found]  # Python 3.11+: the stdlib's own parser
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        parsed = parser.parse(pattern)
    except Exception:  # an invalid pattern is reported where it is declared; here it may start with anything
        return None
    found, may_be_empty = _firsts(list(parsed))
    if found is None or may_be_empty:
        return None
    if re.compile(pattern).flags & re.IGNORECASE:
        found |= {variant for char in found for variant in (char.lower(), char.upper()) if len(variant) == 1}
    return frozenset(found)


def _firsts(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """First characters of a sequence of parsed items, and whether the sequence can match nothing at all."""
    found: set[str] = set()
    for op, argument in items:
        name = str(op)
        if name == "AT":  # an anchor consumes nothing
            continue
        if name == "LITERAL":
            return found | {chr(argument)}, False
        if name == "IN":
            characters = _class(argument)
            return (None if characters is None else found | characters), False
        if name == "SUBPATTERN":
            inner, empty = _firsts(list(argument[-1]))
        elif name == "BRANCH":
            inner, empty = set(), False
            for branch in argument[1]:
                chars, branch_empty = _firsts(list(branch))
                if chars is None:
                    return None, False
                inner |= chars
                empty = empty or branch_empty
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = argument
            inner, empty = _firsts(list(sub))
            empty = empty or low == 0
        else:  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, ASSERT, ...: anything may come first
            return None, False
        if inner is None:
            return None, False
        found |= inner
        if not empty:
            return found, False
    return found, True


def _class(items: list[tuple[Any, Any]]) -> set[str] | None:
    characters: set[str] = set()
    for op, argument in items:
        name = str(op)
        if name == "LITERAL":
            characters.add(chr(argument))
        elif name == "RANGE" and argument[1] - argument[0] <= _MAX_RANGE:
            characters.update(chr(code) for code in range(argument[0], argument[1] + 1))
        else:  # NEGATE, CATEGORY, a huge range
            return None
    return characters
