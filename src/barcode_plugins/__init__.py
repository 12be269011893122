"""barcode-plugins: turn what a barcode scanner reads into inventory actions, through plugins.

The public API is what this module exports; everything else is an implementation detail.
``Engine`` and ``Decoder`` are imported lazily so that plugins (which import ``hookimpl`` and the models from here)
do not pull in the engine; ``Decoder`` decodes without a store, ``Engine`` composes one with the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from barcode_plugins.errors import (
    AlreadyLinked,
    AmbiguousBarcode,
    BarcodeError,
    EnvironmentFault,
    InputError,
    InternalBarcodeError,
    InvalidItemReference,
    ListenerRefused,
    NotFound,
    NotLinked,
    ReentrantCall,
    StoreError,
)
from barcode_plugins.formats.label_formats import LabelFormat
from barcode_plugins.hooks.examples import Example
from barcode_plugins.hooks.hookspecs import hookimpl
from barcode_plugins.models import (
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

if TYPE_CHECKING:
    from barcode_plugins.decoder import Decoder
    from barcode_plugins.engine import Engine
    from barcode_plugins.hooks.types import Event, Transaction

__all__ = [
    "AlreadyLinked",
    "AmbiguousBarcode",
    "BarcodeError",
    "Decoded",
    "Decoder",
    "Engine",
    "EnvironmentFault",
    "Event",
    "Example",
    "HistoryEntry",
    "InputError",
    "InternalBarcodeError",
    "InvalidItemReference",
    "ItemRef",
    "LabelFormat",
    "Link",
    "ListenerRefused",
    "NotFound",
    "NotLinked",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReceiveResult",
    "ReentrantCall",
    "ScanResult",
    "StockItem",
    "StoreError",
    "Transaction",
    "hookimpl",
]


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from barcode_plugins.engine import Engine

        return Engine
    if name == "Decoder":
        from barcode_plugins.decoder import Decoder

        return Decoder
    if name == "Event":  # lazy too: only hosts that listen to events need it
        from barcode_plugins.hooks.types import Event

        return Event
    if name == "Transaction":
        from barcode_plugins.hooks.types import Transaction

        return Transaction
    raise AttributeError(f"module 'barcode_plugins' has no attribute {name!r}")
