"""The image side of ``decode``, ``scan``, ``receive`` and ``label``: barcodes read from pictures and PDFs, labels
drawn to files. The image libraries are imported inside ``barcode_plugins.images`` when a command needs them, so
the other commands' cold start does not pay for them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import click

from barcode_plugins.cli.context import AppContext, print_json
from barcode_plugins.cli.output import decoded_details, decoded_line, echo_error, visible
from barcode_plugins.errors import BarcodeError, InputError
from barcode_plugins.images.dependencies import MissingDependency
from barcode_plugins.images.labels import LabelSize
from barcode_plugins.images.symbols import Symbol
from barcode_plugins.models import ItemRef, unstructure


def where(symbol: Symbol) -> str:
    """``file[:page]  format at (x,y)``: enough to find the symbol in the picture."""
    page = f":{symbol.page}" if symbol.page > 1 else ""
    x, y = symbol.position[0]
    return f"{symbol.source}{page}  {symbol.format} at ({x},{y})"


def read_files(files: Sequence[str]) -> Iterator[tuple[str, list[Symbol] | BarcodeError]]:
    """Each file with its symbols, or the error that says why there are none: an :class:`InputError` (exit 2)
    for a file that cannot be read or is not an image, a plain :class:`BarcodeError` (exit 1, "not recognised")
    for a picture without a barcode. A missing ``images`` extra stops everything."""
    from barcode_plugins.images.reading import read_symbols  # lazy: Pillow and zxing-cpp

    for file in files:
        try:
            symbols = read_symbols(file)
        except MissingDependency:
            raise
        except InputError as error:
            yield file, error
            continue
        yield file, symbols or BarcodeError(f"no barcode found in {file}")


def _report(message: str, as_json: bool, **where_in_json: object) -> None:
    if as_json:
        print_json({**where_in_json, "error": message})
    else:
        echo_error(message)


def decode_images(app: AppContext, files: Sequence[str], as_json: bool) -> None:
    """``decode --image FILE...``: every barcode in every file, decoded. With ``--json``, JSON Lines: each object
    the decoded barcode plus ``image`` (file, page, format, corners), or ``error`` with ``file`` or ``image``.
    Exit 1 if a file holds no barcode or a barcode is not recognised, 2 if a file cannot be read."""
    read = list(read_files(files))
    single = len(read) == 1 and not isinstance(read[0][1], BarcodeError) and len(read[0][1]) == 1

    def decode(symbol: Symbol) -> int:
        barcode = app.engine.decode(symbol.text)
        if as_json:
            print_json({**unstructure(barcode), "image": unstructure(symbol)})
        elif single:
            click.echo(f"{visible(where(symbol))}\n\n{decoded_details(barcode)}")
        else:
            click.echo(visible(f"{where(symbol)}  {decoded_line(barcode)}"))
        return 1 if barcode.kind == "external" else 0

    _for_each_symbol(read, as_json, decode)


def scan_images(app: AppContext, files: Sequence[str], as_json: bool) -> None:
    """``scan --image FILE...``: every barcode in every file, scanned (decoded, resolved and logged). With
    ``--json``, JSON Lines: each object a scan result plus ``image``. Exit 1 if a file holds no barcode or a
    barcode is neither recognised nor linked, 2 if a file cannot be read."""

    def scan(symbol: Symbol) -> int:
        result = app.engine.scan(symbol.text)
        if as_json:
            print_json({**unstructure(result), "image": unstructure(symbol)})
        else:
            click.echo(visible(f"{where(symbol)}  {decoded_line(result.barcode)}  => {result.message}"))
        return 1 if result.item is None and result.barcode.kind == "external" else 0

    _for_each_symbol(read_files(files), as_json, scan)


def _for_each_symbol(
    read: Iterable[tuple[str, list[Symbol] | BarcodeError]], as_json: bool, handle: Callable[[Symbol], int]
) -> None:
    """Handle every symbol of every file (``handle`` prints it and returns its exit status); report files that
    give none and symbols whose text is refused; exit with the worst status."""
    worst = 0
    for file, symbols in read:
        if isinstance(symbols, BarcodeError):
            worst = max(worst, symbols.exit_code)
            _report(symbols.message, as_json, file=file)
            continue
        for symbol in symbols:
            try:
                worst = max(worst, handle(symbol))
            except BarcodeError as error:
                worst = max(worst, error.exit_code)
                _report(f"{where(symbol)}: {error.message}", as_json, image=unstructure(symbol))
    if worst:
        sys.exit(worst)


def image_scans(files: Sequence[str]) -> Iterator[tuple[int, str | InputError]]:
    """``receive --image``: the text of every barcode in the files as numbered scans, in file order; a file that
    cannot be read or holds no barcode is one numbered error."""
    number = 0
    for _, symbols in read_files(files):
        if isinstance(symbols, BarcodeError):
            number += 1
            yield number, InputError(symbols.message)  # the batch's "error" outcome
            continue
        for symbol in symbols:
            number += 1
            yield number, symbol.text


def write_label_files(item: str, payload: str, files: dict[str, Path | None], qr: bool, size: LabelSize) -> list[str]:
    """``label ITEM --png/--svg/--pdf FILE``: the internal barcode drawn with the item reference under it.
    Returns the files written."""
    from barcode_plugins.images.labels import layout_label, write_label  # lazy: Pillow and zxing-cpp

    symbology = "qr" if qr else "datamatrix"
    layout = layout_label(payload, [str(ItemRef.parse(item))], symbology=symbology, size=size)
    written = []
    for file_format, path in files.items():
        if path is not None:
            write_label(path, layout, file_format)  # type: ignore[arg-type]
            written.append(str(path))
    return written


def write_receipt_labels(app: AppContext, stock_items: Sequence[int], path: Path, paper: str) -> int:
    """``receive ... --labels FILE``: a PDF sheet with one label per stock item the batch created (the item
    reference, and the part and quantity under it). Returns the number of pages."""
    from barcode_plugins.images.sheets import write_sheets  # lazy: Pillow and zxing-cpp

    labels = []
    for stock_item_id in stock_items:
        stock = app.engine.stock_item(stock_item_id)
        part = stock.sku or stock.mpn or ""
        labels.append((app.engine.label(stock.ref), [str(stock.ref), f"{part} x{stock.quantity}".strip()]))
    return write_sheets(path, labels, paper=paper)  # type: ignore[arg-type]
