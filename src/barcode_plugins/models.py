"""Values that cross module boundaries: attrs classes, and the one cattrs converter all JSON goes through.

The converter is built on first use (``converter()``) because importing cattrs costs more than the rest of a
``barcode-plugins decode`` run; human output never needs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

import attrs

from barcode_plugins.errors import InvalidItemReference

if TYPE_CHECKING:
    import cattrs

    from barcode_plugins.quantities import Quantity

Kind = Literal["supplier", "internal", "external"]

#: Every key of the decoded barcode's JSON form (docs/formats.md, "Decoded fields"), in contract order.
CONTRACT_KEYS: tuple[str, ...] = (
    "plugin", "kind", "supplier", "supplier_part_number", "manufacturer_part_number", "manufacturer",
    "customer_part_number", "quantity", "purchase_order", "purchase_order_line", "supplier_order_number",
    "packing_list_number", "invoice_number", "ship_date", "date_code", "lot_code", "serial_number",
    "country_of_origin", "fields", "barcode_hash", "raw",
)  # fmt: skip


def __getattr__(name: str) -> Any:
    # ``Quantity`` (int | Decimal) is importable from here, but only on demand: decimal costs 4 ms of the
    # decode cold start, which never needs it.
    if name == "Quantity":
        from barcode_plugins.quantities import Quantity

        return Quantity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Item types the core knows; others are accepted if they are a plain lowercase word.
KNOWN_ITEM_TYPES = ("stockitem", "part", "supplierpart", "purchaseorder", "location")
_ITEM_TYPE = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
_ITEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}\Z")


@attrs.frozen(order=True)
class ItemRef:
    """A reference to an inventory item, written ``TYPE:ID`` (``stockitem:42``, ``purchaseorder:PO-0012``)."""

    type: str
    id: str

    @classmethod
    def parse(cls, text: str) -> ItemRef:
        """Parse ``TYPE:ID``; raises :class:`InvalidItemReference` with a message that says what is wrong."""
        if not isinstance(text, str):
            raise InvalidItemReference(f"item reference must be text like 'stockitem:42', got {type(text).__name__}")
        type_, sep, id_ = text.strip().partition(":")
        type_ = type_.lower()
        if not sep or not type_ or not id_:
            raise InvalidItemReference(f"item reference {text[:60]!r} is not TYPE:ID, e.g. 'stockitem:42'")
        return cls.create(type_, id_)

    @classmethod
    def create(cls, type_: str, id_: object) -> ItemRef:
        """Build a validated reference from a type name and an id (an int or text)."""
        if isinstance(id_, bool) or not isinstance(id_, (int, str)):
            raise InvalidItemReference(f"item id must be an integer or text, got {type(id_).__name__}")
        id_text = str(id_).strip()
        if not _ITEM_TYPE.match(type_ or ""):
            raise InvalidItemReference(f"item type {str(type_)[:40]!r} is not a lowercase word such as 'stockitem'")
        if not _ITEM_ID.match(id_text):
            raise InvalidItemReference(
                f"item id {id_text[:40]!r} is not valid: letters, digits and . _ - / only, at most 64 characters"
            )
        if type_ != "purchaseorder" and type_ in KNOWN_ITEM_TYPES and not id_text.isdigit():
            raise InvalidItemReference(f"{type_} ids are integers, got {id_text[:40]!r}")
        return cls(type_, id_text)

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


@attrs.frozen
class Decoded:
    """A decoded barcode: every key of the contract, null where the label does not carry it.

    Decoders return it with ``raw`` and ``barcode_hash`` left empty; the engine fills both (and ``plugin``) so
    that identity never depends on which plugin answered.
    """

    plugin: str | None
    kind: Kind
    supplier: str | None = None
    supplier_part_number: str | None = None
    manufacturer_part_number: str | None = None
    manufacturer: str | None = None
    customer_part_number: str | None = None
    quantity: Quantity | None = None
    purchase_order: str | None = None
    purchase_order_line: str | None = None
    supplier_order_number: str | None = None
    packing_list_number: str | None = None
    invoice_number: str | None = None
    ship_date: str | None = None
    date_code: str | None = None
    lot_code: str | None = None
    serial_number: str | None = None
    country_of_origin: str | None = None
    fields: Mapping[str, str] = attrs.field(factory=dict)
    barcode_hash: str = ""
    raw: str = ""
    item: ItemRef | None = None

    @classmethod
    def external(cls, raw: str, barcode_hash: str) -> Decoded:
        """What text no plugin claims decodes to."""
        return cls(plugin=None, kind="external", barcode_hash=barcode_hash, raw=raw)

    def identified(self, plugin: str | None, raw: str, barcode_hash: str) -> Decoded:
        """A copy with the engine's identity fields set: ``attrs.evolve`` with these three, at less than half its
        cost (it runs once per scan: 4.0 -> 1.8 us, a tenth of decoding a clean label)."""
        if type(self) is not Decoded:  # a plugin's subclass keeps its class and its own fields
            return attrs.evolve(self, plugin=plugin, raw=raw, barcode_hash=barcode_hash)
        values = list(_decoded_values(self))
        values[_PLUGIN], values[_RAW], values[_BARCODE_HASH] = plugin, raw, barcode_hash
        return Decoded(*values)


# Every field of Decoded in declaration order, read in one C call (what ``identified`` copies by position).
_DECODED_FIELDS = tuple(field.name for field in attrs.fields(Decoded))
_decoded_values = attrgetter(*_DECODED_FIELDS)
_PLUGIN, _RAW, _BARCODE_HASH = map(_DECODED_FIELDS.index, ("plugin", "raw", "barcode_hash"))


@attrs.frozen
class Link:
    """An external barcode linked to an item; ``link_key`` is the identity (normally the barcode hash)."""

    link_key: str
    item: ItemRef
    raw: str
    plugin: str | None
    created_at: str


PoStatus = Literal["pending", "placed", "complete", "cancelled"]
PO_STATUSES: tuple[str, ...] = ("pending", "placed", "complete", "cancelled")


@attrs.frozen
class PurchaseOrderLine:
    """One line of a purchase order; ``received`` is the sum of its receipts."""

    purchase_order: str
    line: int
    sku: str | None = None
    mpn: str | None = None
    manufacturer: str | None = None
    quantity: Quantity = 0
    received: Quantity = 0
    destination: str | None = None

    @property
    def outstanding(self) -> Quantity:
        """What is still to come (never negative)."""
        return _whole(max(self.quantity - self.received, 0))

    @property
    def over_received(self) -> Quantity:
        """What was received beyond the ordered quantity (an allowed over-receipt; else 0)."""
        return _whole(max(self.received - self.quantity, 0))


def _whole(quantity: Quantity) -> Quantity:
    if type(quantity) is int:  # most quantities: no import on a path matching runs for every open line
        return quantity
    from barcode_plugins.quantities import whole_as_int  # lazy: decimal costs the decode cold start 4 ms

    return whole_as_int(quantity)


@attrs.frozen
class PurchaseOrder:
    """A purchase order with its lines. ``supplier`` is a plugin name (``digikey``) or any vendor name."""

    reference: str
    supplier: str
    supplier_reference: str | None = None
    status: PoStatus = "placed"
    lines: tuple[PurchaseOrderLine, ...] = ()


@attrs.frozen
class StockItem:
    """Stock created by a receipt (or known to the store)."""

    id: int
    quantity: Quantity
    sku: str | None = None
    mpn: str | None = None
    manufacturer: str | None = None
    location: str | None = None
    lot_code: str | None = None
    date_code: str | None = None
    country_of_origin: str | None = None
    purchase_order: str | None = None
    line: int | None = None
    barcode_hash: str | None = None
    created_at: str | None = None

    @property
    def ref(self) -> ItemRef:
        """This stock item as an item reference."""
        return ItemRef("stockitem", str(self.id))


@attrs.frozen
class Receipt:
    """One received label: which line it was booked against and the stock it created."""

    id: int
    barcode_hash: str
    purchase_order: str
    line: int
    quantity: Quantity
    stock_item: int | None
    location: str | None
    at: str


@attrs.frozen
class HistoryEntry:
    """One row of the scan and receive log."""

    id: int
    at: str
    action: str
    status: str
    raw: str
    barcode_hash: str | None = None
    plugin: str | None = None
    item: ItemRef | None = None
    purchase_order: str | None = None
    line: int | None = None
    quantity: Quantity | None = None
    message: str | None = None
    #: Why a failed scan failed (stored for failed scans only; read by ``Engine.history_entry``).
    explanation: Explanation | None = None


@attrs.frozen
class ScanResult:
    """What a scan refers to: the decoded barcode and whatever the store knows about it."""

    barcode: Decoded
    item: ItemRef | None = None
    link: Link | None = None
    stock_item: StockItem | None = None
    po_lines: tuple[PurchaseOrderLine, ...] = ()
    message: str = ""
    #: How the scan was read and resolved; only with ``Engine.scan(raw, explain=True)``.
    explanation: Explanation | None = None
    #: Set when the scan answered but could not be logged (e.g. the store is read-only).
    warning: str | None = None


ReceiveStatus = Literal[
    "received",
    "already_received",
    "over_receipt",
    "no_match",
    "ambiguous",
    "needs_quantity",
    "not_recognised",
    "error",
    "undone",
]


@attrs.frozen
class ReceiveResult:
    """The outcome of one scan at the receiving bench (contract keys of ``receive --json``)."""

    status: ReceiveStatus
    message: str
    purchase_order: str | None = None
    line: int | None = None
    quantity: Quantity | None = None
    outstanding: Quantity | None = None
    stock_item: int | None = None
    barcode: Decoded | None = None
    candidates: tuple[str, ...] = ()
    history_id: int | None = None
    #: The item the stock went into (``stockitem:N``, or a host's own reference such as ``erp_stock:991``).
    item: ItemRef | None = None
    #: How the label was read and matched; only with ``Engine.receive(raw, explain=True)``.
    explanation: Explanation | None = None


@attrs.frozen
class HookFailure:
    """A plugin that raised while loading or inside a hook, kept so ``plugins`` can show it."""

    plugin: str | None
    hook: str
    error: str
    input: str | None = None


@attrs.frozen
class PluginInfo:
    """A row of ``barcode-plugins plugins``."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    status: Literal["loaded", "failed", "blocked"]
    builtin: bool
    error: str | None = None


