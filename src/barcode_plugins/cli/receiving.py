"""``receive``: one scan, a batch (``-`` or a file), or an interactive session at a terminal."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import click

from barcode_plugins.cli.context import AppContext, CliError, json_option, pass_app, print_json
from barcode_plugins.cli.outcomes import COLOURS, summary
from barcode_plugins.cli.output import visible, visible_lines
from barcode_plugins.cli.scans_input import read_scans
from barcode_plugins.errors import InputError
from barcode_plugins.models import ReceiveResult
from barcode_plugins.quantities import Quantity

#: Exit code per outcome: received is done; an outcome at the bench that received nothing is a refusal (1);
#: unusable input is 2.
EXIT_CODES = {"received": 0, "undone": 0, "error": 2}


class QuantityType(click.ParamType):
    """An exact quantity (``25``, ``0.1``) within the store's bounds; anything else is a usage error."""

    name = "quantity"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Quantity:
        """The checked quantity, or a one-line usage error naming the broken bound."""
        from barcode_plugins.quantities import QuantityError, checked

        try:
            return checked(value)
        except QuantityError as error:
            self.fail(error.message, param, ctx)


QUANTITY = QuantityType()


@click.command()
@click.argument("raws", nargs=-1, metavar="[RAW ...]")
@click.option("--file", "file", type=click.Path(path_type=Path), help="Read scans from this file, one per line.")
@click.option("--quantity", type=QUANTITY, help="Quantity, when the label has none (exact; up to 6 decimals).")
@click.option("--location", help="Where the stock goes (default: the PO line's destination).")
@click.option("--po", "purchase_order", help="Receive against this purchase order (resolves ambiguity).")
@click.option("--allow-over", is_flag=True, help="Accept more than is outstanding on the line.")
@click.option(
    "--another", is_flag=True, help="Another bag with the same label as one already received: receive it too."
)
@click.option("--undo", "undo", metavar="HASH|HISTORY_ID", help="Undo a receipt instead of receiving.")
@click.option("--image", "image", is_flag=True, help="RAW arguments are image or PDF files: receive every barcode.")
@click.option("--labels", type=click.Path(dir_okay=False, path_type=Path), help="Write a PDF of labels for the stock.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="For --labels.")
@click.option("--explain", is_flag=True, help="Say how each label was read and which order lines were considered.")
@json_option
@pass_app
def receive(
    app: AppContext,
    raws: tuple[str, ...],
    file: Path | None,
    quantity: Quantity | None,
    location: str | None,
    purchase_order: str | None,
    allow_over: bool,
    another: bool,
    undo: str | None,
    image: bool,
    labels: Path | None,
    paper: str,
    explain: bool,
    as_json: bool,
) -> None:
    """Receive scanned labels against open purchase orders.

    RAW arguments are scans; '-' (or no argument with piped input) reads one scan per line from stdin; a single
    argument naming an existing file, or --file, reads that file. With no argument at a terminal, starts an
    interactive session for a wedge scanner. With --image, RAW arguments are image or PDF files and every barcode
    in them is a scan. --labels FILE writes a sheet of labels (PDF) for the stock items the batch created.
    """
    engine = app.engine
    if undo is not None:
        result = engine.undo_receipt(undo)
        print_json(result) if as_json else click.echo(visible(result.message))
        return
    options = {
        "quantity": quantity,
        "location": location,
        "purchase_order": purchase_order,
        "allow_over": allow_over,
        "another": another,
    }
    if explain:
        options["explain"] = True
    created: list[int] | None = [] if labels is not None else None
    if image or labels is not None:
        from barcode_plugins.images.dependencies import require_all  # lazy: only these options need the image libraries

        require_all()  # before receiving anything: a missing extra must not stop the batch half-way
    if labels is not None and not labels.absolute().parent.is_dir():
        raise InputError(f"cannot write {labels}: no directory {labels.absolute().parent}")
    if image:
        from barcode_plugins.cli.images import image_scans  # lazy: the image libraries

        if not raws:
            raise InputError("--image needs at least one image or PDF file")
        counts, last = _run_batch(app, image_scans(raws), options, as_json, None, stock_items=created)
        _finish(app, counts, last, created, labels, paper)
        return
    if not raws and file is None and sys.stdin.isatty():
        if labels is not None:
            raise InputError("--labels needs the scans as arguments, a file or images, not an interactive session")
        from barcode_plugins.cli.interactive import run_session  # lazy: only a person at a terminal needs it

        run_session(app, options, as_json)
        return
    if file is None and len(raws) == 1 and _names_a_file(raws[0]):
        file = Path(raws[0])  # ``receive shipment.txt``: a file of scans, one per line
    if file is not None or raws == ("-",) or not raws:
        stream = _open(file)
        total = _count_lines(file)
        counts, last = _run_batch(app, read_scans(stream), options, as_json, total, stock_items=created)
    else:
        counts, last = _run_batch(
            app, enumerate(raws, start=1), options, as_json, None, single=len(raws) == 1, stock_items=created
        )
    _finish(app, counts, last, created, labels, paper)


def _finish(
    app: AppContext,
    counts: Counter[str],
    last: ReceiveResult | None,
    created: list[int] | None,
    labels: Path | None,
    paper: str,
) -> None:
    """Write the label sheet (if asked for), then exit with the batch's worst outcome."""
    if labels is not None and created:
        from barcode_plugins.cli.images import write_receipt_labels  # lazy: the image libraries

        pages = write_receipt_labels(app, created, labels, paper)
        click.echo(f"wrote {labels}: {len(created)} label(s) on {pages} {paper} page(s)", err=True)
    elif labels is not None:
        click.echo(f"no stock item was created; {labels} not written", err=True)
    worst = max((EXIT_CODES.get(status, 1) for status in counts), default=0)
    if worst:
        refused = sum(n for status, n in counts.items() if EXIT_CODES.get(status, 1))
        if last is not None and sum(counts.values()) == 1:
            raise CliError(last.message, worst)
        raise CliError(f"{refused} of {sum(counts.values())} scan(s) were not received", worst)


def _names_a_file(argument: str) -> bool:
    # The contract's ``receive FILE``: an argument naming an existing file is a file of scans. Only the file
    # system can tell it from a scan, and a label's text is not the name of a file in the working directory.
    try:
        return len(argument) < 4096 and Path(argument).is_file()
    except (OSError, ValueError):
        return False


def _open(file: Path | None):  # type: ignore[no-untyped-def]
    if file is None:
        return sys.stdin.buffer
    try:
        return file.open("rb")
    except OSError as error:
        raise InputError(f"cannot read {file}: {error.strerror or error}") from None


def _count_lines(file: Path | None) -> int | None:
    """Lines in a regular file, for the progress bar, read in bounded chunks: a file without newlines (or a
    device such as /dev/zero, which is not counted at all) must not be read whole into memory."""
    if file is None or not sys.stderr.isatty() or not file.is_file():
        return None
    lines, last = 0, b"\n"
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")  # a last line without its newline counts too


def _run_batch(
    app: AppContext,
    scans: Iterable[tuple[int, str | InputError]],
    options: dict,
    as_json: bool,
    total: int | None,
    single: bool = False,
    stock_items: list[int] | None = None,
) -> tuple[Counter[str], ReceiveResult | None]:
    counts: Counter[str] = Counter()
    last: ReceiveResult | None = None
    show_progress = not single and not as_json and sys.stderr.isatty()
    bar = click.progressbar(length=total, label="receiving", file=sys.stderr) if show_progress and total else None
    for number, scan in scans:
        if isinstance(scan, InputError):
            result = ReceiveResult("error", scan.message)
        else:
            result = app.engine.receive(scan, **options)
        counts[result.status] += 1
        last = result
        if stock_items is not None and result.status == "received" and result.stock_item is not None:
            stock_items.append(result.stock_item)
        if as_json:
            print_json(result)
        elif not single:
            _echo_line(number, result)
        elif result.status == "received":
            click.echo(visible(result.message))
        if options.get("explain") and result.explanation is not None and not as_json:
            from barcode_plugins.cli.explanations import explanation_text  # lazy: only --explain prints one

            click.echo(visible_lines(explanation_text(result.explanation)))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.render_finish()
    if not single and not as_json:
        click.echo(summary(counts))
    return counts, last


def _echo_line(number: int, result: ReceiveResult) -> None:
    text = visible(f"{number:>6}  {result.status:<16} {result.message}")
    click.echo(click.style(text, fg=COLOURS.get(result.status, "red")))


def register(group: click.Group) -> None:
    """Add this module's commands."""
    group.add_command(receive)
