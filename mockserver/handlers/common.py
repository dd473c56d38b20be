"""What every handler shares: the context it runs in, response builders, Kratos' parameter rules."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from connexion import request
from starlette.responses import Response

from ..errors import bad_request
from ..pagination import migration_links, migration_page
from ..store import Store
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
    "deviceauthn",
    "link_recovery",
    "code_recovery",
)
_DURATION = re.compile(r"^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
MAX_DURATION_SECONDS = 9_223_372_036.854775807
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class Context:
    """What handlers need: the store and the URLs Kratos would put into responses."""

    store: Store
    admin_url: str
    public_url: str
    recovery_ui_url: str
    recovery_link_enabled: bool = True
    metrics: Any = None  # mockserver.metrics.Metrics, for the legacy /metrics/prometheus operation


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


INT64 = range(-(2**63), 2**63)


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
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad_request(message=f'uuid: incorrect UUID format in string "{value}"') from None


def lenient_uuid(value: str) -> str:
    """Identity endpoints: a non-UUID becomes the nil UUID, so it is simply not found."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return "00000000-0000-0000-0000-000000000000"


def go_duration(value: str | None, field: str = "expires_in") -> timedelta | None:
    """Parse a Go duration (``1h30m``, ``1.5h``, ``500ms``) for ``expires_in``; must be positive."""
    if value is None or value == "":
        return None
    total, rest, sign = 0.0, value, 1.0
    if rest[:1] in "+-":
        sign, rest = (-1.0 if rest[0] == "-" else 1.0), rest[1:]
    if rest == "0":
        rest = ""
    elif not rest:
        rest = "?"
    unparsable = bad_request(f'Unable to parse "{field}" as a duration string (e.g. "1h", "1m30s", "500ms"): {value}')
    while rest:
        match = _DURATION.match(rest)
        if not match:
            raise unparsable
        total += float(match.group(1)) * _UNITS[match.group(3)]
        rest = rest[match.end() :]
    if total > MAX_DURATION_SECONDS:
        raise unparsable  # Go's int64 nanoseconds overflow
    total *= sign
    if total <= 0:
        raise bad_request(f'Value from "{field}" must be result to a future time: {value}')
    return timedelta(seconds=total)
