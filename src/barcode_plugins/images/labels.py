"""Drawing one internal label: the symbol (DataMatrix or QR, encoded by zxing-cpp) with human-readable lines under
it, as PNG, SVG or PDF.

Sizes are millimetres at a printer resolution (default 25 x 25 mm at 300 dpi, the common small square label of
thermal printers; ``62x29`` suits a 62 mm roll). Every module of the symbol is a whole number of printer dots, so
no module is smeared by resampling: the symbol is as large as that allows inside the space the text leaves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape, quoteattr

import attrs

from barcode_plugins.errors import InputError
from barcode_plugins.images import dependencies

if TYPE_CHECKING:
    from PIL.Image import Image

Symbology = Literal["datamatrix", "qr"]
FileFormat = Literal["png", "svg", "pdf"]
MM_PER_INCH = 25.4
#: The smallest module drawn, in printer dots: below 3 dots (0.25 mm at 300 dpi) thermal printers smear them.
MIN_MODULE_DOTS = 3
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*\Z", re.IGNORECASE)


@attrs.frozen
class LabelSize:
    """A label's size in millimetres and the printer's resolution in dots per inch."""

    width_mm: float = 25.0
    height_mm: float = 25.0
    dpi: int = 300

    @classmethod
    def parse(cls, text: str, dpi: int = 300) -> LabelSize:
        """``"25x25"`` or ``"62x29mm"`` (width x height in millimetres).

        :raises InputError: not ``WxH``, or a side under 10 mm or over 300 mm.
        """
        match = _SIZE.match(text)
        if match is None:
            raise InputError(f"label size {text!r} is not WIDTHxHEIGHT in millimetres, e.g. 25x25 or 62x29")
        width, height = float(match[1]), float(match[2])
        if not (10 <= width <= 300 and 10 <= height <= 300):
            raise InputError(f"label size {text!r}: each side must be between 10 and 300 mm")
        return cls(width, height, dpi)

    def dots(self, millimetres: float) -> int:
        """Millimetres in printer dots (rounded down)."""
        return int(millimetres * self.dpi / MM_PER_INCH)

    @property
    def pixels(self) -> tuple[int, int]:
        """The label's width and height in printer dots."""
        return self.dots(self.width_mm), self.dots(self.height_mm)


@attrs.frozen
class TextLine:
    """One human-readable line: its text (shortened to fit), font size and baseline, in dots."""

    text: str
    font_size: int
    baseline: int


@attrs.frozen
class LabelLayout:
    """Where everything goes on a label, in printer dots; the PNG, PDF and SVG are drawn from the same layout."""

    size: LabelSize
    modules: tuple[tuple[bool, ...], ...]  # dark modules, quiet zone included, row by row
    module_dots: int
    symbol_x: int
    symbol_y: int
    lines: tuple[TextLine, ...]


def symbol_modules(payload: str, symbology: Symbology = "datamatrix") -> tuple[tuple[bool, ...], ...]:
    """The symbol zxing-cpp encodes for ``payload``, as rows of dark (``True``) modules with its quiet zone.

    DataMatrix is square (ECC 200); QR uses error-correction level M.
    """
    zxingcpp = dependencies.zxingcpp()
    if symbology == "qr":
        barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    else:
        barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.DataMatrix, force_square=True)
    bitmap = memoryview(barcode.to_image(scale=1, add_quiet_zones=True))
    height, width = bitmap.shape
    data = bitmap.tobytes()
    return tuple(tuple(data[row * width + column] < 128 for column in range(width)) for row in range(height))


