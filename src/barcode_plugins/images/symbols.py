"""What reading an image gives: each symbol found, where it is, and what it decodes to."""

from __future__ import annotations

import attrs

from barcode_plugins.errors import BarcodeError
from barcode_plugins.models import Decoded

Point = tuple[int, int]


@attrs.frozen
class Symbol:
    """One barcode found in an image.

    :ivar source: the file name as given (``"<bytes>"`` or ``"<image>"`` for data passed in memory).
    :ivar page: 1-based page of a PDF or frame of a multi-frame image; 1 for a plain picture.
    :ivar format: zxing-cpp's name of the symbology: ``DataMatrix``, ``QRCode``, ``Code128``, ...
    :ivar position: the symbol's corners in pixels of the page image (PDF pages at the rendering dpi), in the
        symbol's own reading order: top-left, top-right, bottom-right, bottom-left as the symbol is printed.
    :ivar orientation: the symbol's rotation in degrees, as zxing-cpp measures it.
    :ivar text: the symbol's exact content, control characters (GS, RS, EOT) included.
    """

    source: str
    page: int
    format: str
    position: tuple[Point, Point, Point, Point]
    orientation: int
    text: str


@attrs.frozen
class ImageBarcode:
    """A symbol and what the engine made of its text: ``barcode`` when it decoded, ``error`` when it did not
    (a :class:`BarcodeError` subclass, e.g. :class:`AmbiguousBarcode`)."""

    symbol: Symbol
    barcode: Decoded | None = None
    error: BarcodeError | None = attrs.field(default=None, eq=False)
