"""The generic ECIA / EIGP-114 decoder: any vendor's standard label that no supplier plugin claims.

A fallback (``trylast``): Farnell, Arrow, TI, RS and the rest decode on day one with ``supplier`` null.
"""

from __future__ import annotations

from typing import Any

from barcode_plugins import Decoded, hookimpl
from barcode_plugins.formats.ecia import decoded_from_ecia, parse_ecia


@hookimpl(trylast=True)
def decode(text: str) -> Decoded | None:
    """Decode any ISO/IEC 15434 envelope with format 06 (or 05) data."""
    record = parse_ecia(text)
    if record is None:
        return None
    return decoded_from_ecia(record, plugin="ecia", supplier=None)


@hookimpl
def barcode_examples() -> Any:
    """Vendor-neutral ECIA labels (standard data identifiers only, no supplier's markers)."""
    from barcode_plugins.hooks.example_labels import generic_ecia_examples  # lazy: hypothesis

    return generic_ecia_examples()
