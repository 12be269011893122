"""What every command shares: the engine (created on first use), output helpers, the error type."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from barcode_plugins.cli.output import visible
from barcode_plugins.engine import Engine
from barcode_plugins.errors import BarcodeError, EnvironmentFault, StoreError
from barcode_plugins.models import unstructure

#: The exit codes an error may end the CLI with; anything else a plugin's error class claims becomes 1.
ERROR_EXIT_CODES = (1, 2, 3)
# What SQLite says when the machine, not the input, is at fault.
_ENVIRONMENT_MESSAGES = ("disk is full", "readonly", "read-only", "database is locked", "disk i/o error")


class CliError(click.ClickException):
    """A one-line error with the contract's exit code; control characters in it are shown, not obeyed."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(visible(message))
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it from the instance, as designed


def exit_code_of(error: BarcodeError) -> int:
    """The error's exit code, clamped to 1, 2 or 3: a plugin's error class cannot make a failure exit 0."""
    code = getattr(error, "exit_code", 1)
    return code if type(code) is int and code in ERROR_EXIT_CODES else 1


def message_of(error: BarcodeError) -> str:
    """The error's one-line message (a plugin's subclass may not have set ``message``)."""
    message = getattr(error, "message", None)
    return message if isinstance(message, str) and message else str(error) or type(error).__name__


def environment_fault(error: BaseException) -> EnvironmentFault | None:
    """An :class:`EnvironmentFault` for an error that means the machine failed (SQLite's "database or disk is
    full", a read-only file, an OS error writing), else ``None``.

    A :class:`StoreError` carrying SQLite's words for these is one too: exit 3 tells a script to fix the machine
    and retry, where 2 would tell it the input was wrong.
    """
    if isinstance(error, StoreError):
        # The store has checked that the directory exists: "unable to open" is then a read-only file system or
        # missing permissions, the machine's doing.
        message = error.message.lower()
        if any(fragment in message for fragment in (*_ENVIRONMENT_MESSAGES, "unable to open")):
            return EnvironmentFault(error.message)
        return None
    sqlite3 = sys.modules.get("sqlite3")  # not imported: the error cannot be SQLite's (decode never loads it)
    if sqlite3 is not None and isinstance(error, sqlite3.OperationalError):
        text = str(error)
        if any(fragment in text.lower() for fragment in _ENVIRONMENT_MESSAGES):
            return EnvironmentFault(f"database: {text}; nothing was written (fix it and run again)")
    if isinstance(error, OSError) and error.errno is not None:
        import errno  # lazy: only a failing command gets here

        if error.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EIO):
            return EnvironmentFault(f"{error.strerror or error}{f': {error.filename}' if error.filename else ''}")
    return None


class AppContext:
    """Per-invocation state: the ``--db`` choice and the engine built from it."""

    #: The process's plugin host: every command's engine shares its plugins (loaded once per process).
    _plugin_host: Engine | None = None
    #: How many of the shared plugins' failures have been reported: each is said once per process, however
    #: many commands run in it (tests and embedders invoke several).
    _reported = 0

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._engine: Engine | None = None

    @classmethod
    def plugin_host(cls) -> Engine:
        """The engine that holds this process's plugins, one per process: commands see the same plugins. It never
        opens a store; each command's :attr:`engine` shares its plugins."""
        if cls._plugin_host is None:
            # It never opens a store, so it needs no history limit: an explicit one keeps a bad
            # $BARCODE_PLUGINS_HISTORY_LIMIT from failing --help; each command's own engine still reports it.
            cls._plugin_host = Engine(history_limit=1)
        return cls._plugin_host

    @property
    def engine(self) -> Engine:
        """The engine, created on first use (``decode`` never opens the store)."""
        if self._engine is None:
            self._engine = self.plugin_host().sharing_plugins(self.db)
        return self._engine

    def close(self) -> None:
        """Close the store if a command opened it."""
        if self._engine is not None:
            self._engine.close()

    def report_plugin_failures(self) -> None:
        """One warning line on stderr per plugin failure that happened during this command."""
        plugins = self.plugin_host()
        for warning in plugins.take_plugin_warnings():  # said once per process
            click.echo(f"warning: {visible(warning)}", err=True)
        failures = plugins.plugin_failures()
        seen: set[tuple[str | None, str]] = set()
        for failure in failures[AppContext._reported :]:
            if (failure.plugin, failure.hook) in seen:
                continue
            seen.add((failure.plugin, failure.hook))
            on = f" on {failure.input}" if failure.input else ""
            line = f"warning: plugin {failure.plugin} failed in {failure.hook}{on}: {failure.error}"
            click.echo(visible(line), err=True)
        AppContext._reported = len(failures)


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
