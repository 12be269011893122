"""What every command shares: the engine (created on first use), output helpers, the error type."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..engine import Engine
from ..models import unstructure
from ..plugins import PluginManager


class CliError(click.ClickException):
    """A one-line error with the contract's exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it from the instance, as designed


class AppContext:
    """Per-invocation state: the ``--db`` choice and the engine built from it."""

    _plugins: PluginManager | None = None

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._engine: Engine | None = None
        self._reported = 0

    @classmethod
    def shared_plugins(cls) -> PluginManager:
        """One plugin manager per process: commands and the engine see the same plugins."""
        if cls._plugins is None:
            cls._plugins = PluginManager()
        return cls._plugins

    @property
    def engine(self) -> Engine:
        """The engine, created on first use (``decode`` never opens the store)."""
        if self._engine is None:
            self._engine = Engine(self.db, plugins=self.shared_plugins())
        return self._engine

    def close(self) -> None:
        """Close the store if a command opened it."""
        if self._engine is not None:
            self._engine.close()

    def report_plugin_failures(self) -> None:
        """One warning line on stderr per plugin failure that happened during this command."""
        failures = self.shared_plugins().failures
        seen: set[tuple[str | None, str]] = set()
        for failure in failures[self._reported :]:
            if (failure.plugin, failure.hook) in seen:
                continue
            seen.add((failure.plugin, failure.hook))
            on = f" on {failure.input}" if failure.input else ""
            click.echo(f"warning: plugin {failure.plugin} failed in {failure.hook}{on}: {failure.error}", err=True)
        self._reported = len(failures)


def print_json(value: Any) -> None:
    """Print one JSON document (an attrs value goes through the converter)."""
    click.echo(json.dumps(unstructure(value), ensure_ascii=False))


def json_option(function: Any) -> Any:
    """``--json``: print exactly one JSON document (JSON Lines where a command handles many barcodes)."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(function)


def pass_app(function: Any) -> Any:
    """Give a command the :class:`AppContext`."""
    return click.pass_obj(function)


def stdout_is_terminal() -> bool:
    """Whether a person is watching stdout."""
    return sys.stdout.isatty()
