"""``history --show ID`` and ``history --prune``."""

from __future__ import annotations

from datetime import timedelta

import click

from barcode_plugins.cli.context import AppContext, CliError, print_json
from barcode_plugins.cli.output import table, visible, visible_lines


def show_entry(app: AppContext, history_id: int, as_json: bool) -> None:
    """One history entry in full, with the explanation kept for a failed scan."""
    entry = app.engine.history_entry(history_id)
    if as_json:
        print_json(entry)
        return
    rows = [
        ("id", entry.id),
        ("at (UTC)", entry.at[:26].replace("T", " ")),
        ("action", entry.action),
        ("status", entry.status),
        ("item", entry.item),
        ("purchase order", entry.purchase_order),
        ("line", entry.line),
        ("quantity", entry.quantity),
        ("barcode hash", entry.barcode_hash),
        ("plugin", entry.plugin),
        ("scan", visible(entry.raw)),
        ("message", visible(entry.message or "")),
    ]
    click.echo(table(("field", "value"), [row for row in rows if row[1] not in (None, "")]))
    if entry.explanation is not None:
        from barcode_plugins.cli.explanations import explanation_text

        click.echo("\n" + visible_lines(explanation_text(entry.explanation)))


def prune_entries(app: AppContext, keep: int | None, older_than: int | None, as_json: bool) -> None:
    """Delete history beyond ``keep`` entries and/or older than ``older_than`` days."""
    if keep is None and older_than is None:
        raise CliError("--prune needs --keep N and/or --older-than DAYS", 2)
    deleted = app.engine.prune_history(keep=keep, older_than=None if older_than is None else timedelta(days=older_than))
    print_json({"deleted": deleted}) if as_json else click.echo(
        f"deleted {deleted} history entr{'y' if deleted == 1 else 'ies'}"
    )
