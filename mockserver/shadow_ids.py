"""How the shadow's mock comes to hold what the upstream holds, so a request naming the upstream's
ids, tokens or cookies means the same thing to both.

What a request makes is found in the two answers to it: the strings that stand in the same place
(``Location``, a cookie of the same name, a body's objects by key and lists by position) and differ.
The mock then *adopts* the upstream's values (``AdoptingEntropy``): the request is replayed again,
from the same store state, with the upstream's ids, session tokens and CSRF bytes handed out in
place of the mock's draws. Both servers then hold the same ids, lists keep one order and nosurf's
CSRF cookie and masked tokens match. What cannot be adopted (a session cookie in Kratos' encryption,
an id the mock made without drawing it) is translated instead (``IdMap``): upstream → mock in what
is replayed, mock → upstream in what is reported.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from .clock import Entropy
from .shadow_compare import OPAQUE, PAGE_KEY, PAGE_VALUE, Answer, page_token

SESSION_TOKEN = "ory_st_"  # noqa: S105 - the prefix of Kratos session tokens, not a secret
LOGOUT_TOKEN = "ory_lo_"  # noqa: S105 - Kratos stores a drawn one; the mock derives it from the session's
MAX_PAIRS = 100_000  # translations kept (oldest dropped first)
_EITHER = re.compile(f"(?P<key>{PAGE_KEY})(?P<token>{PAGE_VALUE})|{OPAQUE.pattern}")


def accepted(status: int) -> bool:
    """An answer that made or found something (a redirect to a new flow included)."""
    return 200 <= status < 400


def differing(upstream: Answer, mock: Answer) -> Iterator[tuple[str, str]]:
    """(upstream, mock) strings in the same place of the two answers that differ."""
    yield from _strings(upstream.header("Location"), mock.header("Location"))
    cookies = set_cookies(mock)
    for name, value in set_cookies(upstream).items():
        if name in cookies and value and cookies[name] and value != cookies[name]:
            yield value, cookies[name]
    yield from _strings(upstream.json(), mock.json())


def _strings(upstream: Any, mock: Any) -> Iterator[tuple[str, str]]:
    if isinstance(upstream, dict) and isinstance(mock, dict):
        for key in upstream.keys() & mock.keys():
            yield from _strings(upstream[key], mock[key])
    elif isinstance(upstream, list) and isinstance(mock, list) and len(upstream) == len(mock):
        for a, b in zip(upstream, mock, strict=True):
            yield from _strings(a, b)
    elif isinstance(upstream, str) and isinstance(mock, str) and upstream != mock:
        yield upstream, mock


def pairs(upstream: Answer, mock: Answer) -> list[tuple[str, str]]:
    """(upstream, mock) ids and session tokens that stand in the same place (inside links too)."""
    found: list[tuple[str, str]] = []
    for a, b in differing(upstream, mock):
        ids_a, ids_b = OPAQUE.findall(a), OPAQUE.findall(b)
        if len(ids_a) == len(ids_b):
            found += [(x, y) for x, y in zip(ids_a, ids_b, strict=True) if x != y]
    return found


def set_cookies(answer: Answer) -> dict[str, str]:
    """Cookie name → value, of the answer's ``Set-Cookie`` headers."""
    out = {}
    for name, value in answer.headers:
        if name == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, cookie = pair.partition("=")
            out[key.strip()] = cookie.strip()
    return out


def _bytes(value: str) -> bytes | None:
    """The bytes of a base64 value (standard or URL alphabet, padded or not), else ``None``."""
    if len(value) < 16:
        return None
    decode = base64.urlsafe_b64decode if "-" in value or "_" in value else base64.b64decode
    try:
        return decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


