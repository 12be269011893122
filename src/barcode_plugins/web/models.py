"""Request and response bodies of the HTTP API, as attrs classes: Litestar validates requests against them and
builds the OpenAPI document from them.

Responses are produced by the core's one cattrs converter (so the JSON keys are exactly those of ``--json``); the
response classes here describe that JSON for the OpenAPI document and are checked against it by the tests.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
import msgspec
from litestar.datastructures import UploadFile

from barcode_plugins.engine import MAX_SCAN_LENGTH

#: A scan as sent over HTTP: non-empty text, at most as long as the engine accepts.
Scan = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SCAN_LENGTH)]
#: A short free-text value (item reference, order reference, location).
Short = Annotated[str, msgspec.Meta(max_length=200)]
#: An InvenTree-style primary key: an integer or, for our purchase orders, their reference.
Pk = int | Short
#: A quantity in a response: a JSON number (an integer where it is whole, as the CLI prints it).
Number = float


# -- requests ----------------------------------------------------------------------------------------------------
@attrs.define
class BarcodeRequest:
    """``{"barcode": ...}``: decode and scan. ``explain``: the engine's explanation of the outcome always (true),
    never (false) or only when the scan fails (absent)."""

    barcode: Scan
    explain: bool | None = None


@attrs.define(kw_only=True)
class ItemKeys:
    """An item: ours is ``item: "stockitem:5"``; InvenTree's model keys (``stockitem: 5``, ``part``,
    ``supplierpart``, ``purchaseorder``, ``location``) are accepted too. At most one may be given."""

    item: Short | None = None
    stockitem: Pk | None = None
    part: Pk | None = None
    supplierpart: Pk | None = None
    purchaseorder: Pk | None = None
    location: Pk | None = None


@attrs.define(kw_only=True)
class LinkRequest(ItemKeys):
    """Link a barcode to an item (exactly one of the item keys)."""

    barcode: Scan


@attrs.define(kw_only=True)
class UnlinkRequest(ItemKeys):
    """Remove one barcode's link (``barcode``) or every link of an item (one of the item keys)."""

    barcode: Scan | None = None


@attrs.define
class ReceiveRequest:
    """Receive a label against its purchase-order line (``receive``'s options; ``explain`` as for a scan)."""

    barcode: Scan
    purchase_order: Pk | None = None
    location: Pk | None = None
    quantity: Annotated[int, msgspec.Meta(gt=0, le=10**12)] | Annotated[float, msgspec.Meta(gt=0, le=1e12)] | None = (
        None
    )
    allow_over: bool = False
    explain: bool | None = None
    another: bool = False


@attrs.define
class UndoRequest:
    """Undo a receipt: by the label scanned again (``barcode``), its ``barcode_hash`` or the receipt's history id."""

    barcode: Scan | None = None
    barcode_hash: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    history_id: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None


@attrs.define
class ImageUpload:
    """A picture or PDF sent as ``multipart/form-data`` in the field ``image``."""

    image: UploadFile


@attrs.define
class PurchaseOrderImport:
    """Purchase orders to import (idempotent by reference): ``orders`` in the JSON file form, or ``csv`` text."""

    orders: list[dict[str, Any]] | None = None
    csv: Annotated[str, msgspec.Meta(max_length=4_000_000)] | None = None


# -- responses ---------------------------------------------------------------------------------------------------
@attrs.define
class DecodedOut:
    """A decoded barcode: the contract's keys."""

    plugin: str | None
    kind: str
    supplier: str | None
    supplier_part_number: str | None
    manufacturer_part_number: str | None
    manufacturer: str | None
    customer_part_number: str | None
    quantity: Number | None
    purchase_order: str | None
    purchase_order_line: str | None
    supplier_order_number: str | None
    packing_list_number: str | None
    invoice_number: str | None
    ship_date: str | None
    date_code: str | None
    lot_code: str | None
    serial_number: str | None
    country_of_origin: str | None
    fields: dict[str, str]
    barcode_hash: str
    raw: str
    item: str | None = None


