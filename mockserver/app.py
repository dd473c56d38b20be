"""The app factory: connexion serves our spec with handlers bound to one store.

Nothing here is module-level state: every ``create_app`` call builds its own store, handlers and
connexion app, so two apps in one process never share data.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from .clock import Entropy, ManualClock, MockClock, SystemClock
from .control import DEFAULT_JOURNAL_SIZE, JournalEntry, MockController, RequestJournal
from .errors import KratosError
from .fixtures import Source
from .handlers import GROUPS, LEGACY_GROUPS, Context, build_handlers, handler_name
from .handlers.control import ControlHandlers
from .identity_schemas import SchemaRegistry, default_schemas
from .metrics import PATH as METRICS_PATH
from .metrics import Metrics
from .spec import CONTROL, CURRENT, LEGACY_SPEC, load_spec, path_methods
from .store import Store
from .validation import parameter_validator_class
from .wire import dumps

log = logging.getLogger("mockserver")
ERROR_TYPE = "application/json"
ADMIN_PREFIXES = ("/identities", "/sessions", "/recovery")
MAX_BODY = 5 * 1024 * 1024
JOURNAL_BODY_LIMIT = 64 * 1024
CONTROL_PREFIX = "/__mock__"
LEGACY_ADMIN_PATHS = ("/identities", "/recovery/")
LEGACY_LENIENT = frozenset({"page", "per_page", "id", "error"})
APIS = {"v26.2": (CURRENT, GROUPS), "v0.6": (LEGACY_SPEC, LEGACY_GROUPS)}
UNAUTHORIZED = "Access credentials are invalid"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Settings:
    """How the app behaves: the URLs it reports and the Kratos options it emulates."""

    base_url: str = "http://127.0.0.1:4434"  # admin base URL (Location headers)
    public_url: str | None = None  # schema_url and recovery links; defaults to base_url
    recovery_ui_url: str = "http://127.0.0.1:4455/recovery"
    require_token: str | None = None
    control_token: str | None = None  # protects /__mock__ when set
    recovery_link_enabled: bool = True
    journal_size: int = DEFAULT_JOURNAL_SIZE
    session_lifespan: timedelta = timedelta(hours=24)


def create_app(
    store: Store | None = None,
    *,
    schemas: Mapping[str, Any] | None = None,
    default_schema_id: str | None = None,
    seed: int | None = None,
    clock: MockClock | None = None,
    settings: Settings | None = None,
    fixtures: Iterable[Source] = (),
    api: str = "v26.2",
) -> KratosMockApp:
    """Build a fresh mock: a new store (unless one is given) behind our OpenAPI spec.

    ``fixtures`` (paths, documents) are loaded, then sealed: ``/__mock__/reset`` and the pytest
    plugin return to that state. A fixture that cannot load raises ``FixtureError``.
    ``api="v0.6"`` serves the legacy AdminApi generation (no /admin prefix) over the same store.
    """
    if api not in APIS:
        raise ValueError(f"unknown API generation {api!r}; expected one of {', '.join(APIS)}")
    settings = settings or Settings()
    public_url = (settings.public_url or settings.base_url).rstrip("/")
    if store is None:
        registry = SchemaRegistry(schemas or default_schemas(), default_schema_id)
        store = Store(
            registry,
            clock=clock or (ManualClock() if seed is not None else SystemClock()),
            entropy=Entropy(seed),
            public_url=public_url,
            session_lifespan=settings.session_lifespan,
        )
    controller = MockController(store, RequestJournal(settings.journal_size))
    metrics = Metrics(store)
    controller.load(fixtures)
    controller.seal()
    ctx = Context(
        store=store,
        admin_url=settings.base_url.rstrip("/"),
        public_url=public_url,
        recovery_ui_url=settings.recovery_ui_url,
        recovery_link_enabled=settings.recovery_link_enabled,
        metrics=metrics,
    )
    spec_file, groups = APIS[api]
    handlers = build_handlers(ctx, groups)
    document = load_spec(spec_file)
    connexion_app = AsyncApp(
        __name__,
        middlewares=[
            ServerErrorMiddleware,
            ExceptionMiddleware,
            RoutingMiddleware,
            RequestValidationMiddleware,
            ContextMiddleware,
        ],
    )
    connexion_app._middleware_app.api_cls = _CachedApi  # see _CachedOperation
    connexion_app.add_api(
        document,
        resolver=Resolver(function_resolver=lambda op_id: handlers[handler_name(op_id)]),
        strict_validation=False,
        validate_responses=False,
        validator_map={"parameter": parameter_validator_class(LEGACY_LENIENT if api == "v0.6" else frozenset())},
    )
    control_spec = load_spec(CONTROL)
    control = build_handlers(ctx, groups=(), extra={"control": ControlHandlers(ctx, controller)})
    connexion_app.add_api(
        control_spec,
        resolver=Resolver(function_resolver=lambda op_id: control[handler_name(op_id)]),
        strict_validation=True,
        validator_map={"parameter": parameter_validator_class()},
    )
    allow = path_methods(document) + path_methods(control_spec)
    connexion_app.add_error_handler(KratosError, _render_kratos_error)
    connexion_app.add_error_handler(ProblemException, _render_problem)
    connexion_app.add_error_handler(HTTPException, lambda req, exc: _render_http(req, exc, allow))
    connexion_app.add_error_handler(UnicodeDecodeError, _render_undecodable)
    connexion_app.add_error_handler(RecursionError, _render_undecodable)
    connexion_app.add_error_handler(ValueError, _render_undecodable)  # json: integers over 4300 digits
    connexion_app.add_error_handler(Exception, _render_crash)
    return KratosMockApp(connexion_app, controller, settings, metrics, legacy=api != "v26.2")


class _CachedOperation(AsyncOperation):
    """connexion 3.3 rebuilds each handler's decorator chain (``inspect.signature`` and all) on every
    request; the chain reads the request from context at call time, so building it once is the same."""

    @functools.cached_property
    def fn(self) -> Callable[..., Any]:  # type: ignore[override]
        return AsyncOperation.fn.fget(self)  # type: ignore[attr-defined]


class _CachedApi(AsyncApi):
    def make_operation(self, operation: Any) -> AsyncOperation:
        return _CachedOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )


class KratosMockApp:
    """The ASGI app: Kratos' front matter (auth, /admin prefix, body cap, the request journal)
    around connexion."""

    def __init__(
        self, app: AsyncApp, controller: MockController, settings: Settings, metrics: Metrics, *, legacy: bool = False
    ) -> None:
        self.connexion = app
        self.controller = controller
        self.store = controller.store
        self.journal = controller.journal
        self.settings = settings
        self.require_token = settings.require_token
        self._control_token = _bearer(settings.control_token)
        self.metrics = metrics
        self.legacy = legacy
        self._admin_paths = LEGACY_ADMIN_PATHS if legacy else ("/admin/",)

    @property
    def require_token(self) -> str | None:
        """The admin token (Ory Network mode), or None (OSS: no auth). Can change between tests."""
        return self._require_token

    @require_token.setter
    def require_token(self, token: str | None) -> None:
        self._require_token = token
        self._token = _bearer(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.connexion(scope, receive, send)
            return
        path: str = scope["path"]
        if _CONTROL.search(path):
            await _send_error(send, KratosError(404, "The request path contains control characters."), scope)
            return
        if not self.legacy and path.startswith(ADMIN_PREFIXES):
            scope = {**scope, "path": "/admin" + path, "raw_path": b"/admin" + scope.get("raw_path", path.encode())}
            path = scope["path"]
        if path == METRICS_PATH and scope["method"] == "GET":
            body, content_type = self.metrics.render()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if path.startswith(CONTROL_PREFIX):
            if self._control_token is not None and not _authorized(scope, self._control_token):
                await _send_error(send, KratosError(401, "The control plane needs the --control-token."), scope)
                return
            await self.connexion(scope, _capped(receive), send)
            return
        if self._token is not None and path.startswith(self._admin_paths) and not _authorized(scope, self._token):
            await _send_error(send, KratosError(401, "The request could not be authorized", UNAUTHORIZED), scope)
            return
        await self._journaled(scope, receive, send)

    async def _journaled(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one Kratos request and record it: method, path, query, body, status, operationId."""
        chunks: list[bytes] = []
        status = 0
        capped = _capped(receive)

        async def recording_receive() -> Message:
            message = await capped()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # connexion's router writes the operationId into a *copy* of the scope; a shared
        # "extensions" dict is how it reaches us (uvicorn, unlike test clients, sends none).
        extensions = scope.setdefault("extensions", {})
        started = time.perf_counter()
        try:
            await self.connexion(scope, recording_receive, recording_send)
        finally:
            routing = extensions.get("connexion_routing", {})
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            entry = JournalEntry(
                method=scope["method"],
                path=scope["path"],
                query=query,
                body=_journal_body(b"".join(chunks)),
                status=status,
                operation_id=routing.get("operation_id"),
                time=self.store.clock.now(),
            )
            self.journal.record(entry)
            self.metrics.observe(entry.operation_id, entry.method, status, time.perf_counter() - started)


