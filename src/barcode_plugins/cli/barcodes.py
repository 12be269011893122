"""``decode``, ``scan`` and ``label``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from barcode_plugins.cli.context import (
    AppContext,
    CliError,
    exit_code_of,
    json_option,
    message_of,
    pass_app,
    print_json,
)
from barcode_plugins.cli.output import decoded_details, decoded_line, echo_error, visible, visible_lines
from barcode_plugins.cli.scans_input import read_scans
from barcode_plugins.errors import BarcodeError
from barcode_plugins.models import Decoded


def image_option(function: Any) -> Any:
    """``--image``: the arguments are image or PDF files to read barcodes from."""
    return click.option(
        "--image", "image", is_flag=True, help="Arguments are image or PDF files: read every barcode in them."
    )(function)


def one_scan(raws: tuple[str, ...]) -> str:
    """The one RAW argument a command takes without --image."""
    if len(raws) != 1:
        raise click.UsageError(f"expected one RAW argument, got {len(raws)} (use --image to read image files)")
    return raws[0]


@click.command()
@click.argument("raws", nargs=-1, required=True, metavar="RAW")
@image_option
@json_option
@pass_app
def decode(app: AppContext, raws: tuple[str, ...], image: bool, as_json: bool) -> None:
    """Decode one barcode (RAW), or one per line from stdin with RAW = '-'.

    Unknown text decodes as kind 'external' (it can still be linked) and exits 1. With --image, the arguments are
    image or PDF files: every barcode in them is decoded.
    """
    if image:
        from barcode_plugins.cli.images import decode_images  # lazy: the image libraries

        decode_images(app, raws, as_json)
        return
    raw = one_scan(raws)
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
@click.argument("raws", nargs=-1, required=True, metavar="RAW")
@image_option
@click.option("--explain", is_flag=True, help="Say how the scan was read and why it resolved as it did.")
@json_option
@pass_app
def scan(app: AppContext, raws: tuple[str, ...], image: bool, explain: bool, as_json: bool) -> None:
    """Decode RAW and say what it refers to: internal item, linked item, stock, open order line.

    With --image, the arguments are image or PDF files: every barcode in them is scanned.
    """
    if image:
        from barcode_plugins.cli.images import scan_images  # lazy: the image libraries

        scan_images(app, raws, as_json)
        return
    raw = one_scan(raws)
    result = app.engine.scan(raw, explain=explain)
    if result.warning:
        click.echo(visible(f"warning: {result.warning}"), err=True)
    if as_json:
        print_json(result)
    else:
        click.echo(decoded_details(result.barcode))
        click.echo(f"\n=> {visible(result.message)}")
        if result.stock_item is not None:
            stock = result.stock_item
            where = stock.location or "-"
            click.echo(visible(f"stock item {stock.id}: {stock.quantity} x {stock.sku or stock.mpn} at {where}"))
        if explain and result.explanation is not None:
            from barcode_plugins.cli.explanations import explanation_text  # lazy: only --explain prints one

            click.echo("\n" + visible_lines(explanation_text(result.explanation)))
        elif result.explanation is not None:  # a scan that found nothing: the reason, the details on request
            click.echo(visible(f"why: {result.explanation.reason} (--explain for the details)"))
    if result.item is None and result.barcode.kind == "external":
        raise CliError("not recognised and not linked", 1)


@click.command()
@click.argument("item")
@click.option("--short", is_flag=True, help="The short form for small 1D labels (bp:TYPE:ID).")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Draw the label to this PNG file.")
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), help="Draw the label to this SVG file.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), help="Draw the label to this PDF file.")
@click.option("--qr", is_flag=True, help="Draw a QR code instead of a DataMatrix.")
@click.option("--size", default="25x25", show_default=True, help="Label size in mm (WIDTHxHEIGHT).")
@click.option("--dpi", type=click.IntRange(100, 1200), default=300, show_default=True, help="Printer resolution.")
@json_option
@pass_app
def label(
    app: AppContext,
    item: str,
    short: bool,
    png: Path | None,
    svg: Path | None,
    pdf: Path | None,
    qr: bool,
    size: str,
    dpi: int,
    as_json: bool,
) -> None:
    """Print the internal barcode payload for ITEM (e.g. stockitem:42) to encode on a label.

    --png, --svg and --pdf draw the label (the symbol with ITEM under it) to files.
    """
    payload = app.engine.label(item, short=short)
    written: list[str] = []
    if png or svg or pdf:
        from barcode_plugins.cli.images import write_label_files  # lazy: the image libraries
        from barcode_plugins.images.labels import LabelSize

        written = write_label_files(item, payload, {"png": png, "svg": svg, "pdf": pdf}, qr, LabelSize.parse(size, dpi))
    if as_json:
        print_json({"item": item, "payload": payload, **({"files": written} if written else {})})
    else:
        click.echo(payload)
        for file in written:
            click.echo(f"wrote {file}", err=True)


def register(group: click.Group) -> None:
    """Add this module's commands."""
    for command in (decode, scan, label):
        group.add_command(command)