DecoderVerdictKind = Literal["claimed", "declined", "not_its_shape", "failed", "refused", "not_asked"]


@attrs.frozen
class DecoderVerdict:
    """What one decoder said about the scan.

    ``claimed`` (it decoded it), ``declined`` (an ECIA label, but not this decoder's), ``not_its_shape`` (not a
    format it reads), ``failed`` (it raised: a bug, ``detail`` says what), ``refused`` (it raised a deliberate
    error: its format, but invalid), ``not_asked`` (a fallback, skipped because a specific decoder claimed it).
    """

    plugin: str
    verdict: DecoderVerdictKind
    detail: str = ""


@attrs.frozen
class LineVerdict:
    """One purchase-order line the label could be about, and why it was kept or rejected."""

    purchase_order: str
    line: int
    kept: bool
    reason: str


@attrs.frozen
class Explanation:
    """How a scan was read and resolved. ``reason`` is the one sentence a person at the station acts on."""

    reason: str
    #: What normalisation repaired (``control-pictures``, ``caret-notation``, ``layout-qwertz``,
    #: ``dropped-separators``, ...).
    repairs: tuple[str, ...] = ()
    #: How many readings the scan has (more than 1: separators were lost and the text reads several ways).
    readings: int = 1
    decoders: tuple[DecoderVerdict, ...] = ()
    #: Every order line considered (receiving and supplier labels only).
    lines: tuple[LineVerdict, ...] = ()


