"""docs/embedding.md is tested against the code: its Python blocks run, in order, in one namespace, in a temporary
directory, and every hook the guide's table lists exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from barcode_plugins.testing.properties import hook_names

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "embedding.md"
TEXT = GUIDE.read_text(encoding="utf-8")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_every_python_block_runs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = PYTHON_BLOCK.findall(TEXT)
    assert len(blocks) >= 8
    namespace: dict[str, object] = {"__name__": "embedding_guide"}
    for number, source in enumerate(blocks):
        exec(compile(source, f"{GUIDE.name} block {number + 1}", "exec"), namespace)
    assert (tmp_path / "shop.db").exists()


def test_the_hook_table_names_real_hooks() -> None:
    table = TEXT.split("## The hooks for embedders", 1)[1]
    listed = re.findall(r"^\| `(\w+)\(", table, re.MULTILINE)
    assert len(listed) == 8 and set(listed) <= set(hook_names())


def test_the_readme_links_the_guide() -> None:
    readme = (GUIDE.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/embedding.md" in readme.split("## Embedding", 1)[1].split("\n## ", 1)[0]
