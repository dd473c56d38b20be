"""Kratos' three pagination dialects and their ``Link`` headers (oryx/pagination at v26.2.0).

* keyset (``page_size``/``page_token``): identities (token = last id) and sessions (token =
  base64 of ``created_at=…/id=…``); ``Link`` with first and, if more exists, next.
* offset (``page``/``per_page``, 0-based) on identities: ``X-Total-Count`` and first/next/prev/last.
* migration (identity sessions, schemas): either dialect, ``X-Total-Count`` and links that carry
  all four parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote_plus

from .errors import bad_request
from .values import NIL_UUID, parse_int

SESSIONS_FIRST_CREATED = datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)
PAGE_PARAMS = ("page", "per_page", "page_size", "page_token")

Query = list[tuple[str, str]]


def encode_query(items: Iterable[tuple[str, str]]) -> str:
    """Go's ``url.Values.Encode``: keys sorted, values in order, query-escaped."""
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k in sorted(grouped) for v in grouped[k])


def _url(path: str, query: Query, **params: object) -> str:
    kept = [(k, v) for k, v in query if k not in params]
    return f"{path}?{encode_query(kept + [(k, str(v)) for k, v in params.items()])}"


def _link(url: str, rel: str) -> str:
    return f'<{url}>; rel="{rel}"'


def keyset_links(path: str, query: Query, size: int, first_token: str, next_token: str | None) -> str:
    links = [_link(_url(path, query, page_size=size, page_token=first_token), "first")]
    if next_token is not None:
        links.append(_link(_url(path, query, page_size=size, page_token=next_token), "next"))
    return ",".join(links)


def offset_rels(total: int, page: int, per_page: int) -> list[tuple[str, int, int]]:
    """(rel, page, per_page) per oryx/pagination/header.go HeaderWithFormatter, odd edge cases included."""
    if total == 0:
        return [("first", 0, per_page), ("next", page + 1, per_page), ("prev", page - 1, per_page)]
    if total <= per_page:
        return [("first", 0, total)]
    last = (total - 1) // per_page
    if page >= last:  # on or past the last page, prev is the page before the last (oryx/pagination/header.go)
        return [("first", 0, per_page), ("prev", last - 1, per_page)]
    if page <= 0:
        return [("next", page + 1, per_page), ("last", last, per_page)]
    return [
        ("first", 0, per_page),
        ("next", page + 1, per_page),
        ("prev", page - 1, per_page),
        ("last", last, per_page),
    ]


def offset_links(path: str, query: Query, total: int, page: int, per_page: int) -> str:
    """Offset pages of the identities list: ``page`` and ``per_page`` only."""
    return ",".join(
        _link(_url(path, query, page=p, per_page=n), rel) for rel, p, n in offset_rels(total, page, per_page)
    )


def offset_token(offset: int) -> str:
    raw = json.dumps({"offset": str(offset), "v": 2}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def parse_offset_token(token: str) -> int:
    """Undecodable migration tokens silently mean offset 0, as in Kratos."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return max(0, int(data.get("offset", 0)))
    except (binascii.Error, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        return 0


def migration_links(path: str, query: Query, total: int, page: int, per_page: int) -> str:
    return ",".join(
        _link(_url(path, query, page=p, page_size=n, page_token=offset_token(p * n), per_page=n), rel)
        for rel, p, n in offset_rels(total, page, per_page)
    )


def migration_page(raw: dict[str, str], default: int = 250, maximum: int = 1000) -> tuple[int, int]:
    """(0-based page, size) from either dialect of the migration paginator."""
    if "page_token" in raw or "page_size" in raw:
        size = max(min(_int(raw.get("page_size"), default), maximum), 1)  # tokenpagination: < 1 is 1
        return parse_offset_token(raw.get("page_token", "")) // size, size
    size = max(min(_int(raw.get("per_page"), default), maximum), 1)  # pagepagination: < 1 is 1
    return max(_int(raw.get("page"), 0), 0), size


def _int(value: str | None, default: int) -> int:
    """The migration paginator reads unparsable numbers as the default."""
    parsed = parse_int(value, default)
    return default if parsed is None else parsed


# --- session keyset tokens -------------------------------------------------------------------


def _fmt_db_time(value: datetime) -> str:
    text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{value.microsecond:06d}".rstrip("0") if value.microsecond else text


def session_token(created_at: datetime, session_id: str) -> str:
    raw = f"created_at={_fmt_db_time(created_at)}/id={session_id}".encode()
    return base64.b64encode(raw).rstrip(b"=").decode()


FIRST_SESSION_TOKEN = session_token(SESSIONS_FIRST_CREATED, NIL_UUID)


def parse_session_token(token: str) -> tuple[datetime, str]:
    try:
        text = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode()
        fields = dict(part.split("=", 1) for part in text.split("/") if "=" in part)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request(message="could not parse parameter page_size") from None
    try:
        created = datetime.fromisoformat(fields.get("created_at", "")).replace(tzinfo=UTC)
        session_id = str(uuid.UUID(fields["id"]))
    except (KeyError, ValueError):
        raise bad_request(message="page token is invalid") from None
    return created, session_id
