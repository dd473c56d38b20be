"""The pagination of Kratos v1.0 and v1.1: ory/x v0.0.562 (v1.0) and v0.0.614 (v1.1).

* ``pagepagination.PagePaginator.ParsePagination``: ``page`` 0-based (unparsable or negative → 0),
  ``per_page`` (unparsable → default, clamped to [1, max]); never an error.
* ``tokenpagination.TokenPaginator.ParsePagination``: ``page_token`` = base64url of
  ``{"offset":"N","v":2}`` (undecodable → 0), ``page_size`` as above.
* ``migrationpagination.Paginator.ParsePagination``: the token paginator when ``page_token`` or
  ``page_size`` is present, else the page paginator (``x.ParsePagination``).
* ``pagination.HeaderWithFormatter``: ``X-Total-Count`` and first/next/prev/last links, with the
  formatter of each paginator (page: ``per_page``/``page``; migration: all four parameters).

Go's ``url.Values`` read the first value of a repeated parameter (``Query().Get``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable

from .pagination import Query, encode_query, offset_token
from .values import parse_int

Rel = tuple[str, int, int]  # (rel, limit, offset)


def first(query: Query, name: str) -> str | None:
    """``url.Values.Get``: the first value, None when absent."""
    return next((v for k, v in query if k == name), None)


def has(query: Query, name: str) -> bool:
    return any(k == name for k, _ in query)


def _int(value: str | None, default: int) -> int:
    """ory/x's paginators read an absent, empty or unparsable number as the default."""
    parsed = parse_int(value, default)
    return default if parsed is None else parsed


def atoi_error(value: str) -> str:
    """The text of ``strconv.Atoi``'s error for ``value``."""
    why = "value out of range" if re.fullmatch(r"[+-]?[0-9]+", value) else "invalid syntax"
    return f"strconv.Atoi: parsing {json.dumps(value)}: {why}"


def parse_page(query: Query, default: int = 250, maximum: int = 1000) -> tuple[int, int]:
    """pagepagination: (0-based page, per_page)."""
    page = _int(first(query, "page"), 0)
    size = _int(first(query, "per_page"), default)
    return max(page, 0), max(min(size, maximum), 1)


def _decode_offset(token: str) -> int:
    """tokenpagination's decode: base64url without padding; gjson reads ``offset`` (0 if not)."""
    try:
        if "=" in token:
            raise binascii.Error("padding")
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = data.get("offset", 0) if isinstance(data, dict) else 0
        return _int(str(offset), 0) if isinstance(offset, (int, str)) else 0
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return 0


def parse_token(query: Query, default: int = 250, maximum: int = 1000) -> tuple[int, int]:
    """tokenpagination: (page = offset // size, size)."""
    token = first(query, "page_token") or ""
    offset = _decode_offset(token) if token else 0
    size = max(min(_int(first(query, "page_size"), default), maximum), 1)
    return max(offset // size if offset > 0 else 0, 0), size


def parse_migration(query: Query) -> tuple[int, int]:
    """``x.ParsePagination``: (0-based page, size) in either dialect."""
    if has(query, "page_token") or has(query, "page_size"):
        return parse_token(query)
    return parse_page(query)


def rels(total: int, page: int, per_page: int) -> list[Rel]:
    """``pagination.HeaderWithFormatter``'s links as (rel, limit, offset)."""
    per_page = max(per_page, 1)
    offset = page * per_page
    last = total - per_page if total % per_page == 0 else (total // per_page) * per_page
    if offset >= last:
        if total == 0:
            here = offset // per_page
            return [
                ("first", per_page, 0),
                ("next", per_page, (here + 1) * per_page),
                ("prev", per_page, (here - 1) * per_page),
            ]
        if total <= per_page:
            return [("first", total, 0)]
        return [("first", per_page, 0), ("prev", per_page, last - per_page)]
    if offset < per_page:
        return [("next", per_page, per_page), ("last", per_page, last)]
    here = offset // per_page
    return [
        ("first", per_page, 0),
        ("next", per_page, (here + 1) * per_page),
        ("prev", per_page, (here - 1) * per_page),
        ("last", per_page, last),
    ]


def _go_div(a: int, b: int) -> int:
    """Go's integer division truncates toward zero."""
    return -(-a // b) if (a < 0) != (b < 0) else a // b


def page_params(limit: int, offset: int) -> dict[str, str]:
    """pagepagination's formatter."""
    return {"per_page": str(limit), "page": str(_go_div(offset, limit))}


def migration_params(limit: int, offset: int) -> dict[str, str]:
    """migrationpagination's formatter: all four parameters."""
    return {
        "page_size": str(limit),
        "page_token": offset_token(offset),
        "per_page": str(limit),
        "page": str(_go_div(offset, limit)),
    }


def link_header(
    base: str, query: Query, total: int, page: int, per_page: int, params: Callable[[int, int], dict[str, str]]
) -> str:
    """The ``Link`` value for ``base`` (absolute or a path) with its own ``query`` kept."""
    links = []
    for rel, limit, offset in rels(total, page, per_page):
        values = params(limit, offset)
        kept = [(k, v) for k, v in query if k not in values]
        links.append(f'<{base}?{encode_query(kept + list(values.items()))}>; rel="{rel}"')
    return ",".join(links)


def keyset_link(base: str, query: Query, rel: str, token: str, size: int) -> str:
    """keysetpagination's link (first or next)."""
    kept = [(k, v) for k, v in query if k not in ("page_token", "page_size")]
    return f'<{base}?{encode_query([*kept, ("page_token", token), ("page_size", str(size))])}>; rel="{rel}"'
