"""The Litestar application: the barcode API under ``/api/``, the OpenAPI document, the station page at ``/``.

Handlers are synchronous and run in Litestar's worker threads; each reaches the shared engine through
:class:`~barcode_plugins.web.station.Station`. JSON responses go through the core's cattrs converter, so their
keys are exactly those of the CLI's ``--json``.
"""

from __future__ import annotations

import threading
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio.to_thread
import attrs
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import ResponseHeader, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File
from litestar.static_files import create_static_files_router

from barcode_plugins.engine import Engine
from barcode_plugins.errors import (
    AlreadyLinked,
    AmbiguousBarcode,
    BarcodeError,
    EnvironmentFault,
    InputError,
    NotFound,
    NotLinked,
    StoreError,
)
from barcode_plugins.images.dependencies import MissingDependency
from barcode_plugins.models import KNOWN_ITEM_TYPES, ItemRef, ReceiveResult, ScanResult, unstructure
from barcode_plugins.web.errors import error_response, handle_exception, handle_http_exception
from barcode_plugins.web.models import (
    BarcodeRequest,
    DecodedOut,
    ErrorOut,
    HealthOut,
    HistoryOut,
    ImageOut,
    ImageUpload,
    ItemKeys,
    LinkRequest,
    LinkResultOut,
    PluginOut,
    PurchaseOrderImport,
    PurchaseOrderOut,
    ReceiveOut,
    ReceiveRequest,
    ScanOut,
    UndoRequest,
    UnlinkRequest,
)
from barcode_plugins.web.station import Station, explanation_of
from barcode_plugins.web.tokens import token_from_header

STATIC = Path(__file__).parent / "static"
#: The largest request body accepted (a scan is at most 8 KiB; JSON adds little). Orders may be imported in bulk.
MAX_BODY_BYTES = 64 * 1024
MAX_IMPORT_BYTES = 8 * 1024 * 1024
#: The largest picture or PDF accepted by ``/api/barcode/image/`` (a 12-megapixel phone JPEG is 3-8 MB).
MAX_IMAGE_BYTES = 20 * 1024 * 1024
#: Pictures decoded at the same time: each takes a core and up to a few hundred MB; more would only queue for CPU.
_IMAGE_SLOTS = threading.BoundedSemaphore(2)

#: HTTP status per receive outcome (documented in docs/http.md).
RECEIVE_STATUS = {
    "received": 200,
    "undone": 200,
    "already_received": 409,
    "over_receipt": 422,
    "no_match": 404,
    "needs_quantity": 428,
    "ambiguous": 400,
    "not_recognised": 400,
    "error": 400,
}

_ERRORS = {
    401: ResponseSpec(ErrorOut, description="missing or invalid token"),
    413: ResponseSpec(ErrorOut, description="request body too large"),
    500: ResponseSpec(ErrorOut, description="internal error (no details are sent)"),
    503: ResponseSpec(ErrorOut, description="the store cannot be used (locked, read-only, disk full)"),
}
#: Sent with every response: the page loads only its own files and talks only to this server.
SECURITY_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value="default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
]
_BAD_REQUEST = ResponseSpec(ErrorOut, description="invalid request body or parameters")


def _responses(**extra: ResponseSpec) -> dict[int, ResponseSpec]:
    return {**_ERRORS, 400: _BAD_REQUEST, **{int(code[1:]): spec for code, spec in extra.items()}}


# -- access ------------------------------------------------------------------------------------------------------
def _station(connection: ASGIConnection[Any, Any, Any, Any]) -> Station:
    return connection.app.state.station  # type: ignore[no-any-return]


