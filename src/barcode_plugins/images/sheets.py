"""Sheets of labels: many internal labels laid out in a grid on A4 or Letter pages, written as one PDF.

Pages are drawn at the labels' resolution (300 dpi by default) with a 10 mm margin and 2 mm between labels; a
thin grey outline around each label shows where to cut. 25 x 25 mm labels give 7 x 10 = 70 per A4 page and
7 x 9 = 63 per Letter page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from barcode_plugins.errors import InputError
from barcode_plugins.images import dependencies
from barcode_plugins.images.labels import LabelSize, Symbology, draw_label, layout_label, save_images

if TYPE_CHECKING:
    from PIL.Image import Image

Paper = Literal["a4", "letter"]
PAPER_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
MARGIN_MM = 10.0
GAP_MM = 2.0
_OUTLINE = 0  # black: the PDF is black and white, and a grey line would vanish


def grid(paper: Paper, size: LabelSize) -> tuple[int, int]:
    """How many labels fit across and down a page.

    :raises InputError: not even one label fits.
    """
    paper_width, paper_height = PAPER_MM[paper]
    across = int((paper_width - 2 * MARGIN_MM + GAP_MM) // (size.width_mm + GAP_MM))
    down = int((paper_height - 2 * MARGIN_MM + GAP_MM) // (size.height_mm + GAP_MM))
    if across < 1 or down < 1:
        raise InputError(f"a {size.width_mm:g} x {size.height_mm:g} mm label does not fit on {paper} paper")
    return across, down


def draw_sheets(
    labels: Sequence[tuple[str, Sequence[str]]],
    *,
    paper: Paper = "a4",
    symbology: Symbology = "datamatrix",
    size: LabelSize | None = None,
) -> list[Image]:
    """One page image per page of labels; each label is ``(payload, human-readable lines)``.

    :raises InputError: no labels, or a label that does not fit (see :func:`layout_label`).
    """
    if not labels:
        raise InputError("no labels to put on a sheet")
    size = size or LabelSize()
    image_module = dependencies.pillow()
    from PIL import ImageDraw

    across, down = grid(paper, size)
    paper_width, paper_height = (size.dots(side) for side in PAPER_MM[paper])
    label_width, label_height = size.pixels
    pitch_x, pitch_y = label_width + size.dots(GAP_MM), label_height + size.dots(GAP_MM)
    left = (paper_width - (across * pitch_x - size.dots(GAP_MM))) // 2  # the grid centred across the page
    top = size.dots(MARGIN_MM)
    pages: list[Image] = []
    for first in range(0, len(labels), across * down):
        page = image_module.new("L", (paper_width, paper_height), 255)
        draw = ImageDraw.Draw(page)
        for index, (payload, lines) in enumerate(labels[first : first + across * down]):
            x = left + (index % across) * pitch_x
            y = top + (index // across) * pitch_y
            page.paste(draw_label(layout_label(payload, lines, symbology=symbology, size=size)), (x, y))
            draw.rectangle((x - 1, y - 1, x + label_width, y + label_height), outline=_OUTLINE)
        pages.append(page)
    return pages


def write_sheets(
    path: Path,
    labels: Sequence[tuple[str, Sequence[str]]],
    *,
    paper: Paper = "a4",
    symbology: Symbology = "datamatrix",
    size: LabelSize | None = None,
) -> int:
    """Write the labels as a PDF of ``paper`` pages; returns the number of pages.

    :raises InputError: no labels, a label that does not fit, or a file that cannot be written.
    """
    size = size or LabelSize()
    pages = draw_sheets(labels, paper=paper, symbology=symbology, size=size)
    save_images(pages, path, "pdf", size.dpi)
    return len(pages)
