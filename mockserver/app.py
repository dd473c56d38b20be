"""The app factory: connexion serves a generation's spec with handlers bound to one store.

Nothing here is module-level state: every ``create_app`` call builds its own store, handlers and
connexion app, so two apps in one process never share data.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from . import fastlane, fault_injection, frontdoor, frontend_api, generations, rendering, tuning
from .clock import Entropy, ManualClock, MockClock, SystemClock
from .control import DEFAULT_JOURNAL_SIZE, MockController, RequestJournal
from .faults import FaultTable, success_statuses
from .fixtures import Source
from .generations import Generation
from .handlers import Context, build_handlers, handler_name
from .handlers.control import ControlHandlers
from .handlers.control_faults import ControlFaultHandlers
from .handlers.control_login import ControlLoginHandlers
from .identity_schemas import SchemaRegistry, default_schemas
from .kratos_config import KratosConfig, load_config
from .metrics import Metrics
from .spec import CONTROL, load_spec, path_methods
from .store import Store


@dataclass(frozen=True)
class Settings:
    """How the app starts: the URLs it reports and the Kratos options it emulates."""

    base_url: str = "http://127.0.0.1:4434"  # admin base URL (Location headers)
    public_url: str | None = None  # schema_url and recovery links; defaults to base_url
    recovery_ui_url: str = "http://127.0.0.1:4455/recovery"
    require_token: str | None = None  # the initial admin token (KratosMockApp.require_token after)
    control_token: str | None = None  # protects /__mock__ when set
    recovery_link_enabled: bool = True
    journal_size: int = DEFAULT_JOURNAL_SIZE
    session_lifespan: timedelta = timedelta(hours=24)
    # Location headers, schema_url and recovery links from each request's Host (and scheme), for
    # in-process clients such as TestClient's http://testserver; public_url, when set, still wins.
    follow_host: bool = False
    # Bodyless operations skip connexion's per-request machinery (``fastlane``); off, connexion
    # serves every request. The answers are the same (tests/test_fastlane.py compares them).
    fast_lane: bool = True


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
    config: str | Path | Mapping[str, Any] | KratosConfig | None = None,
) -> KratosMockApp:
    """Build a fresh mock: a new store (unless one is given) behind a generation's OpenAPI spec.

    ``fixtures`` (paths, documents) are loaded, then sealed: ``/__mock__/reset`` and the pytest
    plugin return to that state. A fixture that cannot load raises ``FixtureError``.
    ``api`` names the Kratos generation (``mockserver.generations.NAMES``): "v26.2", "v1.1",
    "v1.0" or "v0.6". ``config`` is the user's kratos.yml (a path, a parsed document or a
    ``KratosConfig``; ``kratos_config.ConfigError`` names what the mock cannot follow): it shapes
    the public API, and its identity schemas and session lifespan apply unless given here.
    """
    generation = generations.get(api)
    settings = settings or Settings()
    kratos = load_config(config)
    public_url = (settings.public_url or kratos.public_base_url or settings.base_url).rstrip("/")
    if store is None:
        if schemas is None and kratos.identity_schemas:
            schemas = dict(kratos.identity_schemas)
            default_schema_id = default_schema_id or kratos.identity_default_schema_id
        store = Store(
            SchemaRegistry(schemas or default_schemas(), default_schema_id),
            clock=clock or (ManualClock() if seed is not None else SystemClock()),
            entropy=Entropy(seed),
            public_url=public_url,
            session_lifespan=kratos.session_lifespan if config is not None else settings.session_lifespan,
            rules=generation.rules,
        )
    document = load_spec(generation.spec)
    faults = FaultTable(seed, success_statuses(document))
    controller = MockController(store, RequestJournal(settings.journal_size), faults)
    controller.load(fixtures)
    controller.seal()
    metrics = Metrics(store)
    ctx = Context(
        store=store,
        base_admin_url=settings.base_url.rstrip("/"),
        base_public_url=public_url,
        recovery_ui_url=settings.recovery_ui_url,
        recovery_link_enabled=settings.recovery_link_enabled,
        metrics=metrics,
        follow_host=settings.follow_host,
        follow_host_public=settings.follow_host and settings.public_url is None,
        config=kratos,
    )
    connexion_app = tuning.new_app(__name__)
    fault_injection.install(connexion_app, faults)
    handlers = build_handlers(ctx, generation.handler_groups)
    admin_document, public_document = frontend_api.split(document)
    tuning.add_api(
        connexion_app, admin_document, handlers, name_of=handler_name, lenient=generation.lenient_query, go_bodies=True
    )
    if public_document is not None:
        frontend_api.add(
            connexion_app, public_document, handlers, name_of=handler_name, lenient=generation.lenient_query
        )
    control_spec = load_spec(CONTROL)
    control = build_handlers(
        ctx, extra=[ControlHandlers(ctx, controller), ControlLoginHandlers(ctx), ControlFaultHandlers(ctx, faults)]
    )
    tuning.add_api(connexion_app, control_spec, control, name_of=handler_name, strict=True)
    allow = path_methods(document) + path_methods(control_spec)
    rendering.install(connexion_app, allow)
    lane = None
    if settings.fast_lane:
        faulted = functools.partial(fault_injection.FaultMiddleware, table=faults)
        lane = fastlane.FastLane(connexion_app, rendering.renderers(allow), around=[faulted])
    mock = KratosMockApp(connexion_app, controller, settings, metrics, generation, lane)
    mock.kratos_config = kratos
    return mock


class KratosMockApp:
    """The ASGI app: the front door (``frontdoor``) around the fast lane (``fastlane``) and connexion."""

    def __init__(
        self,
        app: Any,
        controller: MockController,
        settings: Settings,
        metrics: Metrics,
        generation: Generation,
        lane: fastlane.FastLane | None = None,
    ) -> None:
        self.connexion = app
        self.lane = lane
        self.controller = controller
        self.store = controller.store
        self.journal = controller.journal
        self.faults = controller.faults
        self.settings = settings
        self.metrics = metrics
        self.generation = generation
        self.kratos_config = KratosConfig()  # the kratos.yml create_app read (the public API's)
        self.access = frontdoor.Access(settings.require_token, settings.control_token)
        self._app: ASGIApp = frontdoor.pipeline(
            lane if lane is not None else app,
            [
                fault_injection.connection(self.faults),
                *([frontdoor.follow_host] if settings.follow_host else []),
                frontdoor.reject_control_characters,
                *([frontdoor.no_trailing_slash] if generation.trailing_slash_404 else []),
                frontdoor.admin_prefix(generation.unprefixed_admin),
                frontdoor.admin_redirect(generation.redirect_admin),
                frontdoor.json_whatever_the_content_type(generation.untyped_json),
                frontdoor.metrics_endpoint(metrics),
                frontdoor.control_plane_auth(self.access),
                frontdoor.admin_auth(self.access, generation.admin_paths),
                frontdoor.journal(self.journal, metrics, self.store.clock.now),
                frontdoor.body_cap,
                *([frontdoor.served_as_get(generation.any_method)] if generation.any_method else []),
                frontend_api.keep_body,
            ],
        )

    @property
    def require_token(self) -> str | None:
        """The admin token (Ory Network mode), or None (OSS: no auth). Can change between tests."""
        return self.access.admin_token

    @require_token.setter
    def require_token(self, token: str | None) -> None:
        self.access.admin_token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)
