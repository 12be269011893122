"""Finding every barcode in a picture or a PDF with zxing-cpp.

A source is a file (PNG, JPEG, TIFF, anything Pillow opens, or a PDF), its bytes, or a Pillow image. PDF pages are
rendered at :data:`PDF_DPI`, 300 dpi: measured on DataMatrix codes printed into a PDF, modules of 0.21 mm all read
at 300 dpi and one in three at 200 dpi; 0.25 mm modules read from 200 dpi, none at 150. An A4 page at 300 dpi is
8.7 megapixels. Frames of a multi-frame image (TIFF, GIF) are pages too.

zxing-cpp is asked for the symbol's plain text (``TextMode.Plain``): the bytes the label holds, with real GS, RS
and EOT, and an ECIA envelope's header rebuilt from a DataMatrix "macro 06" codeword. That is what a keyboard-wedge
scanner types, so a label read from a photo has the same barcode hash as the same label scanned.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from barcode_plugins.errors import BarcodeError, InputError
from barcode_plugins.images import dependencies
from barcode_plugins.images.symbols import ImageBarcode, Symbol

if TYPE_CHECKING:
    from PIL.Image import Image

    from barcode_plugins.decoder import Decoder

#: Resolution PDF pages are rendered at for reading.
PDF_DPI = 300
_PDF_MAGIC = b"%PDF-"

ImageSource = str | os.PathLike[str] | bytes | Any  # Any: a ``PIL.Image.Image``


def read_symbols(source: ImageSource, *, pdf_dpi: int = PDF_DPI) -> list[Symbol]:
    """Every barcode in ``source``, page by page, top to bottom then left to right.

    :param source: a path, the file's bytes, or a Pillow image.
    :param pdf_dpi: the resolution PDF pages are rendered at.
    :raises InputError: the file cannot be read or is neither an image nor a PDF.
    :raises MissingDependency: the ``images`` extra is not installed.
    """
    zxingcpp = dependencies.zxingcpp()
    name = _name(source)
    symbols: list[Symbol] = []
    for page, image in _pages(source, name, pdf_dpi):
        found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
        page_symbols = _without_phantoms([_symbol(name, page, barcode) for barcode in found])
        page_symbols.sort(key=lambda symbol: (min(y for _, y in symbol.position), min(x for x, _ in symbol.position)))
        symbols.extend(page_symbols)
    return symbols


def decode_symbols(decoder: Decoder, source: ImageSource, *, pdf_dpi: int = PDF_DPI) -> list[ImageBarcode]:
    """Read every symbol in ``source`` and decode each one's text with ``decoder`` (no store is opened; see
    :meth:`barcode_plugins.engine.Engine.decode_image`)."""
    results: list[ImageBarcode] = []
    for symbol in read_symbols(source, pdf_dpi=pdf_dpi):
        try:
            results.append(ImageBarcode(symbol, decoder.decode(symbol.text)))
        except BarcodeError as error:
            results.append(ImageBarcode(symbol, None, error))
    return results


#: Two-dimensional symbologies: a linear code read inside one of them is a pattern of its modules, not a label.
_MATRIX_FORMATS = frozenset(("QRCode", "MicroQRCode", "RMQRCode", "DataMatrix", "Aztec", "PDF417", "MaxiCode"))


def _without_phantoms(symbols: list[Symbol]) -> list[Symbol]:
    """Drop linear symbols whose centre lies inside a matrix symbol of the same page.

    zxing-cpp sometimes reads a short ITF or Codabar code in the module pattern of a QR code (for example ``0393``
    inside a Digi-Key label's QR code); no real linear barcode can be printed inside another symbol.
    """
    matrices = [symbol.position for symbol in symbols if symbol.format in _MATRIX_FORMATS]
    if not matrices:
        return symbols
    return [
        symbol
        for symbol in symbols
        if symbol.format in _MATRIX_FORMATS or not any(_inside(_centre(symbol.position), quad) for quad in matrices)
    ]


def _centre(corners: tuple[tuple[int, int], ...]) -> tuple[float, float]:
    return sum(x for x, _ in corners) / len(corners), sum(y for _, y in corners) / len(corners)


def _inside(point: tuple[float, float], corners: tuple[tuple[int, int], ...]) -> bool:
    """Whether ``point`` is inside the convex quadrilateral ``corners`` (either winding)."""
    px, py = point
    signs = set()
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        cross = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1)
        if cross:
            signs.add(cross > 0)
    return len(signs) == 1


def _name(source: ImageSource) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return "<bytes>" if isinstance(source, (bytes, bytearray)) else "<image>"


def _symbol(name: str, page: int, barcode: Any) -> Symbol:
    position = barcode.position
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return Symbol(
        source=name,
        page=page,
        format=barcode.format.name,
        position=tuple((point.x, point.y) for point in corners),  # type: ignore[arg-type]
        orientation=barcode.orientation,
        text=barcode.text,
    )


def _pages(source: ImageSource, name: str, pdf_dpi: int) -> Iterator[tuple[int, Image]]:
    image_module = dependencies.pillow()
    if isinstance(source, image_module.Image):
        yield 1, _readable(source)
        return
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as error:
            raise InputError(f"cannot read {name}: {error.strerror or error}") from None
    if data.startswith(_PDF_MAGIC):
        yield from _pdf_pages(data, name, pdf_dpi)
    else:
        yield from _image_frames(image_module, data, name)


def _image_frames(image_module: Any, data: bytes, name: str) -> Iterator[tuple[int, Image]]:
    from PIL import ImageSequence

    try:
        image = image_module.open(io.BytesIO(data))
        image.load()
    except image_module.DecompressionBombError:
        raise InputError(f"cannot read {name}: the image is too large to decode safely") from None
    except image_module.UnidentifiedImageError:
        raise InputError(f"cannot read {name}: not an image or PDF") from None
    except (OSError, SyntaxError, ValueError) as error:  # a damaged file of a known format
        raise InputError(f"cannot read {name}: damaged image ({error})") from None
    with image:
        for index, frame in enumerate(ImageSequence.Iterator(image), start=1):
            try:
                yield index, _readable(frame)
            except (OSError, ValueError) as error:  # a truncated later frame
                raise InputError(f"cannot read {name} frame {index}: {error}") from None


def _readable(image: Image) -> Image:
    """Grey levels, upright as the camera meant it, transparency flattened onto white (zxing-cpp reads luminance,
    and a transparent PNG's hidden pixels are often black)."""
    from PIL import Image, ImageOps

    upright = ImageOps.exif_transpose(image) or image
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        white = Image.new("RGBA", upright.size, (255, 255, 255, 255))
        white.alpha_composite(upright.convert("RGBA"))
        upright = white
    return upright if upright.mode == "L" else upright.convert("L")


def _pdf_pages(data: bytes, name: str, dpi: int) -> Iterator[tuple[int, Image]]:
    pdfium = dependencies.pdfium()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise InputError(f"cannot read {name}: not a PDF that can be opened ({error})") from None
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                yield index + 1, bitmap.to_pil().convert("L")
            finally:
                page.close()
    finally:
        document.close()
