"""The ``barcode-plugins`` command line: a thin layer over :class:`barcode_plugins.Engine`.

Errors become ``click.ClickException`` here and nowhere else; exit codes follow the contract
(0 done, 1 not recognised or refused, 2 bad usage or bad input).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..errors import BarcodeError
from .context import AppContext, CliError


class BarcodeGroup(click.Group):
    """A click group that turns our typed errors into one-line messages with the contract's exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BarcodeError as error:
            raise CliError(error.message, error.exit_code) from None
        finally:
            app = ctx.obj
            if isinstance(app, AppContext):
                app.report_plugin_failures()
                app.close()


@click.group(cls=BarcodeGroup)
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
    from . import barcodes, info, links, orders, receiving, serve, tokens

    for module in (barcodes, info, links, orders, receiving, serve, tokens):
        module.register(cli)
    for _impl, _answer in AppContext.shared_plugins().call_each("register_commands", cli=cli):
        pass  # plugins add their commands to the group; the answers mean nothing


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    _register_commands()
    try:
        cli.main(args=argv, prog_name="barcode-plugins")
    except BarcodeError as error:  # raised outside a command (e.g. while parsing options)
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(error.exit_code)
    except Exception as error:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("BARCODE_PLUGINS_DEBUG"):
            raise
        click.echo(
            f"Error: internal error: {type(error).__name__}: {error} (set BARCODE_PLUGINS_DEBUG=1 for details)",
            err=True,
        )
        sys.exit(1)