def _bearer(token: str | None) -> bytes | None:
    return f"Bearer {token}".encode() if token else None


def _authorized(scope: Scope, expected: bytes) -> bool:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value == expected
    return False


def _journal_body(raw: bytes) -> Any:
    """The request body for the journal: parsed JSON when it is, else (a prefix of) the text."""
    if not raw:
        return None
    if len(raw) <= JOURNAL_BODY_LIMIT:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            pass
    return raw[:JOURNAL_BODY_LIMIT].decode("utf-8", "replace")


def _capped(receive: Receive) -> Receive:
    """Refuse bodies over Kratos' 5 MB admin limit instead of buffering them."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY:
            raise KratosError(413, f"The request body exceeds {MAX_BODY} bytes.")
        return message

    return wrapped


def _envelope(error: KratosError, request_id: str | None) -> bytes:
    """The Kratos envelope; ``request`` echoes the caller's X-Request-ID, as herodot does."""
    envelope = error.envelope()
    if request_id:
        envelope["error"] = {**envelope["error"], "request": request_id}
    return dumps(envelope)


async def _send_error(send: Send, error: KratosError, scope: Scope) -> None:
    request_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
    body = _envelope(error, request_id)
    headers = [
        (b"content-type", ERROR_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"ory-error-id", b""),
    ]
    await send({"type": "http.response.start", "status": error.code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _response(
    error: KratosError, request: ConnexionRequest, headers: Mapping[str, str] | None = None
) -> ConnexionResponse:
    body = _envelope(error, request.headers.get("x-request-id"))
    headers = {"Ory-Error-Id": "", **(headers or {})}
    return ConnexionResponse(status_code=error.code, mimetype=ERROR_TYPE, body=body, headers=headers)


def _render_kratos_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, KratosError)
    return _response(exc, request)


def _render_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Connexion's validation problems, reworded as Kratos errors (415 is Kratos' 400)."""
    assert isinstance(exc, ProblemException)
    status = 400 if exc.status == 415 else exc.status
    detail = str(exc.detail or exc.title or "")
    if exc.status == 415:
        detail = f"Content-Type must be application/json: {detail}"
    return _response(KratosError(status, detail or None), request)


def _render_http(request: ConnexionRequest, exc: Exception, allow: list[Any]) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        methods: list[str] = next((m for pattern, m in allow if pattern.match(request.url.path)), [])
        error = KratosError(405, f"{request.method} is not allowed here.")
        return _response(error, request, {"Allow": ", ".join(methods)})
    if exc.status_code == 404:
        error = KratosError(404, f"No route matches {request.url.path}.", "The requested resource could not be found")
        return _response(error, request)
    return _response(KratosError(exc.status_code, str(exc.detail) if exc.detail else None), request)


def _render_undecodable(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Bodies connexion cannot decode (not UTF-8, nested too deep, integers Python will not parse):
    Kratos' decoder rejects them too."""
    error = KratosError(400, message=f"The request body could not be decoded as JSON: {type(exc).__name__}")
    return _response(error, request)


def _render_crash(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    if isinstance(exc, KratosError):  # e.g. raised while reading the body
        return _response(exc, request)
    log.exception("unhandled error in the mock", exc_info=exc)
    return _response(KratosError(500, f"The mock failed: {type(exc).__name__}"), request)
