"""``link`` and ``unlink``."""

from __future__ import annotations

import click

from .context import AppContext, CliError, json_option, pass_app, print_json


@click.command()
@click.argument("raw")
@click.argument("item")
@json_option
@pass_app
def link(app: AppContext, raw: str, item: str, as_json: bool) -> None:
    """Link the barcode RAW (any barcode, decodable or not) to ITEM, e.g. stockitem:42."""
    made = app.engine.link(raw, item)
    if as_json:
        print_json(made)
    else:
        click.echo(f"linked {made.link_key[:12]} -> {made.item}")


@click.command()
@click.argument("raw", required=False)
@click.option("--item", help="Remove every link of this item instead.")
@json_option
@pass_app
def unlink(app: AppContext, raw: str | None, item: str | None, as_json: bool) -> None:
    """Remove the link of barcode RAW, or all links of --item ITEM."""
    if (raw is None) == (item is None):
        raise CliError("give a barcode or --item ITEM (not both)", 2)
    removed = app.engine.unlink(raw, item=item)
    if as_json:
        print_json(removed)
    else:
        for gone in removed:
            click.echo(f"unlinked {gone.link_key[:12]} from {gone.item}")


def register(group: click.Group) -> None:
    """Add this module's commands."""
    for command in (link, unlink):
        group.add_command(command)
