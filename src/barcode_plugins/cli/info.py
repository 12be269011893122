"""``plugins`` and ``history``."""

from __future__ import annotations

from pathlib import Path

import click

from barcode_plugins.cli.context import AppContext, json_option, pass_app, print_json
from barcode_plugins.cli.output import table, visible

#: The most history entries one command prints (they are held in memory; SQLite's integers end at 2**63).
MAX_HISTORY_LIMIT = 1_000_000


@click.command()
@json_option
@pass_app
def plugins(app: AppContext, as_json: bool) -> None:
    """List plugins: name, distribution, version, status and the hooks each implements."""
    infos = app.engine.plugin_infos()
    if as_json:
        print_json(infos)
        return
    rows = [
        (
            info.name,
            info.distribution or "-",
            info.version or "-",
            info.status,
            ", ".join(info.hooks),
            info.error or "",
        )
        for info in infos
    ]
    click.echo(table(("name", "distribution", "version", "status", "hooks", "error"), rows))


@click.command()
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=MAX_HISTORY_LIMIT),
    default=50,
    show_default=True,
    help=f"How many entries, newest first (at most {MAX_HISTORY_LIMIT:,}).",
)
@click.option("--action", type=click.Choice(["scan", "link", "link_import", "unlink", "receive", "undo", "po_import"]))
@click.option("--status", help="Only this outcome (received, no_match, not_recognised, linked, ...).")
@click.option("--po", "purchase_order", help="Only entries about this purchase order.")
@click.option("--hash", "barcode_hash", help="Only entries of this barcode hash.")
@click.option("--since", help="Only entries at or after this UTC time (ISO 8601, e.g. 2026-11-29T08:00).")
@click.option("--until", help="Only entries before this UTC time (ISO 8601).")
@click.option("--show", "show", type=int, metavar="ID", help="Show one entry in full, with its explanation.")
@click.option("--prune", is_flag=True, help="Delete old entries: those beyond --keep N and/or older than --older-than.")
@click.option("--keep", type=click.IntRange(min=0), help="With --prune: keep the newest N entries.")
@click.option("--older-than", "older_than", type=click.IntRange(min=0), metavar="DAYS", help="With --prune: age.")
@json_option
@pass_app
def history(
    app: AppContext,
    limit: int,
    action: str | None,
    status: str | None,
    purchase_order: str | None,
    barcode_hash: str | None,
    since: str | None,
    until: str | None,
    show: int | None,
    prune: bool,
    keep: int | None,
    older_than: int | None,
    as_json: bool,
) -> None:
    """The scan and receive log, newest first; --show ID for one entry, --prune to bound it."""
    if show is not None or prune:
        from barcode_plugins.cli.history_details import prune_entries, show_entry  # lazy: the rare forms of the command

        prune_entries(app, keep, older_than, as_json) if prune else show_entry(app, show or 0, as_json)
        return
    entries = app.engine.history(
        limit,
        action,
        status=status,
        purchase_order=purchase_order,
        barcode_hash=barcode_hash,
        since=since,
        until=until,
    )
    if as_json:
        print_json(entries)
        return
    rows = [
        (
            e.id,
            e.at[:19].replace("T", " "),
            e.action,
            e.status,
            e.item or "",
            visible(e.raw)[:40],
            e.message or "",
        )
        for e in entries
    ]
    click.echo(table(("id", "at (UTC)", "action", "status", "item", "scan", "message"), rows))


@click.command(name="new-plugin")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the barcode-plugins-NAME folder.",
)
@json_option
def new_plugin(name: str, directory: Path, as_json: bool) -> None:
    """Create a complete, installable plugin package NAME with an example format and its conformance test."""
    from barcode_plugins.authoring.scaffold import create_plugin  # lazy: only this command reads the templates

    created = create_plugin(name, directory)
    print_json({"name": name, "path": str(created)}) if as_json else click.echo(visible(created))
    click.echo(visible(f"next: pip install -e {created} && pytest {created}"), err=True)


def register(group: click.Group) -> None:
    """Add this module's commands."""
    for command in (plugins, history, new_plugin):
        group.add_command(command)
