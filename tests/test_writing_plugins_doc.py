"""docs/writing-plugins.md is tested against the code: every hook and property is documented, and the plugin
code it shows runs and passes the conformance properties."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

from barcode_plugins.hooks.manager import PluginManager
from barcode_plugins.testing import PluginConformance, load_plugin
from barcode_plugins.testing.properties import (
    PROPERTIES,
    check_correctness,
    check_exclusivity,
    check_serialisation,
    check_totality,
    hook_names,
)

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-plugins.md"
TEXT = GUIDE.read_text(encoding="utf-8")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def sections() -> dict[str, str]:
    """``### `hook` `` headings and the text under each (up to the next heading)."""
    found = {}
    for match in re.finditer(r"^#{2,3} ([^\n]+)\n(.*?)(?=^#{2,3} |\Z)", TEXT, re.DOTALL | re.MULTILINE):
        found[match.group(1).strip("`")] = match.group(2)
    return found


def module_from(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"{GUIDE.name}:{name}", "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_section_with_an_example(hook: str) -> None:
    section = sections().get(hook)
    assert section is not None, f"docs/writing-plugins.md has no '### `{hook}`' heading"
    assert PYTHON_BLOCK.search(section), f"the {hook} section shows no code"


@pytest.mark.parametrize("property_name", list(PROPERTIES))
def test_every_property_is_explained(property_name: str) -> None:
    assert f"**{property_name}**" in TEXT


@pytest.mark.parametrize("test_name", [name for name in vars(PluginConformance) if name.startswith("test_")])
def test_every_conformance_test_is_listed(test_name: str) -> None:
    assert f"`{test_name}`" in TEXT


@pytest.mark.parametrize("number", range(len(PYTHON_BLOCK.findall(TEXT))))
def test_every_code_example_compiles_and_every_plugin_registers(number: int) -> None:
    source = PYTHON_BLOCK.findall(TEXT)[number]
    name = f"guide_example_{number}"
    compile(source, f"{GUIDE.name}:{name}", "exec")
    if "@hookimpl" in source:  # plugin code: import it and register it as the engine would
        manager = PluginManager(entry_point_plugins=False)
        assert manager.register(module_from(source, name), name), manager.failures


def test_the_acme_qr_plugin_of_the_guide_conforms() -> None:
    found = sections()
    source = PYTHON_BLOCK.findall(found["decode"])[0] + "\n" + PYTHON_BLOCK.findall(found["barcode_examples"])[0]
    with load_plugin(module_from(source, "barcode_plugins_acme_qr"), name="acme") as plugin:
        for check in (check_totality, check_correctness, check_exclusivity, check_serialisation):
            check(plugin)


def test_the_ecia_plugin_of_the_guide_is_total_and_exclusive() -> None:
    source = PYTHON_BLOCK.findall(sections()["Reading ECIA labels"])[0]
    with load_plugin(module_from(source, "barcode_plugins_acme_ecia"), name="acme") as plugin:
        check_totality(plugin)
        check_exclusivity(plugin)


def test_the_public_import_paths_it_names_exist() -> None:
    """Every name the "Public import paths" table gives is importable from the path it is listed under, and the
    root package's names are its declared public API (``__all__``)."""
    import importlib

    import barcode_plugins

    rows = dict(re.findall(r"^\| `([\w.]+)` \| (.*) \|$", sections()["Public import paths"], re.MULTILINE))
    assert set(rows) == {
        "barcode_plugins",
        "barcode_plugins.formats.ecia",
        "barcode_plugins.hooks.example_labels",
        "barcode_plugins.testing",
    }
    for path, text in rows.items():
        module = importlib.import_module(path)
        names = [name for name in re.findall(r"`(\w+)`", text) if name not in hook_names()]
        assert names and [name for name in names if not hasattr(module, name)] == [], path
    root_names = re.findall(r"`(\w+)`", rows["barcode_plugins"])
    assert [name for name in root_names if name not in barcode_plugins.__all__] == []
    importlib.import_module("barcode_plugins.testing.strategies")