class AdoptingEntropy(Entropy):
    """The shadow mock's random source: it records what a replay draws and, when the replay is run
    again from the same state (``adopt``), hands out the upstream's values in place of those draws."""

    def __init__(self, state: object) -> None:
        super().__init__()
        self.set_state(state)
        self.drawn: set[str] = set()
        self.drawn_bytes: list[bytes] = []
        self.substitute: dict[str, str] = {}
        self.substitute_bytes: dict[bytes, bytes] = {}

    def uuid4(self) -> str:
        value = super().uuid4()
        self.drawn.add(value)
        return self.substitute.get(value, value)

    def token(self, length: int = 32) -> str:
        value = super().token(length)
        self.drawn.add(value)
        return self.substitute.get(value, value)

    def bytes(self, length: int) -> bytes:
        value = super().bytes(length)
        self.drawn_bytes.append(value)
        return self.substitute_bytes.get(value, value)

    def made(self, value: str) -> bool:
        """Whether the last replay drew ``value`` (of a session token: its random part)."""
        return value.removeprefix(SESSION_TOKEN) in self.drawn

    def adopt(self, upstream: Answer, mock: Answer) -> bool:
        """Prepare the next replay to hand out the upstream's values where this one drew others:
        ids and session tokens where they stand, and drawn bytes (nosurf's CSRF token and one-time
        pads) where they sit inside a base64 value of the same length. False: nothing to adopt."""
        strings = {}
        for up, ours in pairs(upstream, mock):
            if self.made(ours) and up.startswith(SESSION_TOKEN) == ours.startswith(SESSION_TOKEN):
                strings[ours.removeprefix(SESSION_TOKEN)] = up.removeprefix(SESSION_TOKEN)
        blobs = {}
        for up, ours in differing(upstream, mock):
            theirs, mine = _bytes(up), _bytes(ours)
            if theirs is None or mine is None or len(theirs) != len(mine):
                continue
            for drawn in self.drawn_bytes:
                at = mine.find(drawn)
                if at >= 0:
                    blobs[drawn] = theirs[at : at + len(drawn)]
        self.clear()
        self.substitute, self.substitute_bytes = strings, blobs
        return bool(strings or blobs)

    def clear(self) -> None:
        self.drawn.clear()
        self.drawn_bytes.clear()
        self.substitute, self.substitute_bytes = {}, {}


class IdMap:
    """Upstream value ↔ mock value for what could not be adopted: ids and session tokens (in
    paths, queries, bodies and headers) and cookies (in ``Cookie``); bounded."""

    def __init__(self, limit: int = MAX_PAIRS) -> None:
        self._to_mock: OrderedDict[str, str] = OrderedDict()
        self._to_upstream: dict[str, str] = {}
        self._cookies: OrderedDict[str, str] = OrderedDict()
        self.limit = limit

    def __len__(self) -> int:
        return len(self._to_mock) + len(self._cookies)

    def learn(self, upstream: Answer, mock: Answer, fresh: Callable[[str], bool]) -> None:
        """Pair what stands in the same place of two accepted answers to the same request, where
        the mock's value is ``fresh`` (made by this request: anything else that differs is a
        difference, not a translation) or a logout token; and the values of cookies both set."""
        if not (accepted(upstream.status) and accepted(mock.status)):
            return
        for upstream_value, mock_value in pairs(upstream, mock):
            if fresh(mock_value) or mock_value.startswith(LOGOUT_TOKEN):
                self._pair(upstream_value, mock_value)
        ours = set_cookies(mock)
        for name, value in set_cookies(upstream).items():
            if value and ours.get(name) and ours[name] != value:
                self._cookies[value] = ours[name]
                while len(self._cookies) > self.limit:
                    self._cookies.popitem(last=False)

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

    def cookies_to_mock(self, header: str) -> str:
        """A ``Cookie`` header with the upstream's cookie values as the mock set them."""
        if not self._cookies:
            return header
        out = []
        for part in header.split(";"):
            name, eq, value = part.strip().partition("=")
            out.append(f"{name}{eq}{self._cookies.get(value, value)}")
        return "; ".join(out)


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