@attrs.define
class LinkOut:
    """A link: the key it is stored under and the item (``TYPE:ID``)."""

    link_key: str
    item: str
    raw: str
    plugin: str | None
    created_at: str


@attrs.define
class LineOut:
    """A purchase-order line with what was received and what is outstanding."""

    purchase_order: str
    line: int
    sku: str | None
    mpn: str | None
    manufacturer: str | None
    quantity: Number
    received: Number
    destination: str | None
    outstanding: Number


@attrs.define
class StockItemOut:
    """Stock created by a receipt."""

    id: int
    quantity: Number
    sku: str | None
    mpn: str | None
    manufacturer: str | None
    location: str | None
    lot_code: str | None
    date_code: str | None
    country_of_origin: str | None
    purchase_order: str | None
    line: int | None
    barcode_hash: str | None
    created_at: str | None


@attrs.define
class ModelPk:
    """InvenTree's form of a matched object."""

    pk: int | str


@attrs.define
class ScanOut:
    """What a scan refers to (``scan --json``), plus InvenTree's keys: ``success`` or ``error``, ``barcode_data``,
    ``barcode_hash``, ``plugin`` and the matched model (``stockitem: {"pk": 5}``...)."""

    barcode: DecodedOut
    item: str | None
    link: LinkOut | None
    stock_item: StockItemOut | None
    po_lines: list[LineOut]
    message: str
    plugin: str | None
    barcode_data: str
    barcode_hash: str
    success: str | None = None
    error: str | None = None
    stockitem: ModelPk | None = None
    part: ModelPk | None = None
    supplierpart: ModelPk | None = None
    purchaseorder: ModelPk | None = None
    location: ModelPk | None = None
    explanation: Any = None


@attrs.define
class LinkResultOut:
    """A link made (or removed): ``links`` lists them; ``success`` is InvenTree's message."""

    success: str
    links: list[LinkOut]
    barcode_data: str | None = None
    barcode_hash: str | None = None


@attrs.define
class ReceiveOut:
    """A receive outcome (``receive --json``): ``status`` names it; refusals add ``error``, receipts ``success``."""

    status: str
    message: str
    purchase_order: str | None
    line: int | None
    quantity: Number | None
    outstanding: Number | None
    stock_item: int | None
    barcode: DecodedOut | None
    candidates: list[str]
    history_id: int | None
    success: str | None = None
    error: str | None = None
    explanation: Any = None


@attrs.define
class ImageSymbolOut:
    """One barcode found in an uploaded picture: where it is, its exact text, and ``barcode`` (what it decodes to)
    or ``error`` (why its text does not decode)."""

    source: str
    page: int
    format: str
    position: list[list[int]]
    orientation: int
    text: str
    barcode: DecodedOut | None = None
    error: str | None = None


@attrs.define
class ImageOut:
    """Every barcode found in an uploaded picture or PDF, page by page, top to bottom then left to right."""

    symbols: list[ImageSymbolOut]


@attrs.define
class HistoryOut:
    """One row of the scan and receive log."""

    id: int
    at: str
    action: str
    status: str
    raw: str
    barcode_hash: str | None
    plugin: str | None
    item: str | None
    purchase_order: str | None
    line: int | None
    quantity: Number | None
    message: str | None
    explanation: Any = None


@attrs.define
class PurchaseOrderOut:
    """A purchase order with its lines."""

    reference: str
    supplier: str
    supplier_reference: str | None
    status: str
    lines: list[LineOut]


@attrs.define
class PluginOut:
    """A plugin: where it comes from, which hooks it implements, whether it loaded."""

    name: str
    distribution: str | None
    version: str | None
    hooks: list[str]
    status: str
    builtin: bool
    error: str | None


@attrs.define
class HealthOut:
    """The server is up and its store answers."""

    status: str
    version: str
    schema_version: int
    open_reads: bool


@attrs.define
class ErrorOut:
    """Every error: ``error`` is the one-line message (InvenTree's key); ``detail`` repeats it, ``status_code`` is
    the HTTP status, ``extra`` holds validation details where there are any."""

    status_code: int
    detail: str
    error: str
    extra: Any = None
