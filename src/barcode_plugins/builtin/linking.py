"""Default linking: a barcode is linked under its barcode hash."""

from __future__ import annotations

from barcode_plugins import Decoded, hookimpl


@hookimpl(trylast=True)
def link_item(barcode: Decoded) -> str | None:
    """The barcode hash: the same label however it was scanned, and different for different labels."""
    return barcode.barcode_hash or None
