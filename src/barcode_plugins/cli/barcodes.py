"""``decode``, ``scan`` and ``label``."""

from __future__ import annotations

import sys

import click

from ..errors import BarcodeError
from ..models import Decoded
from .context import AppContext, CliError, exit_code_of, json_option, message_of, pass_app, print_json
from .output import decoded_details, decoded_line, echo_error, visible
from .scans_input import read_scans


@click.command()
@click.argument("raw")
@json_option
@pass_app
def decode(app: AppContext, raw: str, as_json: bool) -> None:
    """Decode one barcode (RAW), or one per line from stdin with RAW = '-'.

    Unknown text decodes as kind 'external' (it can still be linked) and exits 1.
    """
    if raw == "-":
        _decode_stream(app, as_json)
        return
    barcode = app.engine.decode(raw)
    if as_json:
        print_json(barcode)
    else:
        click.echo(decoded_details(barcode))
    if barcode.kind == "external":
        raise CliError("not recognised: no plugin decodes this barcode (it can still be linked)", 1)


def _decode_stream(app: AppContext, as_json: bool) -> None:
    worst = 0
    for number, scan in read_scans(sys.stdin.buffer):
        result: Decoded | BarcodeError
        if isinstance(scan, BarcodeError):
            result = scan
        else:
            try:
                result = app.engine.decode(scan)
            except BarcodeError as error:
                result = error
        if isinstance(result, BarcodeError):
            worst = max(worst, exit_code_of(result))
            if as_json:
                print_json({"line": number, "error": message_of(result)})
            else:
                echo_error(f"line {number}: {message_of(result)}")
            continue
        if result.kind == "external":
            worst = max(worst, 1)
        if as_json:
            print_json(result)
        else:
            click.echo(decoded_line(result))
    if worst:
        sys.exit(worst)


@click.command()
@click.argument("raw")
@json_option
@pass_app
def scan(app: AppContext, raw: str, as_json: bool) -> None:
    """Decode RAW and say what it refers to: internal item, linked item, stock, open order line."""
    result = app.engine.scan(raw)
    if as_json:
        print_json(result)
    else:
        click.echo(decoded_details(result.barcode))
        click.echo(f"\n=> {visible(result.message)}")
        if result.stock_item is not None:
            stock = result.stock_item
            where = stock.location or "-"
            click.echo(visible(f"stock item {stock.id}: {stock.quantity} x {stock.sku or stock.mpn} at {where}"))
    if result.item is None and result.barcode.kind == "external":
        raise CliError("not recognised and not linked", 1)


@click.command()
@click.argument("item")
@click.option("--short", is_flag=True, help="The short form for small 1D labels (bp:TYPE:ID).")
@json_option
@pass_app
def label(app: AppContext, item: str, short: bool, as_json: bool) -> None:
    """Print the internal barcode payload for ITEM (e.g. stockitem:42) to encode on a label."""
    payload = app.engine.label(item, short=short)
    if as_json:
        print_json({"item": item, "payload": payload})
    else:
        click.echo(payload)


def register(group: click.Group) -> None:
    """Add this module's commands."""
    for command in (decode, scan, label):
        group.add_command(command)
