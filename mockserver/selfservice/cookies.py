"""Session credentials in a request and the cookies Kratos sets (session/manager_http.go,
session/helper.go; net/http's cookie reader and writer).

The session cookie. Kratos stores ``{session_token, expires_at, nonce}`` in a gorilla
``securecookie`` (signed and encrypted, opaque to clients). The mock stores the same three values
as unpadded base64url JSON behind the ``ory_mock_`` prefix: just as opaque to a client, readable
by a test. A bare session token in the cookie is, as in Kratos, not a session cookie (it does not
decode), so ``toSession`` then falls back to ``Authorization: Bearer``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Protocol

from ..values import fmt_time, parse_time

COOKIE_PREFIX = "ory_mock_"
_ALNUM = string.ascii_letters + string.digits


class HeaderLookup(Protocol):
    def get(self, key: str, default: None = None) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class SessionCookie:
    session_token: str
    expires_at: datetime | None
    nonce: str = ""


def request_cookies(headers: HeaderLookup) -> list[tuple[str, str]]:
    """Every ``name=value`` of the Cookie headers, in order (net/http readCookies: values lose
    surrounding double quotes; pairs without a name are skipped)."""
    out = []
    for line in headers.getlist("cookie"):
        for part in line.split(";"):
            name, sep, value = part.strip().partition("=")
            if not sep or not name:
                continue
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            out.append((name, value))
    return out


def cookie(headers: HeaderLookup, name: str) -> str | None:
    """``r.Cookie(name)``: the first cookie of that name."""
    return next((v for n, v in request_cookies(headers) if n == name), None)


def encode_session_cookie(value: SessionCookie) -> str:
    payload = {
        "session_token": value.session_token,
        "expires_at": fmt_time(value.expires_at) if value.expires_at else "",
        "nonce": value.nonce,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return COOKIE_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_session_cookie(value: str | None) -> SessionCookie | None:
    """None when the value is not a session cookie (Kratos: securecookie cannot decode it)."""
    if not value or not value.startswith(COOKIE_PREFIX):
        return None
    data = value.removeprefix(COOKIE_PREFIX)
    try:
        payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    token = payload.get("session_token")
    expires = payload.get("expires_at")
    return SessionCookie(
        token if isinstance(token, str) else "",
        parse_time(expires) if isinstance(expires, str) else None,
        str(payload.get("nonce") or ""),
    )


def bearer_token(headers: HeaderLookup) -> str | None:
    """session/helper.go bearerTokenFromRequest: exactly two space-separated parts, scheme any case."""
    parts = (headers.get("authorization") or "").split(" ")
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


def extract_token(headers: HeaderLookup, cookie_name: str) -> str:
    """session/manager_http.go extractToken: X-Session-Token wins; else the session cookie's token;
    else the bearer token; "" when there is none."""
    token = headers.get("x-session-token")
    if token:
        return token
    session = decode_session_cookie(cookie(headers, cookie_name))
    if session is not None and session.session_token:
        return session.session_token
    return bearer_token(headers) or ""


@dataclass(frozen=True)
class CookieSpec:
    """What ``Set-Cookie`` carries besides the name and value."""

    path: str = "/"
    domain: str = ""
    max_age: int = 0  # >0 seconds, 0 = session cookie, <0 = delete
    http_only: bool = True
    secure: bool = True
    same_site: str = "Lax"
    expires: bool = True  # gorilla/sessions adds Expires beside Max-Age; nosurf does not


def set_cookie(name: str, value: str, spec: CookieSpec, now: datetime) -> str:
    """net/http Cookie.String with gorilla/sessions' Expires (derived from MaxAge)."""
    parts = [f"{name}={value}"]
    if spec.path:
        parts.append(f"Path={spec.path}")
    if spec.domain:
        parts.append(f"Domain={spec.domain.lstrip('.')}")
    if spec.max_age > 0:
        if spec.expires:
            parts.append(f"Expires={http_date(now + timedelta(seconds=spec.max_age))}")
        parts.append(f"Max-Age={spec.max_age}")
    elif spec.max_age < 0:
        if spec.expires:
            parts.append("Expires=Thu, 01 Jan 1970 00:00:01 GMT")
        parts.append("Max-Age=0")
    if spec.http_only:
        parts.append("HttpOnly")
    if spec.secure:
        parts.append("Secure")
    if spec.same_site:
        parts.append(f"SameSite={spec.same_site}")
    return "; ".join(parts)


def http_date(value: datetime) -> str:
    return format_datetime(value.replace(microsecond=0), usegmt=True)


def client_device(headers: HeaderLookup, remote: str) -> dict[str, str | None]:
    """session/session.go SetSessionDeviceInformation with ory/x httpx.ClientIP."""
    ip = (
        headers.get("true-client-ip")
        or headers.get("cf-connecting-ip")
        or headers.get("x-real-ip")
        or _forwarded_ip(headers.get("x-forwarded-for"))
    )
    agents = headers.getlist("user-agent")
    location = ", ".join(v for v in (headers.get("cf-ipcity"), headers.get("cf-ipcountry")) if v)
    return {
        "ip_address": ip if ip is not None else remote,
        "user_agent": " ".join(agents) if agents else None,
        "location": location,
    }


def logout_token(session_token: str) -> str:
    """The session's logout token (Kratos draws ``ory_lo_`` + 32 letters and digits at login and
    stores it; the mock derives it from the session token, so seeded sessions have one too)."""
    digest = hashlib.sha256(b"kratos-mock logout " + session_token.encode()).digest()
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(32):
        number, index = divmod(number, len(_ALNUM))
        letters.append(_ALNUM[index])
    return "ory_lo_" + "".join(letters)


def _forwarded_ip(value: str | None) -> str | None:
    """The last non-private address of X-Forwarded-For ("" if all are private)."""
    if not value:
        return None
    for candidate in reversed(value.split(",")):
        ip = candidate.strip()
        try:
            private = ipaddress.ip_address(ip).is_private
        except ValueError:
            private = False  # Go: net.ParseIP fails → nil.IsPrivate() is false
        if not private:
            return ip
    return ""
