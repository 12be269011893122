"""The optional libraries of the ``images`` extra, imported on demand with a message that says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from barcode_plugins.errors import InputError

EXTRA_INSTALL = "pip install 'barcode-plugins[images]'"


class MissingDependency(InputError):
    """A library of the ``images`` extra is not installed (exit code 2, like any unusable request)."""


def _load(module: str, distribution: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependency(f"{purpose} needs {distribution}, which is not installed: {EXTRA_INSTALL}") from None


def zxingcpp() -> ModuleType:
    """The zxing-cpp module (reads and writes the symbols)."""
    return _load("zxingcpp", "zxing-cpp", "reading or drawing barcode images")


def pillow() -> ModuleType:
    """Pillow's ``PIL.Image`` module (opens and draws images)."""
    return _load("PIL.Image", "Pillow", "reading or drawing barcode images")


def pdfium() -> ModuleType:
    """The pypdfium2 module (renders PDF pages)."""
    return _load("pypdfium2", "pypdfium2", "reading barcodes from PDF files")


def require_all() -> None:
    """Check up front that zxing-cpp and Pillow are there, before a command does work it would have to abandon."""
    zxingcpp()
    pillow()
