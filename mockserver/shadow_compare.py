"""What the shadow proxy compares: status, body and the headers clients act on, with ids, times
and secrets normalised as ``kratos-mock diff`` normalises them (``diff.normalize``), page tokens
included."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from .diff import normalize

# ids, session tokens and logout tokens: values two servers never share
OPAQUE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|ory_(?:st|lo)_[A-Za-z0-9]+")
PAGE_KEY, PAGE_VALUE = r"(?<![A-Za-z0-9_])page_token=", r"[^&>;\s\"]*"
PAGE_TOKEN = re.compile(f"({PAGE_KEY})({PAGE_VALUE})")
COMPARED_HEADERS = ("Link", "X-Total-Count", "Location")  # the headers clients act on

Rewrite = Callable[[str], str]


@dataclass(frozen=True)
class Answer:
    """One server's answer: status, headers (names lower-cased) and the body, content-encoding undone."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else None

    def json(self) -> Any:
        """The body as JSON when it is JSON, else as text (``None`` when empty)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return self.body.decode("utf-8", "replace")


def decoded(body: bytes, encoding: str | None) -> bytes:
    """The body a client reads: gzip and deflate undone (anything else is compared as sent)."""
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, zlib.error, EOFError):
        pass
    return body


def page_token(token: str, rewrite: Rewrite) -> str:
    """A ``page_token`` query value whose base64 text (session keysets: ``created_at=…/id=…``) is
    rewritten; a token that is not base64 text is rewritten as it stands."""
    raw = unquote_plus(token)
    urlsafe = "-" in raw or "_" in raw
    try:
        decode = base64.urlsafe_b64decode if urlsafe else base64.b64decode
        text = decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return rewrite(token)
    if not text.isprintable() or not OPAQUE.search(text):
        return rewrite(token)
    new = rewrite(text)
    if new == text:
        return token
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    out = encode(new.encode("ascii")).decode("ascii")
    return quote_plus(out if raw.endswith("=") else out.rstrip("="))


def normalize_header(value: str | None) -> Any:
    """A compared header with ids, times and secrets (inside page tokens too) replaced."""
    if value is None:
        return None
    return normalize(PAGE_TOKEN.sub(lambda m: m.group(1) + page_token(m.group(2), _placeholders), value))


def _placeholders(text: str) -> str:
    out = normalize(text)
    return out if isinstance(out, str) else text


def differences(upstream: Answer, mock: Answer) -> list[str]:
    """What a client would see differ: ``status``, ``body`` (normalised) and the compared headers."""
    out = []
    if upstream.status != mock.status:
        out.append("status")
    if normalize(upstream.json()) != normalize(mock.json()):
        out.append("body")
    out += [h for h in COMPARED_HEADERS if normalize_header(upstream.header(h)) != normalize_header(mock.header(h))]
    return out
