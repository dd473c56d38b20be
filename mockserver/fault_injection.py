"""Faults acted out on the wire: a connexion middleware placed right after routing (the first point
where a request's operationId is known, before validation and the handler) and a front-door step
that keeps the client's connection at hand.

Why two parts: an injected status must pass the journal (so it records what the client got), which
sits in front of connexion; a dropped connection needs uvicorn's transport, reachable only from the
``send`` uvicorn gave the outermost step. With no fault configured both cost one attribute check.

What a client sees (measured with urllib3/the official SDK and httpx over uvicorn):

* ``connection_reset``: SO_LINGER 0 then abort, so the kernel sends RST: ``ConnectionResetError``
  ("Connection reset by peer") inside urllib3's ``ProtocolError``.
* ``empty_response``: the connection closed with nothing written: "Remote end closed connection
  without response" (``RemoteDisconnected``; httpx: ``RemoteProtocolError``).
* ``malformed_json``: the operation's success status, a JSON content type and a body cut short
  (the handler's status and half its body, with ``after``).
* ``timeout``: nothing until the client disconnects (or ``TIMEOUT_SECONDS``), then a drop.

In-process clients (starlette's TestClient, httpx's ASGITransport) have no connection: the three
connection faults raise ``ConnectionResetError`` / ``TimeoutError`` out of the app instead (as they
would under an ASGI server other than uvicorn, which then answers as it answers a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable

from . import _connexion  # noqa: F401 - first: imports connexion without its import-time warnings

# isort: split
from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import KratosError
from .faults import TIMEOUT_SECONDS, Fault, FaultTable
from .rendering import error_body
from .wire import dumps

FAULT = "kratos_mock.fault"  # scope["extensions"] key: the kind of fault that fired (the journal's)
TRANSPORT = "kratos_mock.transport"
_DROPPED = "kratos_mock.dropped"
_CONNECTION = ("connection_reset", "empty_response", "timeout")
# herodot's defaults where it has one (error_defaults.go: ErrUnsupportedMediaType, ErrUpstreamError);
# the rest are errors.DEFAULT_MESSAGES, then Go's http.StatusText.
_MESSAGES = {415: "The request is using an unknown content type", 502: "Upstream error"}
_REASONS = {502: "An upstream server encountered an error or returned a malformed or unexpected response."}
_MALFORMED = b'{"error": {"code": 5'


def install(app: AsyncApp, table: FaultTable) -> None:
    """``FaultMiddleware`` between connexion's routing and its request validation."""
    app.add_middleware(FaultMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, table=table)


def connection(table: FaultTable) -> Callable[[ASGIApp], ASGIApp]:
    """The outermost front-door step: remember uvicorn's transport while faults are configured, and
    for in-process clients turn a dropped connection into the exception a client would raise."""

    def step(inner: ASGIApp) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if not table.active or scope["type"] != "http":
                await inner(scope, receive, send)
                return
            extensions = scope.setdefault("extensions", {})
            cycle = getattr(send, "__self__", None)  # uvicorn's RequestResponseCycle
            extensions[TRANSPORT] = getattr(cycle, "transport", None)
            await inner(scope, receive, send)
            dropped = extensions.get(_DROPPED)
            if dropped == "timeout":
                raise TimeoutError("kratos-mock fault: timeout (the request was never answered)")
            if dropped is not None:
                raise ConnectionResetError(f"kratos-mock fault: {dropped}")

        return app

    return step


class FaultMiddleware:
    """After connexion's routing: the request's operationId is in the scope; pick a fault for it."""

    def __init__(self, app: ASGIApp, table: FaultTable) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.table.active or scope["type"] != "http" or scope["path"].startswith("/__mock__"):
            await self.app(scope, receive, send)
            return
        extensions = scope.setdefault("extensions", {})
        fault = self.table.pick(extensions.get("connexion_routing", {}).get("operation_id"))
        if fault is None:
            await self.app(scope, receive, send)
            return
        extensions[FAULT] = fault.kind + (" after" if fault.after else "")
        if fault.after:
            await self._after(fault, scope, receive, send)
            return
        if fault.delay_ms:
            epoch = self.table.epoch
            await asyncio.sleep(fault.delay_ms / 1000)
            if epoch != self.table.epoch:  # reset while it slept: its test is over, its client gone
                _drop(scope, reset=False, kind="empty_response")
                await asyncio.sleep(0)
                return
        if fault.fault is None and fault.status is None:
            await self.app(scope, receive, send)  # a delay only
        else:
            await act(fault, self.table, scope, receive, send, None)

    async def _after(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        """The handler runs (its write happens); the client gets the fault instead of its answer."""
        start: Message | None = None
        body = bytearray()

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        try:
            await self.app(scope, receive, keep)
        except BaseException:  # rejected (connexion renders it): nothing was written, nothing is lost
            self.table.unfire(fault)
            scope["extensions"].pop(FAULT, None)
            raise
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.fault is None and fault.status is None:  # a delay only: the answer, late
            if start is not None:
                await send(start)
                await send({"type": "http.response.body", "body": bytes(body)})
            return
        await act(fault, self.table, scope, receive, send, (start, bytes(body)) if start is not None else None)


async def act(
    fault: Fault, table: FaultTable, scope: Scope, receive: Receive, send: Send, answered: tuple[Message, bytes] | None
) -> None:
    """Send (or withhold) what the fault stands for; ``answered`` is the handler's lost response."""
    if fault.fault in _CONNECTION:
        if fault.fault == "timeout" and scope["extensions"].get(TRANSPORT) is not None:
            await _until_disconnect(receive)
        _drop(scope, reset=fault.fault != "empty_response", kind=fault.fault)
        await asyncio.sleep(0)  # uvicorn notices the lost connection and stays quiet
        return
    if fault.fault == "malformed_json":
        status, payload = fault.status or table.success.get(fault.operation_id, 200), _MALFORMED
        if answered is not None:
            status = fault.status or answered[0]["status"]
            payload = answered[1][: max(len(answered[1]) // 2, 1)] if answered[1] else b"{"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        return
    assert fault.status is not None
    if fault.body is not None:
        payload = fault.body.encode() if isinstance(fault.body, str) else dumps(fault.body)
    else:
        error = KratosError(fault.status, _REASONS.get(fault.status), _MESSAGES.get(fault.status))
        request_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        payload = error_body(error, request_id)
    raw = {"content-type": "application/json", **{k.lower(): v for k, v in fault.headers.items()}}
    raw["content-length"] = str(len(payload))
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in raw.items()]
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _until_disconnect(receive: Receive) -> None:
    """Hold the request until the client hangs up (uvicorn answers ``http.disconnect``); in-process
    clients never hang up, so they get the ``TimeoutError`` at once."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(TIMEOUT_SECONDS):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                if not message.get("more_body", False) and message["type"] == "http.request":
                    break
            while (await receive())["type"] != "http.disconnect":
                pass


def _drop(scope: Scope, *, reset: bool, kind: str) -> None:
    extensions = scope.setdefault("extensions", {})
    transport = extensions.get(TRANSPORT)
    if transport is None:
        extensions[_DROPPED] = kind  # in-process: the front-door step raises
        return
    if transport.is_closing():  # the client hung up first (a timeout)
        return
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
