"""What every handler shares: the context it runs in, response builders, Kratos' parameter rules."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from connexion import request
from connexion.context import _scope
from starlette.responses import Response

from .. import wire
from ..errors import DecoderError, PlainError, bad_request
from ..godecode import GoType
from ..kratos_config import KratosConfig
from ..pagination import migration_links, migration_page
from ..store import Store
from ..urls import REQUEST_BASE
from ..values import INT64, canonical_uuid, fmt_go_duration, parse_go_duration, parse_go_duration_ns
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
    """What handlers need: the store and the URLs Kratos would put into responses.

    ``admin_url`` and ``public_url`` are the configured ones, or, when the app follows its clients'
    ``Host`` (``Settings.follow_host``), the base URL of the request being served."""

    store: Store
    base_admin_url: str
    base_public_url: str
    recovery_ui_url: str
    recovery_link_enabled: bool = True
    metrics: Any = None  # mockserver.metrics.Metrics, for the legacy /metrics/prometheus operation
    follow_host: bool = False  # admin URL from each request's Host
    follow_host_public: bool = False  # public URL too (no public URL was configured)
    config: KratosConfig = field(default_factory=KratosConfig)  # the user's kratos.yml (public API)

    @property
    def admin_url(self) -> str:
        base = REQUEST_BASE.get() if self.follow_host else None
        return base or self.base_admin_url

    @property
    def public_url(self) -> str:
        base = REQUEST_BASE.get() if self.follow_host_public else None
        return base or self.base_public_url


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with an explicit media type (connexion 3 never has to guess); ``body`` as
    bytes is JSON already (``EncodedViews``)."""
    if _scope.get()["method"] == "GET":  # the request's scope, without building a request object
        headers = {**headers, "Cache-Control": NO_CACHE} if headers else {"Cache-Control": NO_CACHE}
    return Response(body if isinstance(body, bytes) else dumps(body), status, headers, media_type=JSON)


class EncodedViews:
    """The JSON of views of immutable records (a write replaces the record, never mutates it), so
    reading an unchanged record twice encodes it once. A hit needs the very record object the
    bytes were made from; ``key`` names everything else the view depends on. Bounded."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._entries: dict[Hashable, tuple[object, bytes]] = {}

    def get(self, record: object, key: Hashable, view: Callable[[], Any]) -> bytes:
        hit = self._entries.get(key)
        if hit is not None and hit[0] is record:
            return hit[1]
        data = dumps(view())
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[key] = (record, data)
        return data


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


# --- request bodies: how each Kratos handler decodes and words them --------------------------------

CONTENT_LENGTH_ZERO = 'Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.'
EXPIRES_IN_UNPARSABLE = (
    'Unable to parse "expires_in" whose format should match "[0-9]+(ns|us|ms|s|m|h)" but did not: {}'
)


def body_is_empty() -> bool:
    """Go's ``r.ContentLength == 0``: no ``Content-Length`` (and not chunked), or ``0``."""
    length = request.headers.get("content-length")
    if length is None:
        return "chunked" not in request.headers.get("transfer-encoding", "").lower()
    return length.strip() == "0"


def json_decoder(body: Any, *, plain: bool = False) -> Any:
    """``json.NewDecoder(r.Body).Decode``, as create and batch read: an empty body is ``io.EOF``
    (``plain``: written with ``WriteErrorCode``, see ``PlainError``)."""
    if body_is_empty():
        raise PlainError("EOF") if plain else DecoderError("EOF")
    return body


def decoderx(body: Any, struct: GoType) -> Any:
    """``decoderx.Decode(r, &p, decoderx.HTTPJSONDecoder())`` (oryx/decoderx/http.go), as PUT and
    the recovery endpoints read: a body is required, unknown fields are ignored, and the decoder's
    error is the reason ``Unable to decode JSON payload: ...``."""
    if body_is_empty():
        raise bad_request(CONTENT_LENGTH_ZERO)
    try:
        return wire.decode(body, struct, strict=False) or {}
    except DecoderError as error:
        raise bad_request(f"Unable to decode JSON payload: {error.text}") from None


def recovery_expiry(value: str | None, future: str) -> timedelta | None:
    """``expires_in`` of the recovery endpoints: ``time.ParseDuration`` when not empty, and a
    positive result. ``future`` words the refusal of a non-positive one (its ``{raw}`` is the text
    sent, ``{duration}`` Go's ``Duration.String()``: the wording differs per strategy and release)."""
    if not value:
        return None
    nanoseconds = parse_go_duration_ns(value)
    if nanoseconds is None:
        raise bad_request(EXPIRES_IN_UNPARSABLE.format(value))
    if nanoseconds <= 0:
        raise bad_request(future.format(raw=value, duration=fmt_go_duration(nanoseconds)))
    return timedelta(microseconds=nanoseconds // 1000)