_converter: cattrs.Converter | None = None


def converter() -> cattrs.Converter:
    """The one converter: attrs values <-> JSON-ready builtins. Item references travel as ``TYPE:ID`` text;
    quantities as JSON numbers (ints when whole)."""
    global _converter
    if _converter is None:
        from decimal import Decimal

        import cattrs  # lazy: the biggest import on the decode path, needed only for JSON

        from barcode_plugins.quantities import Quantity, to_json

        # The annotations are strings, and ``Quantity`` is not a runtime global here.
        names = {"Quantity": Quantity}
        for cls in (Decoded, PurchaseOrderLine, StockItem, Receipt, HistoryEntry, ScanResult, ReceiveResult):
            attrs.resolve_types(cls, localns=names)
        made = cattrs.Converter()
        made.register_unstructure_hook(ItemRef, str)
        made.register_structure_hook(ItemRef, lambda value, _: ItemRef.parse(value))
        made.register_unstructure_hook(Decimal, to_json)
        made.register_structure_hook(Quantity, lambda value, _: _number(value))
        made.register_structure_hook(Quantity | None, lambda value, _: None if value is None else _number(value))
        made.register_unstructure_hook(PurchaseOrderLine, _unstructure_line)
        _converter = made
    return _converter


def _number(value: object) -> Quantity:
    from barcode_plugins.quantities import QuantityError, exact

    try:
        return exact(value)
    except QuantityError as error:
        raise ValueError(error.message) from None


def _unstructure_line(line: PurchaseOrderLine) -> dict[str, Any]:
    # ``outstanding`` and ``over_received`` are derived, but a reader of the JSON wants them next to quantity.
    from barcode_plugins.quantities import to_json

    out = attrs.asdict(line)
    for name in ("quantity", "received", "outstanding", "over_received"):
        out[name] = to_json(getattr(line, name))
    return out


def to_json(value: object, **kwargs: Any) -> str:
    """Serialise an attrs value (or a list of them) through the converter."""
    return json.dumps(converter().unstructure(value), ensure_ascii=False, **kwargs)


def unstructure(value: object) -> Any:
    """Turn an attrs value into JSON-ready builtins through the converter."""
    return converter().unstructure(value)


def structure(data: Any, cls: type[Any]) -> Any:
    """Build an attrs value from JSON-ready builtins through the converter."""
    return converter().structure(data, cls)
