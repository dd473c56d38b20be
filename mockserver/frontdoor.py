"""The front door: small ASGI steps in front of connexion, each doing one thing.

    control characters → trailing slash → /admin prefix → JSON content type → metrics
    → control-plane auth → admin auth → journal → body cap → connexion

A new rule for every request is a new step in ``pipeline``. Steps answer errors themselves with
``rendering.send_error`` (connexion never sees those requests).
"""

from __future__ import annotations

import functools
import posixpath
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .control import BODY_LIMIT, JournalEntry, RequestJournal, kept_headers
from .errors import KratosError
from .metrics import PATH as METRICS_PATH
from .metrics import Metrics
from .rendering import send_error
from .urls import REQUEST_BASE, request_base

CONTROL_PREFIX = "/__mock__"
MAX_BODY = 5 * 1024 * 1024  # Kratos' admin body limit
UNAUTHORIZED = "Access credentials are invalid"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
Step = Callable[[ASGIApp], ASGIApp]


@dataclass
class Access:
    """The tokens in force (one owner; the pytest marker changes ``admin_token`` between tests)."""

    admin_token: str | None = None  # Ory Network mode: admin routes need "Bearer <token>"
    control_token: str | None = None  # protects /__mock__


def pipeline(app: ASGIApp, steps: Sequence[Step]) -> ASGIApp:
    """``steps[0]`` runs first. Steps see HTTP requests only: lifespan and websocket scopes go
    straight to ``app``."""
    chain = app
    for step in reversed(steps):
        chain = step(chain)

    async def front(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await chain(scope, receive, send)
        else:
            await app(scope, receive, send)

    return front


def _http_only(handle: Callable[[ASGIApp, Scope, Receive, Send], Awaitable[None]]) -> Step:
    """A step written as ``handle(inner, scope, receive, send)``; bound with ``partial`` (no
    wrapper frame per request: every request passes every step)."""

    def step(inner: ASGIApp) -> ASGIApp:
        return functools.partial(handle, inner)

    return step


@_http_only
async def follow_host(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """URLs in responses follow the client's base URL (``Settings.follow_host``)."""
    token = REQUEST_BASE.set(request_base(scope))
    try:
        await inner(scope, receive, send)
    finally:
        REQUEST_BASE.reset(token)


@_http_only
async def reject_control_characters(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Connexion's router cannot match paths with control characters (it would answer 500)."""
    if _CONTROL.search(scope["path"]):
        await send_error(send, KratosError(404, "The request path contains control characters."), scope)
        return
    await inner(scope, receive, send)


@_http_only
async def no_trailing_slash(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Kratos v26.2's ServeMux patterns do not match ``/admin/identities/`` (cmd/daemon/serve.go
    mounts no slash-trimming middleware): a 404, not starlette's redirect to a route that works."""
    path: str = scope["path"]
    if len(path) > 1 and path.endswith("/"):
        error = KratosError(404, f"No route matches {path}.", "The requested resource could not be found")
        await send_error(send, error, scope)
        return
    await inner(scope, receive, send)


def admin_prefix(unprefixed: tuple[str, ...]) -> Step:
    """Kratos' admin port serves ``/identities`` as well as ``/admin/identities``."""

    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if unprefixed and path.startswith(unprefixed):
            raw = scope.get("raw_path") or path.encode()
            scope = {**scope, "path": "/admin" + path, "raw_path": b"/admin" + raw}
        await inner(scope, receive, send)

    return handle


def json_whatever_the_content_type(routes: tuple[tuple[str, str], ...]) -> Step:
    """Where Kratos decodes the body as JSON without looking at Content-Type, tell connexion it is JSON."""
    patterns = [(method, re.compile(path)) for method, path in routes]

    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        if any(scope["method"] == method and pattern.fullmatch(scope["path"]) for method, pattern in patterns):
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await inner(scope, receive, send)

    return handle


def served_as_get(routes: tuple[tuple[str, tuple[str, ...]], ...]) -> Step:
    """Where a Kratos handler serves a path for more methods than GET (whoami), the request goes
    to the spec's GET operation; the journal, before this step, keeps the method sent."""
    table = dict(routes)

    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        methods = table.get(scope["path"])
        if methods is not None and scope["method"] in methods:
            scope = {**scope, "method": "GET"}
        await inner(scope, receive, send)

    return handle


def admin_redirect(unprefixed: tuple[str, ...]) -> Step:
    """Kratos v1.x's admin port answers ``/identities`` with a 307 to ``/admin/identities``
    (x/http_redirect_admin.go, RedirectAdminMiddleware; http.Redirect's body for GET and HEAD)."""

    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if not unprefixed or not path.startswith(unprefixed):
            await inner(scope, receive, send)
            return
        await send_admin_redirect(scope, send, path)

    return handle


async def send_admin_redirect(scope: Scope, send: Send, path: str, base: str = "") -> None:
    """A 307 to ``base`` + ``/admin`` joined with ``path`` (Go's path.Join), the query kept, as Go's
    http.Redirect writes it: an HTML body for GET and HEAD (sent for GET only)."""
    query: bytes = scope.get("query_string", b"")
    joined = quote(posixpath.normpath("/admin" + path), safe="/:@!$&'()*+,;=-._~")
    target = base.encode() + joined.encode() + (b"?" + query if query else b"")
    headers = [(b"location", target)]
    body = b""
    if scope["method"] in ("GET", "HEAD"):
        body = b'<a href="' + target.replace(b"&", b"&amp;") + b'">Temporary Redirect</a>.\n\n'
        headers.append((b"content-type", b"text/html; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 307, "headers": headers})
    await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})


def metrics_endpoint(metrics: Metrics) -> Step:
    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != METRICS_PATH or scope["method"] != "GET":
            await inner(scope, receive, send)
            return
        body, content_type = metrics.render()
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return handle


def _authorized(scope: Scope, token: str) -> bool:
    expected = f"Bearer {token}".encode()
    return any(name == b"authorization" and value == expected for name, value in scope["headers"])


def control_plane_auth(access: Access) -> Step:
    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        token = access.control_token
        if token and scope["path"].startswith(CONTROL_PREFIX) and not _authorized(scope, token):
            await send_error(send, KratosError(401, "The control plane needs the --control-token."), scope)
            return
        await inner(scope, receive, send)

    return handle


def admin_auth(access: Access, admin_paths: tuple[str, ...]) -> Step:
    """Ory Network mode: admin routes answer 401 without the token (OSS Kratos checks nothing)."""

    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        token = access.admin_token
        if token and scope["path"].startswith(admin_paths) and not _authorized(scope, token):
            await send_error(send, KratosError(401, "The request could not be authorized", UNAUTHORIZED), scope)
            return
        await inner(scope, receive, send)

    return handle


def journal(journal: RequestJournal, metrics: Metrics, clock: Callable[[], object]) -> Step:
    """Record every Kratos request (not the control plane's): method, path, query, headers (8 KiB),
    the first 64 KiB of the body as bytes, status, operationId, the fault injected; and observe it
    in the metrics."""

    @_http_only
    async def handle(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"].startswith(CONTROL_PREFIX):
            await inner(scope, receive, send)
            return
        kept = bytearray()
        status = 0

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(kept) < BODY_LIMIT:
                kept.extend(message.get("body", b"")[: BODY_LIMIT - len(kept)])
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # connexion's router writes the operationId into a *copy* of the scope; a shared
        # "extensions" dict is how it reaches us (uvicorn, unlike test clients, sends none).
        extensions = scope.setdefault("extensions", {})
        epoch = journal.epoch
        started = time.perf_counter()
        try:
            await inner(scope, recording_receive, recording_send)
        finally:
            operation_id = extensions.get("connexion_routing", {}).get("operation_id")
            entry = JournalEntry(
                method=scope["method"],
                path=scope["path"],
                raw_query=scope.get("query_string", b""),
                raw_body=bytes(kept),
                status=status,
                operation_id=operation_id,
                time=clock(),  # type: ignore[arg-type]
                raw_headers=kept_headers(scope["headers"]),
                fault=extensions.get("kratos_mock.fault"),  # fault_injection.FAULT
            )
            journal.record(entry, epoch)
            metrics.observe(operation_id, entry.method, status, time.perf_counter() - started)

    return handle


@_http_only
async def body_cap(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Refuse bodies over the 5 MB limit: at once when Content-Length says so, else while reading
    (never buffering more than the limit)."""
    declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        await send_error(send, _too_large(), scope, {"Connection": "close"})
        return
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY:
            raise _too_large()
        return message

    await inner(scope, capped, send)


def _too_large() -> KratosError:
    return KratosError(413, f"The request body exceeds {MAX_BODY} bytes.")
