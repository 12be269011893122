"""A plugin module whose import only defines things (the control group of the import-hygiene test)."""

from __future__ import annotations

from barcode_plugins import Decoded, hookimpl

PREFIX = "QUIET:"


@hookimpl
def decode(text: str) -> Decoded | None:
    """Decodes ``QUIET:<part>``."""
    if not text.startswith(PREFIX) or len(text) == len(PREFIX):
        return None
    return Decoded(plugin="quiet", kind="external", fields={"part": text[len(PREFIX) :]})
