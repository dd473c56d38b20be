"""Kratos' anti-CSRF protection (x/nosurfx/nosurf.go with ory/nosurf): the cookie
``csrf_token_<sha256 of the public base URL>`` holding 32 random bytes, the masked token (a 32-byte
one-time pad and the XOR-ed token, base64) put into flows, and the 403 reasons.

The reference could not confirm nosurf v1.2.7 specifics (reference §13); this follows v1.2.4."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from .cookies import HeaderLookup, cookie
from .errors import PublicError

TOKEN_LENGTH = 32
MAX_AGE = 365 * 24 * 60 * 60  # nosurf.MaxAge
DOCS = "https://www.ory.sh/kratos/docs/debug/csrf"
REASON = (
    "Please retry the flow and optionally clear your cookies. The request was rejected to protect you from "
    "Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and "
    "other serious security issues."
)
AJAX_HINT = (
    "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX "
    "code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to "
    "see what cookies are included or excluded."
)
SERVER_HINT = (
    "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab "
    "to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate "
    "cookies are being forwarded and that the SDK method is called correctly."
)
NO_COOKIE = "The HTTP Cookie Header is empty or not set."
COOKIE_MISSING = "The HTTP Cookie Header was set but did not include the anti-CSRF cookie."
_NOT_SENT = "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body"
NOT_SENT = f"{_NOT_SENT} (csrf_token) nor in the HTTP Header (X-CSRF-Token)."
MISMATCH = (
    "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all "
    "cookies for this domain and retrying the flow."
)


def cookie_name(public_base_url: str) -> str:
    """nosurf.go CSRFCookieName: over ``SelfPublicURL().String()``."""
    return "csrf_token_" + hashlib.sha256(public_base_url.encode()).hexdigest()


def real_token(headers: HeaderLookup, name: str) -> bytes | None:
    """The cookie's token, or None when it is absent or not 32 bytes (nosurf then regenerates it)."""
    raw = _b64(cookie(headers, name) or "")
    return raw if raw is not None and len(raw) == TOKEN_LENGTH else None


def encode(token: bytes) -> str:
    return base64.b64encode(token).decode()


def mask(token: bytes, pad: bytes) -> str:
    """nosurf maskToken: pad + (pad XOR token), base64."""
    return encode(pad + bytes(a ^ b for a, b in zip(pad, token, strict=True)))


def _unmask(value: bytes) -> bytes:
    pad, masked = value[:TOKEN_LENGTH], value[TOKEN_LENGTH:]
    return bytes(a ^ b for a, b in zip(pad, masked, strict=True))


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def verify(real: bytes | None, sent: str | None) -> bool:
    """nosurf.VerifyToken: both sides unmasked (when 64 bytes) and compared."""
    decoded = _b64(sent or "")
    if real is None or decoded is None:
        return False
    if len(decoded) == 2 * TOKEN_LENGTH:
        decoded = _unmask(decoded)
    return len(decoded) == TOKEN_LENGTH and hmac.compare_digest(decoded, real)


def violation(headers: HeaderLookup, name: str, *, body_token: str = "") -> PublicError:
    """nosurf.go CSRFErrorReason: which 403 this request gets."""
    ajax = headers.get("sec-fetch-mode") in ("cors", "same-origin")
    hint = AJAX_HINT if ajax else SERVER_HINT
    details = {"docs": DOCS}
    if not headers.get("cookie"):
        details.update(hint=hint, reject_reason=NO_COOKIE)
    elif cookie(headers, name) is None:
        details.update(hint=hint, reject_reason=COOKIE_MISSING)
    elif not (headers.get("content-type") or "").startswith("application/json") and not (
        body_token or headers.get("x-csrf-token")
    ):
        details.update(hint=NOT_SENT)
    else:
        details.update(hint=hint, reject_reason=MISMATCH)
    return PublicError(
        403,
        REASON,
        "the request was rejected to protect you from Cross-Site-Request-Forgery",
        details,
        error_id="security_csrf_violation",
    )
