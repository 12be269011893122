"""Human output: short tables and one-line summaries. JSON output lives in ``context.print_json``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click

from ..models import CONTRACT_KEYS, Decoded

# The contract's keys in its order, then ``item``; raw and fields are shown apart, as the elements table.
_SHOWN = (*(key for key in (*CONTRACT_KEYS, "item") if key not in ("raw", "fields", "barcode_hash")), "barcode_hash")


def visible(text: str) -> str:
    """Control characters shown as Unicode control pictures, so a terminal prints something for them."""
    return "".join(chr(0x2400 + ord(char)) if ord(char) < 32 else char for char in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain aligned table (no colours, so it pastes anywhere)."""
    shown = [[("" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in shown]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in shown]
    return "\n".join(lines)


def decoded_details(barcode: Decoded) -> str:
    """Every known field of a decoded barcode, then the raw elements read."""
    rows = []
    for name in _SHOWN:
        value = getattr(barcode, name)
        if value is not None:
            rows.append((name, value))
    text = table(("field", "value"), rows)
    if barcode.fields:
        text += "\n\n" + table(("element", "value"), [(k, visible(v)) for k, v in barcode.fields.items()])
    return text


def decoded_line(barcode: Decoded) -> str:
    """One line per barcode, for streams."""
    part = barcode.supplier_part_number or barcode.manufacturer_part_number or ""
    what = str(barcode.item) if barcode.item else part
    quantity = f"qty {barcode.quantity}" if barcode.quantity is not None else ""
    return "  ".join(x for x in (barcode.plugin or "-", barcode.kind, what, quantity, barcode.barcode_hash[:12]) if x)


def echo_error(message: str) -> None:
    """A one-line message on stderr."""
    click.echo(f"Error: {message}", err=True)
