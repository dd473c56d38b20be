"""What the shadow proxy compares, and how a request naming the upstream's ids is replayed on the mock.

Ids the upstream creates during a run are paired with the mock's from the answers both servers gave
to the same request (the same place in both bodies, or in ``Location``: ``pairs``). The shadow
first makes the mock adopt them (``AdoptingEntropy``: the request replayed again with the upstream's
ids in place of the mock's draws), so both servers hold the same ids and lists keep one order. What
cannot be adopted (session tokens, ids the mock made without drawing) is kept in an ``IdMap`` and
rewritten: upstream → mock in what is replayed, mock → upstream in what is reported. Answers are
compared as ``kratos-mock diff`` compares them (``diff.normalize``).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from .clock import Entropy
from .diff import normalize

SESSION_TOKEN = "ory_st_"  # noqa: S105 - the prefix of Kratos session tokens, not a secret
OPAQUE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|ory_st_[A-Za-z0-9]+")
_KEY, _VALUE = r"(?<![A-Za-z0-9_])page_token=", r"[^&>;\s\"]*"
PAGE_TOKEN = re.compile(f"({_KEY})({_VALUE})")
_EITHER = re.compile(f"(?P<key>{_KEY})(?P<token>{_VALUE})|{OPAQUE.pattern}")
COMPARED_HEADERS = ("Link", "X-Total-Count", "Location")  # the headers clients act on
MAX_PAIRS = 100_000  # learnt id pairs kept (oldest dropped first)

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


class IdMap:
    """Upstream value ↔ mock value for ids and session tokens, learnt from answers; bounded."""

    def __init__(self, limit: int = MAX_PAIRS) -> None:
        self._to_mock: OrderedDict[str, str] = OrderedDict()
        self._to_upstream: dict[str, str] = {}
        self.limit = limit

    def __len__(self) -> int:
        return len(self._to_mock)

    def learn(self, upstream: Answer, mock: Answer, fresh: Callable[[str], bool]) -> None:
        """Pair what stands in the same place of two accepted answers to the same request, where
        the mock's value is ``fresh`` (made by this request: anything else that differs is a
        difference, not a translation)."""
        if accepted(upstream.status) and accepted(mock.status):
            for upstream_value, mock_value in pairs(upstream, mock):
                if fresh(mock_value):
                    self._pair(upstream_value, mock_value)

    def _pair(self, upstream: str, mock: str) -> None:
        if upstream == mock or upstream in self._to_mock or mock in self._to_upstream:
            return  # first pairing wins: a later mismatch is a difference, not a new id
        self._to_mock[upstream] = mock
        self._to_upstream[mock] = upstream
        while len(self._to_mock) > self.limit:
            _, dropped = self._to_mock.popitem(last=False)
            self._to_upstream.pop(dropped, None)

    def to_mock(self, text: str) -> str:
        return _replace(text, self._to_mock)

    def to_upstream(self, text: str) -> str:
        return _replace(text, self._to_upstream)


def accepted(status: int) -> bool:
    """An answer that made or found something (a redirect to a new flow included): ids to pair."""
    return 200 <= status < 400


def pairs(upstream: Answer, mock: Answer) -> list[tuple[str, str]]:
    """(upstream, mock) ids and tokens that stand in the same place of the two answers: in
    ``Location`` and in the bodies (objects by key, lists of the same length by position)."""
    found: list[tuple[str, str]] = []
    located = [OPAQUE.findall(a.header("Location") or "") for a in (upstream, mock)]
    if len(located[0]) == len(located[1]):
        found += zip(*located, strict=True)
    _walk(upstream.json(), mock.json(), found)
    return [(a, b) for a, b in found if a != b]


def _walk(upstream: Any, mock: Any, found: list[tuple[str, str]]) -> None:
    if isinstance(upstream, dict) and isinstance(mock, dict):
        for key in upstream.keys() & mock.keys():
            _walk(upstream[key], mock[key], found)
    elif isinstance(upstream, list) and isinstance(mock, list) and len(upstream) == len(mock):
        for a, b in zip(upstream, mock, strict=True):
            _walk(a, b, found)
    elif isinstance(upstream, str) and isinstance(mock, str) and _opaque(upstream) and _opaque(mock):
        found.append((upstream, mock))
    elif isinstance(upstream, str) and isinstance(mock, str) and upstream != mock:  # ids inside links
        a, b = OPAQUE.findall(upstream), OPAQUE.findall(mock)
        if len(a) == len(b):
            found += zip(a, b, strict=True)


class AdoptingEntropy(Entropy):
    """The shadow mock's random source: it records the ids and tokens a replay draws, and hands out
    the upstream's in their place (``substitute``) when the replay is run again from the same
    state, so what the mock creates carries the upstream's ids and session tokens."""

    def __init__(self, state: object) -> None:
        super().__init__()
        self.set_state(state)
        self.drawn: set[str] = set()
        self.substitute: dict[str, str] = {}

    def uuid4(self) -> str:
        value = super().uuid4()
        self.drawn.add(value)
        return self.substitute.get(value, value)

    def token(self, length: int = 32) -> str:
        value = super().token(length)
        self.drawn.add(value)
        return self.substitute.get(value, value)

    def made(self, value: str) -> bool:
        """Whether the last replay drew ``value`` (a session token: its random part)."""
        return value.removeprefix(SESSION_TOKEN) in self.drawn

    def substitutes(self, found: list[tuple[str, str]]) -> dict[str, str]:
        """Drawn value → the upstream's, for the (upstream, mock) pairs whose mock side was drawn."""
        out = {}
        for upstream, mock in found:
            if self.made(mock) and upstream.startswith(SESSION_TOKEN) == mock.startswith(SESSION_TOKEN):
                out[mock.removeprefix(SESSION_TOKEN)] = upstream.removeprefix(SESSION_TOKEN)
        return out

    def clear(self) -> None:
        self.drawn.clear()
        self.substitute = {}


def _opaque(value: str) -> bool:
    return OPAQUE.fullmatch(value) is not None


def _replace(text: str, table: dict[str, str]) -> str:
    """One pass (a value is never translated twice): page tokens, then ids and tokens elsewhere."""
    if not table:
        return text

    def values(inner: str) -> str:
        return OPAQUE.sub(lambda m: table.get(m.group(0), m.group(0)), inner)

    def one(match: re.Match[str]) -> str:
        if match.group("token") is not None:
            return match.group("key") + page_token(match.group("token"), values)
        return table.get(match.group(0), match.group(0))

    return _EITHER.sub(one, text)


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
