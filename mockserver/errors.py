"""The one error type of the mock: a Kratos (herodot) error, rendered as the Kratos envelope.

The store raises these; the app turns them (and connexion's own problems) into
``{"error": {"code", "status", "reason"?, "message"}}``. The texts follow Kratos' defaults.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

DEFAULT_MESSAGES = {
    400: "The request was malformed or contained invalid parameters",
    401: "The request could not be authorized",
    403: "The requested action was forbidden",
    404: "The requested resource could not be found",
    405: "The request method is not allowed for this resource",
    409: "The resource could not be created due to a conflict",
    410: "The requested resource is no longer available",
    413: "The request body is too large",
    500: "An internal server error occurred, please contact the system administrator",
}
# Database-derived texts (ory/x sqlcon), used where Kratos surfaces a store error directly.
ROW_NOT_FOUND = "Unable to locate the resource"
UNIQUE_VIOLATION = "Unable to insert or update resource because a resource with that value exists already"


# Go's net/http StatusText where Python's phrase differs: 414 and 418 on every Python, 413, 416
# and 422 since Python 3.13 renamed them (RFC 9110).
_GO_STATUS_TEXT = {
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    416: "Requested Range Not Satisfiable",
    418: "I'm a teapot",
    422: "Unprocessable Entity",
}


def status_phrase(code: int) -> str:
    """The envelope's ``status``: herodot writes Go's ``http.StatusText(code)``."""
    if code in _GO_STATUS_TEXT:
        return _GO_STATUS_TEXT[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


class KratosError(Exception):
    """An error with an HTTP-like code, as Kratos' error writer carries them."""

    def __init__(
        self,
        code: int,
        reason: str | None = None,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.message = message or DEFAULT_MESSAGES.get(code, status_phrase(code))
        self.details = details
        self.headers = headers or {}  # sent with the envelope (a 405's Allow)
        super().__init__(self.reason or self.message)

    def inner(self) -> dict[str, Any]:
        """The object inside ``{"error": ...}`` (also the per-item error of batch results)."""
        body: dict[str, Any] = {"code": self.code, "status": status_phrase(self.code)}
        if self.reason:
            body["reason"] = self.reason
        if self.details:
            body["details"] = self.details
        body["message"] = self.message
        return body

    def envelope(self) -> dict[str, Any]:
        return {"error": self.inner()}

    def __repr__(self) -> str:
        return f"KratosError({self.code}, reason={self.reason!r}, message={self.message!r})"


def bad_request(reason: str | None = None, message: str | None = None) -> KratosError:
    return KratosError(400, reason, message)


def not_found(reason: str | None = None, message: str | None = ROW_NOT_FOUND) -> KratosError:
    return KratosError(404, reason, message)


def create_conflict() -> KratosError:
    """The 409 of POST /admin/identities (Kratos checks for an existing auth method first)."""
    return KratosError(409, "This identity conflicts with another identity that already exists.")


def unique_violation() -> KratosError:
    """The 409 of PUT/PATCH and batch items: the raw unique-index violation."""
    return KratosError(409, message=UNIQUE_VIOLATION)


class DecoderError(KratosError):
    """Go's JSON decoder refused the body (``godecode``). Rendered as ``create`` writes it
    (``herodot.ErrBadRequest.WithError(err.Error())``: the text is the ``message``); handlers that
    write decoder errors otherwise convert it (``handlers.common.decoderx``, ``PlainError``)."""

    def __init__(self, text: str) -> None:
        super().__init__(400, message=text)
        self.text = text


class PlainError(KratosError):
    """A plain Go error written with ``WriteErrorCode(w, r, 400, err)``: HTTP 400, but herodot's
    default enhancer (``ToDefaultError``) fills the body's code and status as a 500's and the message
    with the error's text (json.go ``WriteErrorCode``, error_default.go ``ToDefaultError``)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message=message)

    def inner(self) -> dict[str, Any]:
        return {"code": 500, "status": "Internal Server Error", "message": self.message}
