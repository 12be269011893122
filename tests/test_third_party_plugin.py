"""A third party's plugin is as capable as a bundled one.

A plugin for a supplier the project does not ship (Farnell-like ECIA labels: a digit-only order code in ``P``,
``1K``, ``10K``, ``4L``, ``1T``, ``9D``) is made with ``barcode-plugins new-plugin``, given its decoder and its
``label_formats`` declaration, installed with pip beside the four bundled plugins, and then: its labels decode
as its own with no ambiguity; its dropped-separator and keyboard-layout forms give the clean label's hash
through its declaration alone; and with all five installed, in two orders of installation and of test files,
its conformance suite passes, and so does every property of the bundled plugins' suites that another installed
plugin can change.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from run_once import built_once

REPOSITORY = Path(__file__).resolve().parents[1]
BUNDLED_SUITES = sorted(str(path) for path in REPOSITORY.glob("plugins/*/tests/test_*_conformance.py"))

FARNELL_PLUGIN = '''
"""Farnell-like labels: ECIA envelopes whose P holds a seven-digit order code."""

from __future__ import annotations

from typing import Any

from barcode_plugins import Decoded, LabelFormat, hookimpl
from barcode_plugins.formats.ecia import decoded_from_ecia, parse_ecia

PLUGIN_NAME = "farnell"
SUPPLIER = "Farnell"
ORDER_CODE = r"[0-9]{7}"
_NUMBER = r"[0-9]+"


@hookimpl
def label_formats() -> list[LabelFormat]:
    """A seven-digit order code in P is what only these labels carry."""
    return [
        LabelFormat.ecia(
            PLUGIN_NAME,
            evidence=[{"P": ORDER_CODE}],
            elements={
                "P": ORDER_CODE, "1P": None, "Q": None, "1K": _NUMBER, "10K": _NUMBER, "9D": None, "1T": r"[A-Z0-9]+",
                "4L": None,
            },
            order=("P", "1P", "Q", "1K", "10K", "9D", "1T", "4L"),
            required=("P", "1P", "Q", "1K", "4L"),
        )
    ]


@hookimpl
def decode(text: str) -> Decoded | None:
    """A Farnell label, or None."""
    record = parse_ecia(text)
    if record is None:
        return None
    order_code = record.get("P") or ""
    if len(order_code) != 7 or not order_code.isdigit() or not order_code.isascii():
        return None
    return decoded_from_ecia(
        record, plugin=PLUGIN_NAME, supplier=SUPPLIER, supplier_part_number=order_code, customer_part_number=None
    )


@hookimpl
def barcode_examples() -> Any:
    """Farnell labels with and without lot, date code and invoice."""
    from barcode_plugins import Example
    from barcode_plugins.hooks.example_labels import country_codes, ecia_text, part_numbers, quantities
    from hypothesis import strategies as st

    @st.composite
    def examples(draw: st.DrawFn) -> Example:
        code = draw(st.from_regex(ORDER_CODE, fullmatch=True))
        mpn = draw(part_numbers())
        quantity = draw(quantities())
        order = draw(st.from_regex(r"[0-9]{8,10}", fullmatch=True))
        invoice = draw(st.none() | st.from_regex(r"[0-9]{8,10}", fullmatch=True))
        date_code = draw(st.none() | st.from_regex(r"[0-9]{2}(0[1-9]|[1-4][0-9]|5[0-3])", fullmatch=True))
        lot = draw(st.none() | st.from_regex(r"[A-Z0-9]{4,10}", fullmatch=True))
        country = draw(country_codes())
        elements = [("P", code), ("1P", mpn), ("Q", str(quantity)), ("1K", order)]
        elements += [(di, value) for di, value in (("10K", invoice), ("9D", date_code), ("1T", lot)) if value]
        elements.append(("4L", country))
        expected = Decoded(
            plugin=PLUGIN_NAME,
            kind="supplier",
            supplier=SUPPLIER,
            supplier_part_number=code,
            manufacturer_part_number=mpn,
            quantity=quantity,
            supplier_order_number=order,
            invoice_number=invoice,
            date_code=date_code,
            lot_code=lot,
            country_of_origin=country,
            fields=dict(elements),
        )
        return Example(ecia_text(elements, trailer=draw(st.booleans())), expected)

    return examples()
'''

CHECKS = r"""
import sys

from barcode_plugins import Engine
from barcode_plugins.formats.layouts import QWERTZ
from barcode_plugins.hooks.example_labels import ecia_text
from barcode_plugins.testing.wedge import damaged_forms

