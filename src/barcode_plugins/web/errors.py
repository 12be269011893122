"""Every error the server sends is JSON ``{"status_code", "detail", "error", "extra"}``: never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

_log = logging.getLogger("barcode_plugins.web")


def error_response(status_code: int, message: str, extra: Any = None) -> Response[Any]:
    """The one error body: ``error`` is InvenTree's key, ``detail`` and ``status_code`` Litestar's."""
    body = {"status_code": status_code, "detail": message, "error": message, "extra": extra}
    return Response(body, status_code=status_code)


def handle_http_exception(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    """404, 405, 401, 413, validation errors...: the framework's message, in our body."""
    message = error.detail
    extra = error.extra
    if isinstance(extra, list) and extra:  # validation: name the first offending field in the one-line message
        first = extra[0]
        if isinstance(first, dict) and first.get("key"):
            message = f"{first['key']}: {first.get('message', 'invalid')}"
    return error_response(error.status_code, message, extra if isinstance(extra, (list, dict)) else None)


def handle_exception(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A bug: logged on the server with its traceback, answered with a message that reveals nothing inside."""
    _log.exception("internal error on %s %s", request.method, request.url.path)
    return error_response(500, f"internal error ({type(error).__name__}); the server log has the details")
