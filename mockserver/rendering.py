"""Every error, ours and connexion's, rendered as the Kratos (herodot) envelope.

``RENDERERS`` maps an exception type to the ``KratosError`` it means; a new kind of error is a new
row. The front door uses ``send_error`` for answers it gives before connexion is reached.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import _connexion  # noqa: F401 - first: imports connexion without its import-time warnings

# isort: split
from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.types import Scope, Send

from .errors import KratosError
from .wire import dumps

log = logging.getLogger("mockserver")
ERROR_TYPE = "application/json"
MAX_DETAIL = 512  # a validation message never echoes more of the request than this
AllowTable = list[tuple[re.Pattern[str], list[str]]]
Renderer = Callable[[ConnexionRequest, Exception], KratosError]


def error_body(error: KratosError, request_id: str | None) -> bytes:
    """The envelope; ``request`` echoes the caller's X-Request-ID, as herodot does."""
    envelope = error.envelope()
    if request_id:
        envelope["error"] = {**envelope["error"], "request": request_id}
    return dumps(envelope)


async def send_error(send: Send, error: KratosError, scope: Scope, headers: Mapping[str, str] | None = None) -> None:
    request_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
    body = error_body(error, request_id)
    raw = [
        (b"content-type", ERROR_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"ory-error-id", b""),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": error.code, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _problem(request: ConnexionRequest, exc: Exception) -> KratosError:
    """Connexion's validation problems, reworded as Kratos errors (415 is Kratos' 400)."""
    assert isinstance(exc, ProblemException)
    detail = str(exc.detail or exc.title or "")
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL] + "…"
    if exc.status == 415:
        return KratosError(400, f"Content-Type must be application/json: {detail}")
    return KratosError(exc.status, detail or None)


def _http(allow: AllowTable) -> Renderer:
    def render(request: ConnexionRequest, exc: Exception) -> KratosError:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            # Go's http.ServeMux (Kratos' httprouterx) lists the methods of every pattern matching the
            # path: DELETE /sessions/{id} also matches /sessions/token-exchange
            methods = sorted({m for pattern, ms in allow if pattern.match(request.url.path) for m in ms})
            return KratosError(405, f"{request.method} is not allowed here.", headers={"Allow": ", ".join(methods)})
        if exc.status_code == 404:
            return KratosError(
                404, f"No route matches {request.url.path}.", "The requested resource could not be found"
            )
        return KratosError(exc.status_code, str(exc.detail) if exc.detail else None)

    return render


def _undecodable(request: ConnexionRequest, exc: Exception) -> KratosError:
    """Bodies connexion cannot decode (not UTF-8, nested too deep, integers Python will not parse):
    Kratos' decoder rejects them too."""
    return KratosError(400, message=f"The request body could not be decoded as JSON: {type(exc).__name__}")


def _value_error(request: ConnexionRequest, exc: Exception) -> KratosError:
    """Only a ValueError raised by the JSON decoder (an integer over 4,300 digits) is the body's
    fault; any other is a bug in the mock and renders as one."""
    if _raised_in_json(exc):
        return _undecodable(request, exc)
    return _crash(request, exc)


def _raised_in_json(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_globals.get("__name__", "").startswith(json.__name__)


def _crash(request: ConnexionRequest, exc: Exception) -> KratosError:
    if isinstance(exc, KratosError):  # e.g. raised while reading the body
        return exc
    log.exception("unhandled error in the mock", exc_info=exc)
    return KratosError(500, f"The mock failed: {type(exc).__name__}")


def renderers(allow: AllowTable) -> list[tuple[type[Exception], Renderer]]:
    """Exception type → renderer, most specific first (connexion looks up the MRO)."""
    return [
        (KratosError, lambda request, exc: exc),  # type: ignore[list-item,return-value]
        (ProblemException, _problem),
        (HTTPException, _http(allow)),
        (UnicodeDecodeError, _undecodable),
        (RecursionError, _undecodable),
        (ValueError, _value_error),
        (Exception, _crash),
    ]


def install(app: AsyncApp, allow: AllowTable) -> None:
    """Register every renderer with connexion."""
    for exc_type, render in renderers(allow):
        app.add_error_handler(exc_type, _responder(render))


def _responder(render: Renderer) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    def respond(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        error = render(request, exc)
        body = error_body(error, request.headers.get("x-request-id"))
        headers: dict[str, Any] = {"Ory-Error-Id": "", **error.headers}
        return ConnexionResponse(status_code=error.code, mimetype=ERROR_TYPE, body=body, headers=headers)

    return respond
