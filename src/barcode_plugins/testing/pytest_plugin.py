"""pytest plugin (entry point ``pytest11: barcode_plugins``), loaded in every pytest run where the core is installed.

It only declares things; it runs nothing by itself and imports nothing heavy:

- the ``conformance`` marker, which :class:`barcode_plugins.testing.PluginConformance` tests carry
  (``pytest -m conformance`` runs only them, ``-m "not conformance"`` skips them);
- deselection of conformance tests about hooks the plugin does not implement, named with the hook in the
  run's summary;
- the ``--conformance-scale=N`` option (or ``BARCODE_PLUGINS_CONFORMANCE_SCALE``), multiplying the number of
  hypothesis examples every conformance property tries: ``10`` before a release, ``0.2`` for a quick look.
"""

from __future__ import annotations

from typing import Any

import pytest

from barcode_plugins.testing.scale import SCALE_ENVIRONMENT_VARIABLE

_DESELECTED = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--conformance-scale``."""
    group = parser.getgroup("barcode-plugins", "barcode-plugins conformance suite")
    group.addoption(
        "--conformance-scale",
        dest="conformance_scale",
        type=float,
        default=None,
        metavar="N",
        help=f"multiply the hypothesis examples of every conformance property by N (default 1, or "
        f"${SCALE_ENVIRONMENT_VARIABLE})",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``conformance`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line("markers", "conformance: the barcode-plugins plugin conformance suite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect conformance tests about hooks the plugin under test does not implement (they do not apply)."""
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        applies = getattr(getattr(item, "cls", None), "conformance_applies", None)
        name = getattr(item, "originalname", item.name)
        (selected if applies is None or applies(name) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
        from barcode_plugins.testing.conformance import (
            TEST_HOOKS,  # lazy: only runs that collected conformance tests get here
        )

        notes = config.stash.setdefault(_DESELECTED, [])
        for item in deselected:
            name = getattr(item, "originalname", item.name)
            plugin = getattr(item.cls, "plugin", None)
            hooks = " or ".join(TEST_HOOKS.get(name, ()))
            notes.append(f"{name} for plugin {plugin!r}: it does not implement {hooks}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Name the conformance tests that were deselected, and the hook each one is about."""
    notes = config.stash.get(_DESELECTED, [])
    if notes:
        terminalreporter.write_sep("-", "barcode-plugins conformance: deselected")
        for note in notes:
            terminalreporter.write_line(note)
