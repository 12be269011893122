"""The engine sits above the actions: no action (nor image reading) imports it, not even for type checking, and
the engine's collaborators are what the actions are given."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import barcode_plugins

SOURCE = Path(barcode_plugins.__file__).parent
BELOW_THE_ENGINE = [*sorted((SOURCE / "actions").glob("*.py")), SOURCE / "images" / "reading.py", SOURCE / "decoder.py"]


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, wherever the import statement is (top level, TYPE_CHECKING, functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", BELOW_THE_ENGINE, ids=lambda path: str(path.relative_to(SOURCE)))
def test_modules_below_the_engine_never_import_it(path: Path) -> None:
    imported = _imported(path)
    assert "barcode_plugins.engine" not in imported
    assert "barcode_plugins.Engine" not in imported  # nor through the root package


def test_the_decoder_imports_no_store_and_no_actions() -> None:
    imported = _imported(SOURCE / "decoder.py")
    assert not {name for name in imported if name.startswith(("barcode_plugins.store", "barcode_plugins.actions"))}
    assert not {name for name in imported if name.split(".")[0] in ("sqlite3", "sqlite_utils")}
