"""Barcodes in pictures: reading every symbol in an image or PDF page, and drawing our internal labels.

Needs the ``images`` extra (``pip install 'barcode-plugins[images]'``: zxing-cpp, Pillow, pypdfium2). Importing
this package is cheap; the libraries are imported by the functions that use them, and a missing one raises
:class:`MissingDependency` naming the extra.

- :mod:`.reading`: ``read_symbols(source)`` finds every barcode in an image file, PDF or bytes;
  ``Engine.decode_image`` decodes what it finds.
- :mod:`.labels`: one internal label as PNG, SVG or PDF; :mod:`.sheets`: pages of labels as one PDF.
"""

from __future__ import annotations

from barcode_plugins.images.dependencies import EXTRA_INSTALL, MissingDependency
from barcode_plugins.images.symbols import ImageBarcode, Symbol

__all__ = ["EXTRA_INSTALL", "ImageBarcode", "MissingDependency", "Symbol"]
