"""The core knows formats, a plugin knows its supplier: no supplier's name in the core's code.

The rule: in every Python module of ``src/barcode_plugins/`` outside ``builtin/`` (the built-in plugins) and
``templates/`` (the scaffold of a new plugin), no supplier's name appears in code, string constants or comments.
Docstrings may name suppliers: they are documentation, and examples there help plugin authors. Supplier knowledge
that hides in a comment usually has code next to it, so comments count.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "barcode_plugins"
EXEMPT = ("builtin", "templates")
SUPPLIER_NAME = re.compile(r"digi-?key|mouser|lcsc|\btme\b|farnell", re.IGNORECASE)
MODULES = sorted(path for path in PACKAGE.rglob("*.py") if not set(path.relative_to(PACKAGE).parts[:-1]) & set(EXEMPT))


def docstring_lines(source: str) -> set[int]:
    """The line numbers that docstrings occupy."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def supplier_names_outside_docstrings(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of every comment or non-docstring token that names a supplier."""
    documented = docstring_lines(source)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        if token.type == tokenize.STRING and token.start[0] in documented:
            continue
        if SUPPLIER_NAME.search(token.string):
            found.append((token.start[0], token.string.strip()[:80]))
    return found


def test_the_rule_sees_code_strings_and_comments_but_not_docstrings() -> None:
    source = '"""Digi-Key labels."""\nX = "digikey"  # Mouser\ndef f():\n    """TME."""\n    return "LCSC"\n'
    assert [line for line, _ in supplier_names_outside_docstrings(source)] == [2, 2, 5]


def test_modules_are_found() -> None:
    names = {path.name for path in MODULES}
    assert {"normalize.py", "layouts.py", "segmentation.py", "ecia.py", "engine.py", "label_formats.py"} <= names
    assert not any("builtin" in path.parts for path in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_supplier_name_in_the_core(path: Path) -> None:
    found = supplier_names_outside_docstrings(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(PACKAGE)} names a supplier outside docstrings: {found}"
