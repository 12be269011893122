"""Human output: short tables and one-line summaries. JSON output lives in ``context.print_json``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click

from barcode_plugins.models import CONTRACT_KEYS, Decoded

# The contract's keys in its order, then ``item``; raw and fields are shown apart, as the elements table.
_SHOWN = (*(key for key in (*CONTRACT_KEYS, "item") if key not in ("raw", "fields", "barcode_hash")), "barcode_hash")


# C0 controls as Unicode control pictures (ESC -> ␛, GS -> ␝), DEL as ␡, C1 controls (0x9b is a one-byte CSI
# to some terminals) as ``\x9b``: a label can then neither move the cursor, retitle or clear the terminal, nor
# write the clipboard (OSC 52), and the user still sees that something was there. Bidirectional overrides and
# isolates (U+202A-U+202E, U+2066-U+2069) are shown as ``\u202e``: they would reorder what the line appears to say.
_VISIBLE = (
    {code: chr(0x2400 + code) for code in range(32)}
    | {0x7F: "\u2421"}
    | {code: f"\\x{code:02x}" for code in range(0x80, 0xA0)}
    | {code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
)


def visible(text: object) -> str:
    """Text safe to print on a terminal: control characters shown visibly instead of obeyed (JSON output is
    never passed through this: it stays exact)."""
    shown = text if isinstance(text, str) else str(text)
    return shown.translate(_VISIBLE)


def visible_lines(text: str) -> str:
    """:func:`visible` for text of several lines: each line made safe, the line breaks kept."""
    return "\n".join(visible(line) for line in text.split("\n"))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain aligned table (no colours, so it pastes anywhere)."""
    shown = [[("" if cell is None else visible(cell)) for cell in row] for row in rows]
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
        text += "\n\n" + table(("element", "value"), list(barcode.fields.items()))
    return text


def decoded_line(barcode: Decoded) -> str:
    """One line per barcode, for streams."""
    part = barcode.supplier_part_number or barcode.manufacturer_part_number or ""
    what = str(barcode.item) if barcode.item else part
    quantity = f"qty {barcode.quantity}" if barcode.quantity is not None else ""
    shown = (barcode.plugin or "-", barcode.kind, what, quantity, barcode.barcode_hash[:12])
    return visible("  ".join(x for x in shown if x))


def echo_error(message: str) -> None:
    """A one-line message on stderr."""
    click.echo(f"Error: {visible(message)}", err=True)