async def _check_token(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    token = token_from_header(connection.headers.get("authorization"))
    if token is None:
        raise NotAuthorizedException("this needs a token: send 'Authorization: Token <token>'")
    # In a worker thread: the lookup waits for the engine's lock, and the event loop must not wait with it.
    if not await anyio.to_thread.run_sync(_station(connection).token_is_valid, token):
        raise NotAuthorizedException("invalid or revoked token")


async def writer(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of every route that changes the store: a live token is required."""
    await _check_token(connection)


async def reader(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the read routes: open with ``serve --open-reads``, otherwise a token is required."""
    if not _station(connection).open_reads:
        await _check_token(connection)


_READ = {"guards": [reader], "security": [{"token": []}], "sync_to_thread": True}
_WRITE = {"guards": [writer], "security": [{"token": []}], "sync_to_thread": True}


# -- helpers -----------------------------------------------------------------------------------------------------
def _json(value: Any, status_code: int = 200) -> Response[Any]:
    return Response(value, status_code=status_code)


def _item_of(data: ItemKeys, *, required: bool) -> ItemRef | None:
    """Our ``item`` or exactly one of InvenTree's model keys."""
    given = [(name, getattr(data, name)) for name in KNOWN_ITEM_TYPES if getattr(data, name) is not None]
    if data.item is not None:
        given.insert(0, ("item", data.item))
    if len(given) > 1:
        raise InputError(f"give one item, got {', '.join(name for name, _ in given)}")
    if not given:
        if required:
            raise InputError(f"missing data: provide one of item, {', '.join(KNOWN_ITEM_TYPES)}")
        return None
    name, value = given[0]
    return ItemRef.parse(str(value)) if name == "item" else ItemRef.create(name, value)


def _scan_body(result: ScanResult, explanation: Any) -> dict[str, Any]:
    body: dict[str, Any] = unstructure(result)
    body.pop("explanation", None)  # a result that carries one: shown only when wanted (below)
    barcode = result.barcode
    body.update(plugin=barcode.plugin, barcode_data=barcode.raw, barcode_hash=barcode.barcode_hash)
    if result.item is not None and result.item.type in KNOWN_ITEM_TYPES:  # InvenTree's model key; others are open
        body[result.item.type] = {"pk": int(result.item.id) if result.item.id.isdigit() else result.item.id}
    if result.item is None and barcode.kind == "external":  # as ``scan`` in the CLI: not recognised, not linked
        body["error"] = "No match found for barcode data"
    else:
        body["success"] = result.message
    if explanation is not None:
        body["explanation"] = explanation
    return body


def _receive_body(result: ReceiveResult, explanation: Any) -> Response[Any]:
    body: dict[str, Any] = unstructure(result)
    body.pop("explanation", None)  # a result that carries one: shown only when wanted (below)
    if result.status in ("received", "undone"):
        body["success"] = result.message
    else:
        body["error"] = result.message
    if explanation is not None:
        body["explanation"] = explanation
    return _json(body, RECEIVE_STATUS.get(result.status, 400))


# -- barcode endpoints -------------------------------------------------------------------------------------------
@post(
    "/api/barcode/",
    status_code=200,
    responses=_responses(s404=ResponseSpec(ScanOut, description="not recognised and not linked")),
    **_READ,
)
def scan(data: JSONBody[BarcodeRequest], request: Request[Any, Any, State]) -> Response[ScanOut]:
    """Scan: decode, then resolve what the barcode refers to (linked item, internal item, stock, open order lines).

    404 with ``error`` (and ``barcode_data``, as InvenTree's clients read it) when nothing is known about it."""
    station = _station(request)
    engine = station.engine
    result = station.call(engine.scan, data.barcode, **station.options(explain=data.explain))
    failed = result.item is None and result.barcode.kind == "external"
    body = _scan_body(result, explanation_of(result, explain=data.explain, failed=failed))
    return _json(body, 404 if "error" in body else 200)


@post("/api/barcode/decode/", status_code=200, responses=_responses(), **_READ)
def decode(data: JSONBody[BarcodeRequest], request: Request[Any, Any, State]) -> Response[DecodedOut]:
    """Decode only: every contract key of the barcode; the store is not touched."""
    station = _station(request)
    return _json(unstructure(station.call(station.engine.decode, data.barcode)))


@post(
    "/api/barcode/image/",
    status_code=200,
    request_max_body_size=MAX_IMAGE_BYTES,
    responses=_responses(
        s400=ResponseSpec(ErrorOut, description="not an image or PDF, or no ``image`` field"),
        s404=ResponseSpec(ErrorOut, description="no barcode found in the picture"),
        s501=ResponseSpec(ErrorOut, description="the server lacks the images extra (barcode-plugins[images])"),
    ),
    **_READ,
)
def image(
    data: Annotated[ImageUpload, Body(media_type=RequestEncodingType.MULTI_PART)], request: Request[Any, Any, State]
) -> Response[ImageOut]:
    """Every barcode in a picture (PNG, JPEG, anything Pillow opens) or PDF sent as ``multipart/form-data`` field
    ``image``: per symbol its page, format, corners and exact text, with the decoded barcode or the error its text
    gave. The store is not touched: send each ``text`` to scan, po-receive, link or undo like a typed scan.

    404 when the picture holds no barcode; 501 when the server lacks the ``images`` extra."""
    station = _station(request)
    name = (data.image.filename or "upload")[:200]
    try:
        content = data.image.file.read()
    finally:
        data.image.file.close()  # a large upload is spooled to a temporary file: removed now, not when collected
    try:
        with _IMAGE_SLOTS:
            found = station.call(station.engine.decode_image, content)
    except MissingDependency as error:
        return error_response(501, error.message)
    except InputError as error:  # the reader names bytes "<bytes>"; the client knows them by the file's name
        raise InputError(error.message.replace("<bytes>", name, 1)) from None
    if not found:
        return error_response(404, f"no barcode found in {name}")
    symbols = []
    for each in found:
        entry = unstructure(attrs.evolve(each.symbol, source=name))
        entry["barcode"] = None if each.barcode is None else unstructure(each.barcode)
        entry["error"] = None if each.error is None else each.error.message
        symbols.append(entry)
    return _json({"symbols": symbols})


@post(
    "/api/barcode/link/",
    status_code=200,
    responses=_responses(
        s404=ResponseSpec(ErrorOut, description="the item does not exist (where a plugin answers for its type)"),
        s409=ResponseSpec(ErrorOut, description="already linked to another item"),
    ),
    **_WRITE,
)
def link(data: JSONBody[LinkRequest], request: Request[Any, Any, State]) -> Response[LinkResultOut]:
    """Link a barcode to an item (``item: "stockitem:5"``, or InvenTree's ``stockitem: 5``)."""
    station = _station(request)
    target = _item_of(data, required=True)
    made = station.call(station.engine.link, data.barcode, target)
    body = {
        "success": f"Assigned barcode to {made.item}",
        "links": unstructure([made]),
        "barcode_data": data.barcode,
        "barcode_hash": made.link_key,
    }
    return _json(body)


@post(
    "/api/barcode/unlink/",
    status_code=200,
    responses=_responses(s404=ResponseSpec(ErrorOut, description="nothing linked")),
    **_WRITE,
)
def unlink(data: JSONBody[UnlinkRequest], request: Request[Any, Any, State]) -> Response[LinkResultOut]:
    """Remove a barcode's link (``barcode``) or every link of an item (``item`` or a model key)."""
    station = _station(request)
    target = _item_of(data, required=False)
    if (data.barcode is None) == (target is None):
        raise InputError("give a barcode or an item, not both or neither")
    removed = station.call(station.engine.unlink, data.barcode, item=target)
    what = target or removed[0].item
    return _json({"success": f"Barcode unassigned from {what}", "links": unstructure(removed)})


@post(
    "/api/barcode/po-receive/",
    status_code=200,
    responses=_responses(
        s400=ResponseSpec(ReceiveOut | ErrorOut, description="ambiguous, not a supplier label, or bad request"),
        s404=ResponseSpec(ReceiveOut, description="no_match: no open order line fits"),
        s409=ResponseSpec(ReceiveOut, description="already_received"),
        s422=ResponseSpec(ReceiveOut, description="over_receipt (send allow_over to accept)"),
        s428=ResponseSpec(ReceiveOut, description="needs_quantity (send quantity)"),
    ),
    **_WRITE,
)
def po_receive(data: JSONBody[ReceiveRequest], request: Request[Any, Any, State]) -> Response[ReceiveOut]:
    """Receive a label against its open purchase-order line; ``status`` names the outcome, as ``receive --json``."""
    station = _station(request)
    engine = station.engine
    options = station.options(explain=data.explain, another=data.another)
    result = station.call(
        engine.receive,
        data.barcode,
        quantity=data.quantity,
        location=None if data.location is None else str(data.location),
        purchase_order=None if data.purchase_order is None else str(data.purchase_order),
        allow_over=data.allow_over,
        **options,
    )
    failed = result.status not in ("received", "undone")
    return _receive_body(result, explanation_of(result, explain=data.explain, failed=failed))


@post(
    "/api/barcode/undo/",
    status_code=200,
    responses=_responses(s404=ResponseSpec(ErrorOut, description="nothing received under that reference")),
    **_WRITE,
)
def undo(data: JSONBody[UndoRequest], request: Request[Any, Any, State]) -> Response[ReceiveOut]:
    """Undo a receipt: the label scanned again, its ``barcode_hash``, or the receipt's ``history_id``."""
    station = _station(request)
    engine = station.engine
    given = [value for value in (data.barcode, data.barcode_hash, data.history_id) if value is not None]
    if len(given) != 1:
        raise InputError("give one of barcode, barcode_hash, history_id")
    reference: str | int = given[0]
    if data.barcode is not None:
        reference = station.call(engine.decode, data.barcode).barcode_hash
    result = station.call(engine.undo_receipt, reference)
    return _receive_body(result, None)


@get("/api/barcode/history/", responses=_responses(), **_READ)
def history(
    request: Request[Any, Any, State],
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 50,
    action: FromQuery[Literal["scan", "link", "link_import", "unlink", "receive", "undo", "po_import"] | None] = None,
    status: FromQuery[Annotated[str, msgspec.Meta(max_length=40)] | None] = None,
    purchase_order: FromQuery[Annotated[str, msgspec.Meta(max_length=200)] | None] = None,
    barcode_hash: FromQuery[Annotated[str, msgspec.Meta(max_length=128)] | None] = None,
    since: FromQuery[Annotated[str, msgspec.Meta(max_length=40)] | None] = None,
    until: FromQuery[Annotated[str, msgspec.Meta(max_length=40)] | None] = None,
) -> Response[list[HistoryOut]]:
    """The scan and receive log, newest first: ``action``, ``status`` (the outcome), ``purchase_order``,
    ``barcode_hash``, and a time window ``since``/``until`` (ISO 8601), as ``barcode-plugins history``."""
    station = _station(request)
    engine = station.engine
    filters = station.filters(
        status=status,
        purchase_order=purchase_order,
        barcode_hash=barcode_hash,
        since=since,
        until=until,
    )
    return _json(unstructure(station.call(engine.history, limit, action, **filters)))


# -- purchase orders ---------------------------------------------------------------------------------------------
@get("/api/order/po/", responses=_responses(), **_READ)
def list_orders(
    request: Request[Any, Any, State],
    status: FromQuery[Literal["pending", "placed", "complete", "cancelled"] | None] = None,
) -> Response[list[PurchaseOrderOut]]:
    """Every purchase order (optionally of one status) with its lines."""
    station = _station(request)
    return _json(unstructure(station.call(station.engine.purchase_orders, status)))


@get(
    "/api/order/po/{reference:str}/",
    responses=_responses(s404=ResponseSpec(ErrorOut, description="no such order")),
    **_READ,
)
def show_order(reference: FromPath[str], request: Request[Any, Any, State]) -> Response[PurchaseOrderOut]:
    """One purchase order: received and outstanding per line."""
    station = _station(request)
    return _json(unstructure(station.call(station.engine.purchase_order, reference)))


@post(
    "/api/order/po/import/",
    status_code=200,
    request_max_body_size=MAX_IMPORT_BYTES,
    responses=_responses(),
    **_WRITE,
)
def import_orders(
    data: JSONBody[PurchaseOrderImport], request: Request[Any, Any, State]
) -> Response[list[PurchaseOrderOut]]:
    """Import orders (``orders`` as in the JSON file form, or ``csv`` text), idempotent by reference."""
    import json

    from barcode_plugins.files.po_files import parse_csv, parse_json

    if (data.orders is None) == (data.csv is None):
        raise InputError("give orders (a JSON list) or csv (text), not both or neither")
    orders = parse_csv(data.csv, "csv") if data.csv is not None else parse_json(json.dumps(data.orders), "orders")
    station = _station(request)
    return _json(unstructure(station.call(station.engine.import_purchase_orders, orders)))


# -- service -----------------------------------------------------------------------------------------------------
@get("/api/plugins/", responses=_responses(), **_READ)
def plugins(request: Request[Any, Any, State]) -> Response[list[PluginOut]]:
    """Every plugin: distribution, version, hooks, and whether it loaded."""
    station = _station(request)
    return _json(unstructure(station.call(station.engine.plugin_infos)))


@get("/api/health/", responses=_responses(), sync_to_thread=True)
def health(request: Request[Any, Any, State]) -> HealthOut:
    """Up, with the store answering (open to all: it tells nothing about the inventory)."""
    station = _station(request)
    return HealthOut(
        "ok", metadata.version("barcode-plugins"), station.call(station.engine.schema_version), station.open_reads
    )


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_document(request: Request[Any, Any, State]) -> dict[str, Any]:
    """The OpenAPI document generated from the routes and their attrs models."""
    return request.app.openapi_schema.to_schema()


@get("/", include_in_schema=False, sync_to_thread=False)
def page() -> File:
    """The scanning-station page."""
    return File(STATIC / "index.html", content_disposition_type="inline", media_type="text/html")


# -- the application ---------------------------------------------------------------------------------------------
_HANDLERS = [
    scan,
    decode,
    image,
    link,
    unlink,
    po_receive,
    undo,
    history,
    list_orders,
    show_order,
    import_orders,
    plugins,
    health,
    openapi_document,
    page,
]

#: Error classes and their HTTP status; the first that matches wins (subclasses before their bases).
ERROR_STATUS: tuple[tuple[type[BarcodeError], int], ...] = (
    (StoreError, 503),
    (EnvironmentFault, 503),
    (AlreadyLinked, 409),
    (NotLinked, 404),
    (NotFound, 404),
    (AmbiguousBarcode, 400),
    (InputError, 400),
    (BarcodeError, 400),
)


def _barcode_error(request: Request[Any, Any, Any], error: BarcodeError) -> Response[Any]:
    status = next(code for cls, code in ERROR_STATUS if isinstance(error, cls))
    extra = {"candidates": list(error.candidates)} if isinstance(error, AmbiguousBarcode) else None
    return error_response(status, error.message, extra)


def create_app(engine: Engine, *, open_reads: bool = False) -> Litestar:
    """The application serving ``engine`` (one engine, shared by every request)."""
    version = metadata.version("barcode-plugins")
    app = Litestar(
        route_handlers=[
            *_HANDLERS,
            create_static_files_router("/static", directories=[STATIC], include_in_schema=False),
        ],
        state=State({"station": Station(engine, open_reads=open_reads)}),
        exception_handlers={
            BarcodeError: _barcode_error,
            HTTPException: handle_http_exception,
            ValidationException: handle_http_exception,
            Exception: handle_exception,
        },
        request_max_body_size=MAX_BODY_BYTES,
        response_headers=SECURITY_HEADERS,
        openapi_config=OpenAPIConfig(
            title="barcode-plugins",
            version=version,
            description="Decode distributor barcodes, link them to items, receive stock against purchase orders.",
            path="/api/schema",
            render_plugins=[],
            components=Components(
                security_schemes={
                    "token": SecurityScheme(
                        type="apiKey",
                        name="Authorization",
                        security_scheme_in="header",
                        description="'Token <token>' (barcode-plugins token create NAME)",
                    )
                }
            ),
        ),
        debug=False,
    )
    return app
