"""What every handler shares: the context it runs in, response builders, Kratos' parameter rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from connexion import request
from starlette.responses import Response

from ..errors import bad_request
from ..kratos_config import KratosConfig
from ..pagination import migration_links, migration_page
from ..store import Store
from ..values import INT64, canonical_uuid, parse_go_duration
from ..wire import dumps

T = TypeVar("T")
JSON = "application/json; charset=utf-8"
NO_CACHE = "private, no-cache, no-store, must-revalidate"
DECLASSIFIABLE = (
    "password",
    "oidc",
    "saml",
    "totp",
    "lookup_secret",
    "webauthn",
    "code",
    "passkey",
    "link_recovery",
    "code_recovery",
)


@dataclass
class Context:
    """What handlers need: the store and the URLs Kratos would put into responses."""

    store: Store
    admin_url: str
    public_url: str
    recovery_ui_url: str
    recovery_link_enabled: bool = True
    metrics: Any = None  # mockserver.metrics.Metrics, for the legacy /metrics/prometheus operation
    config: KratosConfig = field(default_factory=KratosConfig)  # the user's kratos.yml (public API)


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with an explicit media type (connexion 3 never has to guess)."""
    out = Response(dumps(body), status, headers, media_type=JSON)
    if request.method == "GET":
        out.headers["Cache-Control"] = NO_CACHE
    return out


def migration_paginate(items: Sequence[T]) -> tuple[Sequence[T], dict[str, str]]:
    """One page of ``items`` in the migration dialect (page/per_page or page_token/page_size)."""
    query = raw_query()
    page, size = migration_page(dict(query))
    headers = {"X-Total-Count": str(len(items)), "Link": migration_links(request_path(), query, len(items), page, size)}
    return items[page * size : (page + 1) * size], headers


def no_content() -> Response:
    return Response(status_code=204)


def raw_query() -> list[tuple[str, str]]:
    return request.query_params.multi_items()


def request_path() -> str:
    return request.url.path


def check_int64(**params: int | None) -> None:
    """The spec types page parameters as int64; connexion checks only that they are integers."""
    for name, value in params.items():
        if value is not None and value not in INT64:
            raise bad_request(f"could not parse parameter {name}")


def include_credentials(values: list[str] | None, *, listing: bool) -> list[str]:
    """Validate ``include_credential``; the reason differs between list and get, as in Kratos."""
    parsed: list[str] = []
    for value in values or ():
        if value not in DECLASSIFIABLE:
            shown = value if listing else "[" + " ".join(parsed) + "]"
            raise bad_request(f"Invalid value `{shown}` for parameter `include_credential`.")
        parsed.append(value)
    return parsed


def expand_options(values: list[str] | None) -> set[str]:
    out = set()
    for value in values or ():
        lowered = value.lower()
        if lowered not in ("identity", "devices"):
            raise bad_request(f"Could not parse expand option: {value}")
        out.add(lowered)
    return out


def strict_uuid(value: str) -> str:
    """Session endpoints parse ids strictly: a non-UUID is a 400 with the parser's text."""
    parsed = canonical_uuid(value)
    if parsed is None:
        raise bad_request(message=f'uuid: incorrect UUID format in string "{value}"')
    return parsed


def go_duration(value: str | None, field: str = "expires_in") -> timedelta | None:
    """A Go duration (``1h30m``, ``1.5h``, ``500ms``) for ``expires_in``; it must be positive."""
    if value is None or value == "":
        return None
    duration = parse_go_duration(value)
    if duration is None:
        raise bad_request(f'Unable to parse "{field}" as a duration string (e.g. "1h", "1m30s", "500ms"): {value}')
    if duration <= timedelta(0):
        raise bad_request(f'Value from "{field}" must be result to a future time: {value}')
    return duration
