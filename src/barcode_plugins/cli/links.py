"""``link`` and ``unlink``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from barcode_plugins.cli.context import AppContext, CliError, json_option, pass_app, print_json
from barcode_plugins.cli.output import visible


@click.command()
@click.argument("raw", required=False)
@click.argument("item", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Link many: a CSV file with the header raw,item (- reads standard input). All or nothing.",
)
@json_option
@pass_app
def link(app: AppContext, raw: str | None, item: str | None, file: str | None, as_json: bool) -> None:
    """Link the barcode RAW (any barcode, decodable or not) to ITEM, e.g. stockitem:42; or many with --file."""
    if file is not None:
        if raw is not None or item is not None:
            raise CliError("give RAW ITEM or --file FILE, not both", 2)
        _link_file(app, None if file == "-" else Path(file), as_json)
        return
    if raw is None or item is None:
        raise CliError("give the barcode and the item: link RAW ITEM (or --file FILE)", 2)
    made = app.engine.link(raw, item)
    if as_json:
        print_json(made)
    else:
        click.echo(visible(f"linked {made.link_key[:12]} -> {made.item}"))


def _link_file(app: AppContext, path: Path | None, as_json: bool) -> None:
    from barcode_plugins.files.link_files import open_link_file

    rows, names = open_link_file(path)
    counted = _Counted(rows)
    added = app.engine.import_links(counted, row_names=names)
    if as_json:
        print_json({"rows": counted.count, "added": added, "already_linked": counted.count - added})
    else:
        click.echo(f"linked {added} of {counted.count} barcode(s); {counted.count - added} already linked")


class _Counted:
    """Passes rows through, counting them (the file is read as a stream: its length is known at the end)."""

    def __init__(self, rows: Iterator[tuple[str, str]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for row in self._rows:
            self.count += 1
            yield row


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
            click.echo(visible(f"unlinked {gone.link_key[:12]} from {gone.item}"))


def register(group: click.Group) -> None:
    """Add this module's commands."""
    for command in (link, unlink):
        group.add_command(command)
