"""Drawing one internal label (``barcode_plugins.images.labels``): sizes, layout, and PNG/SVG/PDF that read back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageDraw

from barcode_plugins import Engine, InputError
from barcode_plugins.images.labels import (
    MIN_MODULE_DOTS,
    LabelSize,
    draw_label,
    label_svg,
    layout_label,
    symbol_modules,
    write_label,
)
from barcode_plugins.images.reading import read_symbols

PAYLOAD = '{"stockitem": 42}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [("25x25", (25.0, 25.0)), ("62x29mm", (62.0, 29.0)), (" 50.8 X 25.4 ", (50.8, 25.4)), ("62×100", (62, 100))],
)
def test_label_size_parses_millimetres(text: str, expected: tuple[float, float]) -> None:
    size = LabelSize.parse(text)
    assert (size.width_mm, size.height_mm, size.dpi) == (*expected, 300)


@pytest.mark.parametrize("text", ["25", "x25", "25x", "axb", "5x25", "25x400", "-25x25"])
def test_label_size_refuses_what_is_not_a_label(text: str) -> None:
    with pytest.raises(InputError, match="label size"):
        LabelSize.parse(text)


def test_sizes_in_printer_dots() -> None:
    assert LabelSize().pixels == (295, 295)  # 25 mm at 300 dpi
    assert LabelSize(62, 29, 300).pixels == (732, 342)
    assert LabelSize(25, 25, 203).pixels == (199, 199)


@pytest.mark.parametrize("symbology", ["datamatrix", "qr"])
@pytest.mark.parametrize("size", ["25x25", "62x29", "40x20", "100x150"])
def test_layout_whole_dot_modules_inside_the_label_text_under_the_symbol(symbology: str, size: str) -> None:
    layout = layout_label(PAYLOAD, ["stockitem:42"], symbology=symbology, size=LabelSize.parse(size))  # type: ignore[arg-type]
    width, height = layout.size.pixels
    columns, rows = len(layout.modules[0]), len(layout.modules)
    assert layout.module_dots >= MIN_MODULE_DOTS
    assert layout.symbol_x >= 0 and layout.symbol_x + columns * layout.module_dots <= width
    assert layout.symbol_y >= 0 and layout.symbol_y + rows * layout.module_dots <= height
    (line,) = layout.lines
    assert layout.symbol_y + rows * layout.module_dots < line.baseline <= height
    assert line.text == "stockitem:42"


def test_the_symbol_is_square_datamatrix_or_qr() -> None:
    datamatrix, qr = symbol_modules(PAYLOAD, "datamatrix"), symbol_modules(PAYLOAD, "qr")
    assert len(datamatrix) == len(datamatrix[0]) and len(qr) == len(qr[0])
    assert datamatrix != qr


def test_a_long_line_is_shrunk_then_shortened_to_fit() -> None:
    layout = layout_label(PAYLOAD, ["stockitem:42", "X" * 200], size=LabelSize())
    short, long = layout.lines
    assert long.text.endswith("…") and len(long.text) < 200 and long.font_size < short.font_size
    image = draw_label(layout)
    ink_columns = [x for x in range(image.width) if image.getpixel((x, long.baseline - 2)) < 128]
    assert ink_columns and min(ink_columns) > 0 and max(ink_columns) < image.width - 1  # inside the label


def test_control_characters_in_text_are_shown_not_written() -> None:
    (line,) = layout_label(PAYLOAD, ["A\x1dB"]).lines
    assert line.text == "A␝B"


def test_a_label_too_small_for_its_symbol_is_refused() -> None:
    with pytest.raises(InputError, match="too small"):
        layout_label("x" * 400, ["stockitem:42"], size=LabelSize.parse("10x10"))


@pytest.mark.parametrize("symbology", ["datamatrix", "qr"])
def test_png_reads_back_to_the_item(tmp_path: Path, engine: Engine, symbology: str) -> None:
    path = tmp_path / "label.png"
    write_label(path, layout_label(PAYLOAD, ["stockitem:42"], symbology=symbology), "png")  # type: ignore[arg-type]
    with Image.open(path) as image:
        assert image.size == (295, 295) and round(image.info["dpi"][0]) == 300
    (result,) = engine.decode_image(path)
    assert result.barcode is not None and str(result.barcode.item) == "stockitem:42"


def test_pdf_is_one_page_of_the_label_size_and_reads_back(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "label.pdf"
    write_label(path, layout_label(PAYLOAD, ["stockitem:42"], size=LabelSize.parse("62x29")), "pdf")
    document = pypdfium2.PdfDocument(path)
    try:
        assert len(document) == 1
        width, height = document[0].get_size()
        assert (width * 25.4 / 72, height * 25.4 / 72) == pytest.approx((62, 29), abs=0.2)
    finally:
        document.close()
    (result,) = engine.decode_image(path)
    assert result.barcode is not None and str(result.barcode.item) == "stockitem:42"


def test_svg_in_millimetres_holds_the_same_symbol(tmp_path: Path) -> None:
    layout = layout_label(PAYLOAD, ["stockitem:42"])
    path = tmp_path / "label.svg"
    write_label(path, layout, "svg")
    root = ElementTree.parse(path).getroot()
    namespace = "{http://www.w3.org/2000/svg}"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("25mm", "25mm", "0 0 295 295")
    assert root.find(f"{namespace}text").text == "stockitem:42"  # type: ignore[union-attr]
    # Draw the path's rectangles as a printer would and read the symbol back.
    image = Image.new("L", (295, 295), 255)
    draw = ImageDraw.Draw(image)
    path_data = root.find(f"{namespace}path").get("d")  # type: ignore[union-attr]
    rectangles = re.findall(r"M(\d+),(\d+)h(\d+)v(\d+)h-\d+z", path_data or "")
    assert rectangles
    for x, y, width, height in (map(int, rectangle) for rectangle in rectangles):
        draw.rectangle((x, y, x + width - 1, y + height - 1), fill=0)
    assert image.tobytes() == draw_label(attrs_without_text(layout)).tobytes()
    assert [symbol.text for symbol in read_symbols(image)] == [PAYLOAD]


def attrs_without_text(layout: object) -> object:
    import attrs

    return attrs.evolve(layout, lines=())  # type: ignore[misc]


def test_svg_escapes_markup_in_text() -> None:
    svg = label_svg(layout_label(PAYLOAD, ["<a & b>"], size=LabelSize.parse("40x40")))
    assert "&lt;a &amp; b&gt;" in svg
    ElementTree.fromstring(svg)  # well-formed


def test_an_unwritable_file_is_an_input_error(tmp_path: Path) -> None:
    layout = layout_label(PAYLOAD, ["stockitem:42"])
    for file_format in ("png", "svg", "pdf"):
        with pytest.raises(InputError, match="cannot write"):
            write_label(tmp_path / "missing-dir" / f"label.{file_format}", layout, file_format)  # type: ignore[arg-type]
