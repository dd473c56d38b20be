"""A second, public port (``--public-port``): what Kratos' public router serves, and nothing else.

Kratos v26.2.0 listens twice (cmd/daemon/serve.go ServeAll: servePublic and serveAdmin). The public
router (driver/registry_default.go RegisterPublicRoutes) serves the self-service flows, whoami and
the user's sessions, ``/schemas`` and the health checks; it answers the identity admin routes with
a 307 to the admin URL (identity/handler.go RegisterPublicRoutes, session/handler.go's
``DELETE /identities/{id}/sessions``, the recovery strategies' ``/recovery/{link,code}``, courier's
``/admin/courier/messages``; x/redir/port_redirect.go RedirectToAdminRoute) and everything else
with 404. The mock keeps serving every route on its first port (public routes there are how
existing users call it) and adds this filter on the second: one app, one store, two sockets, told
apart by the local port of the connection (the ASGI scope's ``server``).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from . import frontend_api
from .errors import KratosError
from .frontdoor import send_admin_redirect
from .rendering import send_error
from .spec import load_spec

# Kratos' public health routes (x/healthx SetHealthRoutes(router, false)); /version and
# /metrics/prometheus are admin-only (SetVersionRoutes, prometheusx.SetMuxRoutes on the admin router)
ALWAYS_PUBLIC = ("/health/alive", "/health/ready", "/schemas", "/schemas/{id}")
# (method, path) the public router redirects to the admin port; path.Join(admin, "/admin", path)
_IDENTITY_ROUTES = tuple(
    (method, prefix + path)
    for prefix in ("", "/admin")
    for method, path in (
        ("GET", "/identities"),
        ("GET", "/identities/by/external/{externalID}"),
        ("GET", "/identities/{id}"),
        ("DELETE", "/identities/{id}"),
        ("POST", "/identities"),
        ("PUT", "/identities/{id}"),
        ("PATCH", "/identities/{id}"),
        ("DELETE", "/identities/{id}/credentials/{type}"),
    )
)
TO_ADMIN = (
    *_IDENTITY_ROUTES,
    ("DELETE", "/identities/{id}/sessions"),  # session/handler.go RegisterPublicRoutes
    ("POST", "/recovery/link"),  # strategy/link/strategy_recovery.go RegisterPublicRoutes
    ("POST", "/recovery/code"),  # strategy/code/strategy_recovery_admin.go RegisterPublicRoutes
    ("GET", "/admin/courier/messages"),  # courier/handler.go RegisterPublicRoutes
    ("GET", "/admin/courier/messages/{msgID}"),
)


def _pattern(template: str) -> re.Pattern[str]:
    """An OpenAPI / httprouter path template as a regex; a parameter is one non-empty segment."""
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))


def public_paths(spec: str) -> tuple[re.Pattern[str], ...]:
    """The path templates of a spec's ``frontend`` operations, with the routes every public port has."""
    _, public = frontend_api.split(load_spec(spec))
    templates = [*(public or {}).get("paths", {}), *ALWAYS_PUBLIC]
    return tuple(_pattern(t) for t in templates)


class PortSplit:
    """The ASGI app uvicorn serves on both sockets: requests to ``public_port`` see Kratos' public
    router; the others go to the app unchanged."""

    def __init__(self, app: ASGIApp, *, public_port: int, admin_url: str, spec: str) -> None:
        self.app = app
        self.public_port = public_port
        self.admin_url = admin_url.rstrip("/")
        self._public = public_paths(spec)
        self._to_admin = tuple((method, _pattern(path)) for method, path in TO_ADMIN)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or (None, None)
        if scope["type"] != "http" or server[1] != self.public_port:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if any(p.fullmatch(path) for p in self._public):
            await self.app(scope, receive, send)
        elif any(scope["method"] == m and p.fullmatch(path) for m, p in self._to_admin):
            await self._redirect(scope, send)
        else:
            # Kratos: httprouter's plain-text "404 page not found"; the mock's envelope (README "Differences")
            await send_error(send, KratosError(404, "Unable to locate the resource"), scope)

    async def _redirect(self, scope: Scope, send: Send) -> None:
        """x/redir RedirectToAdminRoute: the admin URL's path joined with ``/admin`` and the path
        without its ``/admin``, the query kept; http.Redirect's 307 (an HTML body for GET and HEAD)."""
        await send_admin_redirect(scope, send, scope["path"].removeprefix("/admin"), self.admin_url)
