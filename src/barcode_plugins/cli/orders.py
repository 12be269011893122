"""``po import``, ``po list``, ``po show``."""

from __future__ import annotations

from pathlib import Path

import click

from barcode_plugins.cli.context import AppContext, json_option, pass_app, print_json
from barcode_plugins.cli.output import table, visible
from barcode_plugins.models import PO_STATUSES, PurchaseOrder


@click.group()
def po() -> None:
    """Purchase orders and their lines."""


@po.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@pass_app
def import_(app: AppContext, file: Path, as_json: bool) -> None:
    """Import purchase orders from a CSV or JSON FILE (re-importing a reference updates it)."""
    orders = app.engine.import_purchase_orders(file)
    if as_json:
        print_json(orders)
    else:
        lines = sum(len(order.lines) for order in orders)
        click.echo(f"imported {len(orders)} purchase order(s), {lines} line(s)")


@po.command(name="list")
@click.option("--status", type=click.Choice(PO_STATUSES))
@json_option
@pass_app
def list_(app: AppContext, status: str | None, as_json: bool) -> None:
    """List purchase orders with received, outstanding and over-received (allowed over-receipt) totals."""
    orders = app.engine.purchase_orders(status)
    if as_json:
        print_json(orders)
        return
    rows = [
        (
            o.reference,
            o.supplier,
            o.supplier_reference or "",
            o.status,
            len(o.lines),
            sum(line.quantity for line in o.lines),
            sum(line.received for line in o.lines),
            sum(line.outstanding for line in o.lines),
            sum(line.over_received for line in o.lines),
        )
        for o in orders
    ]
    click.echo(
        table(
            (
                "reference",
                "supplier",
                "supplier ref",
                "status",
                "lines",
                "ordered",
                "received",
                "outstanding",
                "over",
            ),
            rows,
        )
    )


@po.command()
@click.argument("reference")
@json_option
@pass_app
def show(app: AppContext, reference: str, as_json: bool) -> None:
    """Show one purchase order, line by line (``over``: received beyond the ordered quantity)."""
    order = app.engine.purchase_order(reference)
    if as_json:
        print_json(order)
        return
    click.echo(visible(_header(order)))
    rows = [
        (
            line.line,
            line.sku or "",
            line.mpn or "",
            line.manufacturer or "",
            line.quantity,
            line.received,
            line.outstanding,
            line.over_received,
            line.destination or "",
        )
        for line in order.lines
    ]
    headers = ("line", "sku", "mpn", "manufacturer", "ordered", "received", "outstanding", "over", "destination")
    click.echo(table(headers, rows))


def _header(order: PurchaseOrder) -> str:
    reference = f" (supplier ref {order.supplier_reference})" if order.supplier_reference else ""
    return f"{order.reference}: {order.supplier}{reference}, {order.status}"


def register(group: click.Group) -> None:
    """Add this module's commands."""
    group.add_command(po)