def layout_label(
    payload: str, lines: Sequence[str], *, symbology: Symbology = "datamatrix", size: LabelSize | None = None
) -> LabelLayout:
    """Lay out a label: the symbol at the top, centred, as large as whole-dot modules allow; ``lines`` under it.

    :raises InputError: the label is too small to hold the symbol with modules of :data:`MIN_MODULE_DOTS`.
    """
    size = size or LabelSize()
    width, height = size.pixels
    margin = size.dots(1.0)
    font_size = max(size.dots(min(2.4, size.height_mm / 10)), 8)
    line_height = math.ceil(font_size * 1.25)
    modules = symbol_modules(payload, symbology)
    columns, rows = len(modules[0]), len(modules)
    text_height = line_height * len(lines)
    module_dots = min((width - 2 * margin) // columns, (height - 2 * margin - text_height) // rows)
    if module_dots < MIN_MODULE_DOTS:
        raise InputError(
            f"a {size.width_mm:g} x {size.height_mm:g} mm label at {size.dpi} dpi is too small for this"
            f" symbol ({columns} modules across with its quiet zone) and {len(lines)} line(s) of text;"
            " choose a larger size"
        )
    symbol_x = (width - columns * module_dots) // 2
    symbol_y = margin
    first_baseline = symbol_y + rows * module_dots + line_height - (line_height - font_size) // 2
    fitted = tuple(
        _fit(text, font_size, width - 2 * margin, first_baseline + index * line_height)
        for index, text in enumerate(lines)
    )
    return LabelLayout(size, modules, module_dots, symbol_x, symbol_y, fitted)


def _fit(text: str, font_size: int, room: int, baseline: int) -> TextLine:
    """Shrink a line's font down to 70 %, then shorten it with an ellipsis, until it fits ``room`` dots."""
    text = "".join(chr(0x2400 + ord(char)) if ord(char) < 32 else char for char in text)  # shown, not sent
    smallest = max(int(font_size * 0.7), 6)
    for candidate in range(font_size, smallest - 1, -1):
        if _font(candidate).getlength(text) <= room:
            return TextLine(text, candidate, baseline)
    font = _font(smallest)
    while len(text) > 1 and font.getlength(text + "…") > room:
        text = text[:-1]
    return TextLine(text + "…", smallest, baseline)


def _font(size: int) -> Any:
    from PIL import ImageFont  # lazy: Pillow is the images extra

    return ImageFont.load_default(size=size)  # Pillow's bundled font: no system fonts needed


def draw_label(layout: LabelLayout) -> Image:
    """The label as a greyscale Pillow image at the layout's resolution."""
    image_module = dependencies.pillow()
    from PIL import ImageDraw

    image = image_module.new("L", layout.size.pixels, 255)
    draw = ImageDraw.Draw(image)
    step = layout.module_dots
    for row, dark in enumerate(layout.modules):
        y = layout.symbol_y + row * step
        for start, length in _runs(dark):
            x = layout.symbol_x + start * step
            draw.rectangle((x, y, x + length * step - 1, y + step - 1), fill=0)
    centre = layout.size.pixels[0] / 2
    for line in layout.lines:
        draw.text((centre, line.baseline), line.text, fill=0, font=_font(line.font_size), anchor="ms")
    return image


def label_svg(layout: LabelLayout) -> str:
    """The label as an SVG document: millimetres outside, printer dots inside (the same layout as the PNG)."""
    width, height = layout.size.pixels
    step = layout.module_dots
    path = "".join(
        f"M{layout.symbol_x + start * step},{layout.symbol_y + row * step}h{length * step}v{step}h-{length * step}z"
        for row, dark in enumerate(layout.modules)
        for start, length in _runs(dark)
    )
    texts = "".join(
        f'<text x="{width / 2:g}" y="{line.baseline}" font-size="{line.font_size}"'
        f' font-family="DejaVu Sans, Arial, Helvetica, sans-serif" text-anchor="middle">{escape(line.text)}</text>'
        for line in layout.lines
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.size.width_mm:g}mm"'
        f' height="{layout.size.height_mm:g}mm" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<path d={quoteattr(path)} fill="#000" shape-rendering="crispEdges"/>{texts}</svg>\n'
    )


def _runs(dark: Sequence[bool]) -> list[tuple[int, int]]:
    """``(start, length)`` of each run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, is_dark in enumerate((*dark, False)):
        if is_dark and start is None:
            start = index
        elif not is_dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def save_images(images: Sequence[Image], path: Path, file_format: FileFormat, dpi: int) -> None:
    """Write images as a PNG (the first) or a PDF (one page each, sized by ``dpi``).

    :raises InputError: the file cannot be written.
    """
    try:
        if file_format == "pdf":
            # Black and white: Pillow stores greyscale PDF pages as JPEG, whose artefacts blur module edges.
            pages = [image.convert("1", dither=0) for image in images]
            pages[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
        else:
            images[0].save(path, "PNG", dpi=(dpi, dpi))
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def write_label(path: Path, layout: LabelLayout, file_format: FileFormat) -> None:
    """Write one label as PNG, SVG or PDF.

    :raises InputError: the file cannot be written.
    """
    if file_format == "svg":
        try:
            path.write_text(label_svg(layout), encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot write {path}: {error.strerror or error}") from None
        return
    save_images([draw_label(layout)], path, file_format, layout.size.dpi)
