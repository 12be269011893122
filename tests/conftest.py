"""Shared fixtures: fresh engines and stores, the installed CLI in a subprocess, throwaway plugins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostdemo_site import hostdemo, hostdemo_installed  # noqa: F401  (fixtures, here so that they are made once)
from hypothesis import HealthCheck, settings

from barcode_plugins import Engine
from barcode_plugins.hooks.manager import PluginManager

# The suite runs on shared, loaded machines and in parallel workers: how long one example takes is never what a
# property checks (performance is the benchmarks' job), so no deadline and no health check about slow data.
# Example counts stay hypothesis' default (100) unless a test states its own.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first, in their order: the parallel workers share them out at the start, so that no
    long test is left to run alone at the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches a real user data directory or a database named by the environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "BARCODE_PLUGINS_DB",
        "BARCODE_PLUGINS_LOAD",
        "BARCODE_PLUGINS_BLOCK",
        "BARCODE_PLUGINS_TRACE",
        "BARCODE_PLUGINS_CACHE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An engine with every installed plugin and a throwaway in-memory store."""
    with Engine(":memory:") as made:
        yield made


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator[Callable[..., Engine]]:
    """A factory of engines on a real SQLite file (the same file for every call unless ``name`` differs)."""
    made: list[Engine] = []

    def factory(name: str = "store.db", **kwargs: object) -> Engine:
        engine = Engine(tmp_path / name, **kwargs)  # type: ignore[arg-type]
        made.append(engine)
        return engine

    yield factory
    for engine in made:
        engine.close()


@pytest.fixture
def register_plugin(engine: Engine) -> Iterator[Callable[[object, str], None]]:
    """Register throwaway plugins on the ``engine`` fixture's manager; always unregistered afterwards."""
    names: list[str] = []

    def register(plugin: object, name: str) -> None:
        assert engine.plugins.register(plugin, name), engine.plugins.failures
        names.append(name)

    try:
        yield register
    finally:
        for name in names:
            engine.plugins.unregister(name)


def cli_path() -> str:
    """The installed console script (the one a user runs), next to this interpreter."""
    script = Path(sys.executable).with_name("barcode-plugins")
    found = str(script) if script.exists() else shutil.which("barcode-plugins")
    assert found, "the barcode-plugins console script is not installed"
    return found


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run the installed ``barcode-plugins`` script in a subprocess, on a database in ``tmp_path``."""

    def run(
        *args: str, input: bytes | str | None = None, db: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        full_env = {**os.environ, "BARCODE_PLUGINS_DB": str(db or tmp_path / "cli.db"), **(env or {})}
        data = input.encode("utf-8") if isinstance(input, str) else input
        return subprocess.run(
            [cli_path(), *args], input=data, capture_output=True, env=full_env, timeout=120, check=False
        )

    return run


@pytest.fixture
def run_cli_in_process(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """``run_cli`` without the process: the console script's entry point (``barcode_plugins.cli.main``) called
    here, with the same arguments, environment, stdin and answer. For tests where no real process matters (no
    signal, terminal, pipe, concurrency or cold start): a CLI start costs a process a tenth of a second."""
    import signal

    from click.testing import CliRunner

    from barcode_plugins.cli import main

    def run(
        *args: str, input: bytes | str | None = None, db: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        full_env = {"BARCODE_PLUGINS_DB": str(db or tmp_path / "cli.db"), **(env or {})}
        data = input.encode("utf-8") if isinstance(input, str) else input
        handler = signal.getsignal(signal.SIGTERM)  # main() installs its own, as the process would
        code: int = 0
        try:
            with CliRunner().isolation(input=data, env=full_env) as (stdout, stderr, _):
                try:
                    main(list(args))
                except SystemExit as exit:
                    code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
                out, err = stdout.getvalue(), stderr.getvalue()
        finally:
            signal.signal(signal.SIGTERM, handler)
        return subprocess.CompletedProcess(["barcode-plugins", *args], code, out, err)

    return run


@pytest.fixture
def builtin_only() -> PluginManager:
    """A plugin manager with only the built-in plugins (no entry points)."""
    return PluginManager(entry_point_plugins=False)
