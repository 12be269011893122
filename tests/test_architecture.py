"""The house holds: the import contracts of ``.importlinter``, no import cycle in ``src/``, ``barcode_plugins.testing``
imported by tests only, and the root package imported by plugins only.

The graph counts every import: module level, inside functions and under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "barcode_plugins"
CONTRACTS = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
BUNDLED_PLUGINS = ("barcode_plugins_digikey", "barcode_plugins_mouser", "barcode_plugins_lcsc", "barcode_plugins_tme")


def lint_imports(cwd: Path, python_path: Path | None = None) -> str:
    """Run ``lint-imports`` on the project's contracts: its whole output, on one line."""
    environment = dict(os.environ)
    if python_path is not None:
        environment["PYTHONPATH"] = str(python_path)
    # A process of its own: the graph is built from whichever barcode_plugins that process imports.
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(CONTRACTS)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return " ".join((result.stdout + result.stderr).split())  # contract names are wrapped at 80 columns


def contract_names() -> list[str]:
    """The ``name`` of every contract in ``.importlinter``."""
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS, encoding="utf-8")
    return [parser[section]["name"] for section in parser.sections() if section.startswith("importlinter:contract:")]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """The import graph of the core and the bundled plugins."""
    return grimp.build_graph("barcode_plugins", *BUNDLED_PLUGINS, cache_dir=None)


@pytest.fixture(scope="module")
def project_output() -> str:
    """What ``lint-imports`` says about the project as it is."""
    return lint_imports(ROOT)


def broken_contracts(output: str) -> list[str]:
    """The names of the contracts ``lint-imports`` reported broken."""
    return [name for name in contract_names() if f"{' '.join(name.split())} BROKEN" in output]


def test_the_import_contracts_hold(project_output: str) -> None:
    assert "Contracts:" in project_output, f"lint-imports could not check the contracts: {project_output}"
    assert broken_contracts(project_output) == [] and " 0 broken" in project_output, project_output


def test_a_wrong_import_breaks_the_contract_it_names(tmp_path: Path, project_output: str) -> None:
    copy = tmp_path / "src" / "barcode_plugins"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    # A format reaching the store, and the face reaching past the engine.
    for module in ("formats/ecia.py", "cli/context.py"):
        with (copy / module).open("a", encoding="utf-8") as source:
            source.write("\nfrom barcode_plugins.store import Store  # noqa: E402\n")

    output = lint_imports(tmp_path, python_path=tmp_path / "src")

    assert "Contracts:" in output, f"lint-imports could not check the contracts: {output}"
    # The copy is what was analysed: the project itself has neither import.
    assert "barcode_plugins.formats.ecia -> barcode_plugins.store" in output
    assert "barcode_plugins.cli.context -> barcode_plugins.store" in output
    for name in (
        "Formats, built-in plugins and the bundled plugins never import the store, the engine or the actions",
        "The CLI and the HTTP app reach the engine, never the hooks, the store, the formats, the actions or the"
        " decoder",
    ):
        assert name not in broken_contracts(project_output) and name in broken_contracts(output), output


def _lazy_exports(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """The root package's lazy exports: ``Engine`` and the other heavy names are imported by its module
    ``__getattr__`` when first accessed, and named for type checkers under ``if TYPE_CHECKING:``. Neither runs
    while modules load, and the bundled plugins import the root as any third party does, so these are not cycle
    edges (nothing in the core imports the root: see the last test)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    lazy_blocks = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        or (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    ]
    lines = {
        node.lineno
        for block in lazy_blocks
        for node in ast.walk(block)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    }
    lazy = set()
    for imported in graph.find_modules_directly_imported_by("barcode_plugins"):
        details = graph.get_import_details(importer="barcode_plugins", imported=imported)
        if details and all(detail["line_number"] in lines for detail in details):
            lazy.add(("barcode_plugins", imported))
    return lazy


def _strongly_connected(edges: dict[str, set[str]]) -> Iterator[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit on a deep import chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    yield sorted(component)


def _one_cycle(edges: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as the list of modules on it."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for successor in sorted(edges[node] & members):
            if successor == start:
                return [*paths[node], start]
            if successor not in paths:
                paths[successor] = [*paths[node], successor]
                queue.append(successor)
    return component


def import_cycles(graph: grimp.ImportGraph, ignored: set[tuple[str, str]] = frozenset()) -> list[str]:
    """Every import cycle among the modules of ``barcode_plugins``, one line each: ``a -> b (l.3) -> a (l.9)``."""
    modules = {module for module in graph.modules if module.split(".")[0] == "barcode_plugins"}
    edges = {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if imported in modules and (module, imported) not in ignored
        }
        for module in modules
    }
    cycles = []
    for component in _strongly_connected(edges):
        if len(component) < 2:
            continue
        cycle = _one_cycle(edges, component)
        steps = [cycle[0]]
        for importer, imported in pairwise(cycle):
            lines = sorted(
                {detail["line_number"] for detail in graph.get_import_details(importer=importer, imported=imported)}
            )
            steps.append(f"{imported} ({', '.join(f'l.{line}' for line in lines)})")
        cycles.append(f"{len(component)} modules import each other, e.g. " + " -> ".join(steps))
    return cycles


def test_no_import_cycle_in_src(graph: grimp.ImportGraph) -> None:
    cycles = import_cycles(graph, _lazy_exports(graph))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("barcode_plugins", "barcode_plugins.a", "barcode_plugins.b", "barcode_plugins.c"):
        graph.add_module(module)
    graph.add_import(importer="barcode_plugins.a", imported="barcode_plugins.b", line_number=3, line_contents="")
    graph.add_import(importer="barcode_plugins.b", imported="barcode_plugins.c", line_number=5, line_contents="")
    assert import_cycles(graph) == []
    graph.add_import(importer="barcode_plugins.c", imported="barcode_plugins.a", line_number=9, line_contents="")
    assert import_cycles(graph) == [
        "3 modules import each other, e.g. barcode_plugins.a -> barcode_plugins.b (l.3) -> barcode_plugins.c (l.5)"
        " -> barcode_plugins.a (l.9)"
    ]


def test_only_tests_import_the_testing_package(graph: grimp.ImportGraph) -> None:
    offenders = [
        f"{importer} -> {imported} (l.{detail['line_number']})"
        for importer in sorted(graph.modules)
        if not (importer == "barcode_plugins.testing" or importer.startswith("barcode_plugins.testing."))
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if imported == "barcode_plugins.testing" or imported.startswith("barcode_plugins.testing.")
        for detail in graph.get_import_details(importer=importer, imported=imported)
    ]
    assert not offenders, "barcode_plugins.testing is for tests only:\n" + "\n".join(offenders)


def test_only_plugins_import_the_root_package(graph: grimp.ImportGraph) -> None:
    """Core modules import from the defining module: the root imports them, so importing it back is a cycle."""
    offenders = [
        f"{importer} (l.{detail['line_number']})"
        for importer in sorted(graph.find_modules_that_directly_import("barcode_plugins"))
        if importer.startswith("barcode_plugins.") and not importer.startswith("barcode_plugins.builtin.")
        for detail in graph.get_import_details(importer=importer, imported="barcode_plugins")
    ]
    assert not offenders, "import from the defining module, not from barcode_plugins:\n" + "\n".join(offenders)
