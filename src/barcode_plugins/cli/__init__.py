"""The ``barcode-plugins`` command line: a thin layer over :class:`barcode_plugins.Engine`.

Errors become ``click.ClickException`` here and nowhere else; exit codes follow the contract
(0 done, 1 not recognised or refused, 2 bad usage or bad input, 3 the environment failed: disk full, read-only
database, database locked too long).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import click

from barcode_plugins.cli.context import AppContext, CliError, environment_fault, exit_code_of, message_of
from barcode_plugins.cli.output import visible
from barcode_plugins.errors import BarcodeError

#: What ``--help`` says about exit codes (the contract's, and 3 for the environment).
EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 not recognised or refused; 2 bad usage or bad input; 3 the environment failed (disk"
    " full, read-only database, database locked too long): fix it and run again, nothing was half-written."
)


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so open transactions roll back and import workers are stopped.

    A ``BaseException`` (not ``SystemExit``) so that no plugin isolation or ``except Exception`` swallows it.
    """


class BarcodeGroup(click.Group):
    """A click group that turns our typed errors into one-line messages with the contract's exit codes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Python hands undecodable argument bytes over as lone surrogates, which nothing downstream can print,
        # hash or store: refuse them here, once, with their position.
        for position, argument in enumerate(args, start=1):
            try:
                argument.encode("utf-8")
            except UnicodeEncodeError as error:
                byte = ord(argument[error.start]) & 0xFF
                raise click.UsageError(
                    f"argument {position} is not valid UTF-8 (byte 0x{byte:02x} at {error.start + 1}); give text"
                    " as UTF-8, or put scans in a file and use --file",
                    ctx,
                ) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BarcodeError as error:
            error = environment_fault(error) or error
            raise CliError(message_of(error), exit_code_of(error)) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            fault = environment_fault(error)
            if fault is None:
                raise
            raise CliError(fault.message, fault.exit_code) from None
        finally:
            app = ctx.obj
            if isinstance(app, AppContext):
                app.report_plugin_failures()
                app.close()


@click.group(cls=BarcodeGroup, epilog=EXIT_CODES_HELP)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file for links, orders, stock and history (default: $BARCODE_PLUGINS_DB, else the user data"
    " directory).",
)
@click.version_option(package_name="barcode-plugins")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Decode distributor barcodes, link them to items, receive stock against purchase orders."""
    ctx.obj = AppContext(db)


def _register_commands() -> None:
    from barcode_plugins.cli import barcodes, info, links, orders, receiving, serve, tokens

    for module in (barcodes, info, links, orders, receiving, serve, tokens):
        module.register(cli)
    # A plugin adds commands; it may not replace ours (that would change what a documented command does behind
    # the user's back): the engine puts ours back and records the clash as the plugin's failure.
    AppContext.plugin_host().add_plugin_commands(cli)


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        _register_commands()
        cli.main(args=argv, prog_name="barcode-plugins")
    except BarcodeError as error:  # raised outside a command (e.g. while parsing options)
        click.echo(f"Error: {visible(message_of(error))}", err=True)
        sys.exit(exit_code_of(error))
    except Terminated:
        click.echo("Error: terminated (SIGTERM); what was not yet committed was rolled back", err=True)
        sys.exit(128 + signal.SIGTERM)
    except Exception as error:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("BARCODE_PLUGINS_DEBUG"):
            raise
        click.echo(
            visible(
                f"Error: internal error: {type(error).__name__}: {error} (set BARCODE_PLUGINS_DEBUG=1 for details)"
            ),
            err=True,
        )
        sys.exit(1)
