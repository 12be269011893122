"""How receive outcomes look at a terminal: their colours and the end-of-batch summary (``receive --file`` and
the interactive session share them)."""

from __future__ import annotations

from collections import Counter
from typing import get_args

from barcode_plugins.cli.output import table
from barcode_plugins.models import ReceiveStatus

SUMMARY_ORDER = tuple(status for status in get_args(ReceiveStatus) if status != "undone")
#: Outcome colours at a terminal (anything else is red).
COLOURS = {"received": "green", "undone": "cyan", "already_received": "yellow"}


def summary(counts: Counter[str]) -> str:
    """The end-of-batch table: how many scans ended in each outcome."""
    rows = [(status.replace("_", " "), counts.get(status, 0)) for status in SUMMARY_ORDER]
    if counts.get("undone"):  # only a session undoes; its rows must still add up to the total
        rows.append(("undone", counts["undone"]))
    rows.append(("total", sum(counts.values())))
    return table(("outcome", "scans"), rows)
