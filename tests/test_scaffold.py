"""The plugin template: ``create_plugin`` makes a package that installs and passes its own conformance test."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from barcode_plugins.authoring.scaffold import (
    InvalidPluginName,
    PluginDirectoryExists,
    ScaffoldError,
    create_plugin,
    template_values,
)
from barcode_plugins.errors import InputError
from barcode_plugins.testing import load_plugin
from barcode_plugins.testing.failures import NotApplicable
from barcode_plugins.testing.properties import PROPERTIES

REPOSITORY = Path(__file__).resolve().parents[1]
EXPECTED_FILES = {
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "src/barcode_plugins_acme/__init__.py",
    "tests/test_conformance.py",
    "tests/test_decode.py",
}


def test_creates_a_complete_package(tmp_path: Path) -> None:
    package = create_plugin("acme", tmp_path)
    assert package == tmp_path / "barcode-plugins-acme"
    created = {str(path.relative_to(package)) for path in package.rglob("*") if path.is_file()}
    assert created == EXPECTED_FILES
    pyproject = (package / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "barcode-plugins-acme"' in pyproject
    assert '[project.entry-points.barcode_plugins]\nacme = "barcode_plugins_acme"' in pyproject
    conformance = (package / "tests/test_conformance.py").read_text(encoding="utf-8")
    assert 'class TestAcmeConformance(PluginConformance):\n    plugin = "acme"' in conformance
    assert "$" not in (package / "src/barcode_plugins_acme/__init__.py").read_text(encoding="utf-8")


def test_names_with_underscores() -> None:
    assert template_values("acme_tools") == {
        "name": "acme_tools",
        "module": "barcode_plugins_acme_tools",
        "distribution": "barcode-plugins-acme_tools",
        "display_name": "Acme Tools",
        "class_name": "AcmeTools",
        "part_prefix": "ACMETOOLS-",
    }


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Acme", "lowercase letters"),
        ("acme-tools", "try 'acme_tools'"),
        ("1acme", "starting with a letter"),
        ("", "lowercase letters"),
        ("a" * 41, "at most 40"),
        ("internal", "built-in plugin"),
        ("ecia", "built-in plugin"),
        ("class", "Python keyword"),
        ("a_", "not at the end.*try 'a'"),
        ("acme__reels", "single underscores.*try 'acme_reels'"),
        ("_acme", "starting with a letter"),
        ("acme\x1b", "lowercase letters"),
    ],
)
def test_refuses_bad_names(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(InvalidPluginName, match=reason) as refused:
        create_plugin(name, tmp_path)
    assert isinstance(refused.value, InputError) and refused.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_never_overwrites(tmp_path: Path) -> None:
    create_plugin("acme", tmp_path)
    readme = tmp_path / "barcode-plugins-acme" / "README.md"
    readme.write_text("mine", encoding="utf-8")
    with pytest.raises(PluginDirectoryExists, match="already exists"):
        create_plugin("acme", tmp_path)
    assert readme.read_text(encoding="utf-8") == "mine"


def test_creates_the_directory_and_reports_one_it_cannot_write(tmp_path: Path) -> None:
    assert create_plugin("acme", tmp_path / "new" / "place").is_dir()
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ScaffoldError, match="cannot create"):
        create_plugin("acme", blocker)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".new-plugin-")] == []


@pytest.fixture
def generated_module(tmp_path: Path) -> Iterator[ModuleType]:
    """The generated plugin module, imported from its file (not installed); removed from sys.modules after."""
    package = create_plugin("acme", tmp_path)
    path = package / "src" / "barcode_plugins_acme" / "__init__.py"
    spec = importlib.util.spec_from_file_location("barcode_plugins_acme", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.parametrize("property_name", list(PROPERTIES))
def test_the_generated_plugin_conforms(generated_module: ModuleType, property_name: str) -> None:
    with load_plugin(generated_module, name="acme") as target:
        try:
            PROPERTIES[property_name](target)
        except NotApplicable as reason:
            assert property_name in ("match_po_line", "link_item"), reason


def test_the_generated_code_is_ruff_clean(tmp_path: Path) -> None:
    # ruff comes with the dev extra; the venv's bin may not be on PATH when pytest is called by its full path.
    beside = Path(sys.executable).with_name("ruff")
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    assert ruff, "ruff is not installed: pip install -e '.[dev]'"
    package = create_plugin("acme_tools", tmp_path)
    # Run inside the package, as its author would: barcode_plugins is a third-party import there.
    rules = "--select=E,F,W,I,UP,B,SIM,RUF"
    completed = subprocess.run(
        [ruff, "check", "--no-cache", "--line-length=120", "--target-version=py310", rules, "."],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def _run(command: list[str | Path], cwd: Path, environment: dict[str, str]) -> str:
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output[-4000:]}"
    return output


@pytest.mark.slow
def test_the_generated_package_installs_and_passes_its_tests(tmp_path: Path) -> None:
    """In a fresh venv (no system site-packages): install the core from this checkout, scaffold with *that* core
    (so the templates ship in the wheel), install the plugin, see it loaded, run its tests."""
    venv = tmp_path / "venv"
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    environment.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    # The test's HOME is a throwaway directory: point pip at the user's own download cache so that the run
    # does not fetch every wheel again.
    environment["PIP_CACHE_DIR"] = str(Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip")
    # No pip of its own (bootstrapping one is most of the cost of a venv): this interpreter's pip installs into it.
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, environment)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
    _run([*pip, REPOSITORY], tmp_path, environment)
    scaffold = (
        "import sys, pathlib, barcode_plugins.authoring.scaffold as s;"
        " print(s.create_plugin('acme', pathlib.Path(sys.argv[1])))"
    )
    package = Path(_run([python, "-c", scaffold, tmp_path], tmp_path, environment).strip().splitlines()[-1])
    assert package == tmp_path / "barcode-plugins-acme"
    _run([*pip, package, "pytest", "hypothesis"], tmp_path, environment)
    listed = _run([venv / "bin" / "barcode-plugins", "plugins"], tmp_path, environment)
    assert "acme" in listed and "barcode-plugins-acme" in listed, listed
    # What runs here is the package's tests from a fresh install; test_the_generated_plugin_conforms checks every
    # property at full scale, with the bundled plugins beside it. A fifth of the examples is enough here.
    command: list[str | Path] = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--conformance-scale=0.2"]
    output = _run(command, package, environment)
    assert " passed" in output and "failed" not in output, output
