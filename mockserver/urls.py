"""The base URL of the request being served, for apps that follow their clients' ``Host``.

An in-process client (httpx's ``ASGITransport``, starlette's ``TestClient``) reaches the app at
whatever base URL it was given (``http://testserver``); with ``Settings(follow_host=True)`` the
front door records that base here for each request and ``Location`` headers, ``schema_url`` and
recovery links use it instead of the configured ``base_url``.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

REQUEST_BASE: ContextVar[str | None] = ContextVar("kratos_mock_request_base", default=None)
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def request_base(scope: dict[str, Any] | Any) -> str | None:
    """``scheme://host[:port]`` of an HTTP request's ``Host`` header (or the server address);
    ``None`` when it is missing or not a plain host."""
    host = next((v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"host"), None)
    if host is None and scope.get("server"):
        name, port = scope["server"][0], scope["server"][1]
        host = f"[{name}]:{port}" if ":" in str(name) else f"{name}:{port}"
    scheme = scope.get("scheme") or "http"
    if not host or not _HOST.fullmatch(host) or scheme not in ("http", "https"):
        return None
    return f"{scheme}://{host}"
