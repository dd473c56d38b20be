"""The public API's errors: herodot envelopes with an ``id`` and, for some, top-level extras
(``redirect_browser_to``, ``use_flow_id``...), and the texts Kratos v26.2.0 writes (reference §10)."""

from __future__ import annotations

from typing import Any

from ..errors import KratosError

DEFAULT_410 = "The requested resource is no longer available because it has expired or is otherwise invalid."


class PublicError(KratosError):
    """A herodot error with an optional ``id`` and extra top-level fields beside ``error``."""

    def __init__(
        self,
        code: int,
        reason: str | None = None,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        error_id: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code, reason, message, details, headers)
        self.error_id = error_id
        self.extra = extra or {}

    def inner(self) -> dict[str, Any]:
        body = super().inner()
        return {"id": self.error_id, **body} if self.error_id else body

    def envelope(self) -> dict[str, Any]:
        return {"error": self.inner(), **self.extra}


def no_session_whoami() -> PublicError:
    """session/handler.go whoami: ErrNoSessionFound wraps the cause; herodot keeps the outer (empty) id."""
    return PublicError(401, "No valid session credentials found in the request.")


def no_session_cookie() -> PublicError:
    """listMySessions, disableMySession(s): herodot.ErrUnauthorized.WithReasonf (session/handler.go)."""
    return PublicError(401, "No valid session cookie found.")


def session_inactive(reason: str = "No active session was found in this request.") -> PublicError:
    """session/manager.go NewErrNoActiveSessionFound, as forwarded by the logout and settings handlers."""
    return PublicError(401, reason, "request does not have a valid authentication session", error_id="session_inactive")


def aal2_required(login_url: str) -> PublicError:
    """session/manager.go NewErrAALNotSatisfied."""
    return PublicError(
        403,
        "An active session was found but it does not fulfill the requested Authenticator Assurance Level. "
        "Please verify yourself with a second factor to resolve this issue.",
        "Session does not fulfill the requested Authenticator Assurance Level",
        {"redirect_browser_to": login_url},
        error_id="session_aal2_required",
        extra={"redirect_browser_to": login_url},
    )


def already_logged_in(flow: str) -> PublicError:
    """login/error.go and registration/error.go ErrAlreadyLoggedIn."""
    reason = f"A valid session was detected and thus {flow} is not possible."
    if flow == "login":
        reason += " Did you forget to set `?refresh=true`?"
    return PublicError(400, reason, "you are already logged in", error_id="session_already_available")


def identity_disabled(identity_id: str) -> PublicError:
    """session/session.go ErrIdentityDisabled, raised by manager_http.go ActivateSession."""
    return PublicError(401, "This account was disabled.", "identity is disabled", {"identity_id": identity_id})


def registration_disabled() -> PublicError:
    return PublicError(
        400,
        "Registration is not allowed because it was disabled.",
        "registration flow disabled",
        error_id="self_service_flow_disabled",
    )


def return_to_forbidden(url: str) -> PublicError:
    """x/redir/secure_redirect.go SecureRedirectTo."""
    return PublicError(
        400, f'Requested return_to URL "{url}" is not allowed.', error_id="self_service_flow_return_to_forbidden"
    )


def flow_id_missing() -> PublicError:
    """selfservice/flow/flow.go GetFlowID."""
    return PublicError(400, "The flow query parameter is missing or malformed.")


def method_disabled() -> PublicError:
    """selfservice/flow/request.go MethodEnabledAndAllowed."""
    return PublicError(
        404,
        "This endpoint was disabled by system administrator. Please check your url or contact the system "
        "administrator to enable it.",
    )


def flow_gone_on_get(kind: str, flow_type: str, details: dict[str, Any]) -> PublicError:
    """login/handler.go getLoginFlow, registration/handler.go getRegistrationFlow: an expired flow."""
    if flow_type == "api":
        advice = f"Call the {kind} flow init API endpoint"
    else:
        advice = f"Redirect the user to the {kind} flow init endpoint"
    reason = f"The {kind} flow has expired. {advice} to initialize a new {kind} flow."
    return PublicError(410, reason, DEFAULT_410, details, error_id="self_service_flow_expired")


def flow_expired_on_submit(minutes: float, expired_at: str, since_ns: int, new_flow_id: str) -> PublicError:
    """flow/error.go NewFlowExpiredError, with the replacement flow's id (login/error.go)."""
    return PublicError(
        410,
        f"The self-service flow expired {minutes:.2f} minutes ago, initialize a new one.",
        "self-service flow expired",
        error_id="self_service_flow_expired",
        extra={"expired_at": expired_at, "since": since_ns, "use_flow_id": new_flow_id},
    )
