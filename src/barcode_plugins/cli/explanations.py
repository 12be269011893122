"""Human output of an explanation (``scan --explain``, ``receive --explain``, ``history --show``)."""

from __future__ import annotations

from barcode_plugins.cli.output import table, visible
from barcode_plugins.models import Explanation


def explanation_text(explanation: Explanation) -> str:
    """The reason first, then what was repaired, each decoder's verdict and each order line considered."""
    parts = [f"why: {visible(explanation.reason)}"]
    if explanation.repairs:
        parts.append(f"repairs: {', '.join(explanation.repairs)}")
    if explanation.readings > 1:
        parts.append(f"readings: {explanation.readings} (separators were lost; the scan reads several ways)")
    if explanation.decoders:
        rows = [(verdict.plugin, verdict.verdict, visible(verdict.detail)) for verdict in explanation.decoders]
        parts.append(table(("decoder", "verdict", "detail"), rows))
    if explanation.lines:
        rows = [
            (f"{line.purchase_order} line {line.line}", "kept" if line.kept else "rejected", visible(line.reason))
            for line in explanation.lines
        ]
        parts.append(table(("order line", "verdict", "reason"), rows))
    return "\n\n".join(parts)