engine = Engine(":memory:")
names = {info.name: info.status for info in engine.plugins.plugin_infos()}
assert all(names.get(name) == "loaded" for name in ("digikey", "mouser", "lcsc", "tme", "farnell")), names
label = ecia_text(
    [("P", "1469879"), ("1P", "NE555DR"), ("Q", "25"), ("1K", "123456789"), ("10K", "98765432"), ("9D", "2413"),
     ("1T", "LOT42A"), ("4L", "GB")]
)
clean = engine.decode(label)
assert (clean.plugin, clean.supplier_part_number, clean.invoice_number) == ("farnell", "1469879", "98765432"), clean
forms = damaged_forms(label, lossy=True, formats=engine.formats)
for name in ("dropped-separators", "layout-qwertz", "layout-azerty", "dropped-separators+layout-qwertz",
             "caret-notation", "header-without-rs"):
    damaged = engine.decode(forms[name])
    assert (damaged.plugin, damaged.barcode_hash) == ("farnell", clean.barcode_hash), (name, damaged)
# Through the declaration alone: without it the run-together label reads several ways.
from barcode_plugins.formats.normalize import normalize
assert len(normalize(forms["dropped-separators"]).alternatives) > 0
# Farnell's caret-notation text format would need a declared text format; its ECIA label needs none.
print("ok")
"""


def _run(command: list[str | Path], cwd: Path, environment: dict[str, str]) -> str:
    completed = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=900
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output[-6000:]}"
    return output


@attrs.frozen
class Installed:
    """The Farnell plugin made with ``new-plugin`` and installed (``--target``) into ``site``."""

    package: Path
    site: Path
    environment: dict[str, str]  # without the plugin on the path

    @property
    def suites(self) -> list[str]:
        """The third party's conformance suite first, then the bundled plugins'."""
        return [str(self.package / "tests" / "test_conformance.py"), *BUNDLED_SUITES]

    def with_plugin(self) -> dict[str, str]:
        """The environment with the plugin's distribution found first."""
        return dict(self.environment, PYTHONPATH=str(self.site))


# Made once per run and shared by the workers: the three tests below may then run in parallel.
@pytest.fixture(scope="session")
def farnell(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    environment.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    environment["PIP_CACHE_DIR"] = str(Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip")

    def install(directory: Path) -> None:
        scripts = Path(sys.executable).parent
        _run([scripts / "barcode-plugins", "new-plugin", "farnell", "--directory", directory], directory, environment)
        package = directory / "barcode-plugins-farnell"
        (package / "src" / "barcode_plugins_farnell" / "__init__.py").write_text(FARNELL_PLUGIN, encoding="utf-8")
        (package / "tests" / "test_decode.py").unlink()  # the template's tests are about its example format
        _run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", directory / "site", package],
            directory,
            environment,
        )

    directory = built_once(tmp_path_factory, "third-party", install)
    return Installed(directory / "barcode-plugins-farnell", directory / "site", environment)


#: The third party's suite whole; of the bundled suites the properties another installed plugin can change
#: (totality, call order, wedge robustness, exclusivity, orders, linking all draw on every plugin's labels or
#: declared formats). The others check a plugin alone (examples, correctness and serialisation through an
#: engine holding only that plugin; determinism on its own inputs; hygiene), and the bundled suites' own runs
#: already do that with the same code.
AFFECTED_BY_OTHERS = (
    "TestFarnellConformance or not (test_examples or test_correctness or test_serialisation"
    " or test_determinism_and_purity or test_import_hygiene or test_hook_hygiene)"
)
#: A fifth of each property's examples: these runs check that a fifth installed plugin, found first or last,
#: changes no property's outcome (and that the third party's suite passes); the properties run at full scale in
#: the bundled plugins' own suites (``plugins/*/tests``) and on the built-ins (``tests/test_conformance.py``).
ORDER_RUN_SCALE = "0.2"
#: One process, suites in the order given (the order is the point), hypothesis' own warnings quiet.
PYTEST_COMMAND = [
    "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "-W", "ignore::UserWarning", "-k", AFFECTED_BY_OTHERS,
    "--conformance-scale", ORDER_RUN_SCALE,
]  # fmt: skip


@pytest.mark.slow
def test_a_third_party_plugin_decodes_its_labels_and_their_damaged_forms(farnell: Installed, tmp_path: Path) -> None:
    assert _run([sys.executable, "-c", CHECKS], tmp_path, farnell.with_plugin()).strip().endswith("ok")


@pytest.mark.slow
def test_every_suite_passes_with_the_third_party_found_first(farnell: Installed) -> None:
    # First order: the third party's distribution found first, its suite first.
    output = _run([sys.executable, *PYTEST_COMMAND, *farnell.suites], REPOSITORY, farnell.with_plugin())
    assert " passed" in output and "failed" not in output, output


@pytest.mark.slow
def test_every_suite_passes_with_the_third_party_found_last(farnell: Installed) -> None:
    # Second order: found after the bundled plugins (appended to sys.path), suites in reverse.
    appended = "import sys; sys.path.append(sys.argv.pop(1)); import pytest; sys.exit(pytest.main(sys.argv[1:]))"
    command = [sys.executable, "-c", appended, farnell.site, *PYTEST_COMMAND[2:], *reversed(farnell.suites)]
    output = _run(command, REPOSITORY, farnell.environment)
    assert " passed" in output and "failed" not in output, output
