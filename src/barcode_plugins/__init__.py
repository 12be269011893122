"""barcode-plugins: turn what a barcode scanner reads into inventory actions, through plugins.

The public API is what this module exports; everything else is an implementation detail.
``Engine`` is imported lazily so that plugins (which import ``hookimpl`` and the models from here) do not pull
in the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AlreadyLinked,
    AmbiguousBarcode,
    BarcodeError,
    EnvironmentFault,
    InputError,
    InternalBarcodeError,
    InvalidItemReference,
    NotFound,
    NotLinked,
    StoreError,
)
from .label_formats import LabelFormat
from .models import (
    Decoded,
    HistoryEntry,
    ItemRef,
    Link,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiveResult,
    ScanResult,
    StockItem,
)
from .plugins import hookimpl

if TYPE_CHECKING:
    from .engine import Engine

__all__ = [
    "AlreadyLinked",
    "AmbiguousBarcode",
    "BarcodeError",
    "Decoded",
    "Engine",
    "EnvironmentFault",
    "HistoryEntry",
    "InputError",
    "InternalBarcodeError",
    "InvalidItemReference",
    "ItemRef",
    "LabelFormat",
    "Link",
    "NotFound",
    "NotLinked",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReceiveResult",
    "ScanResult",
    "StockItem",
    "StoreError",
    "hookimpl",
]


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(f"module 'barcode_plugins' has no attribute {name!r}")
