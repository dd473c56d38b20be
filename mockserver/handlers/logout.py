"""Browser logout (selfservice/flow/logout/handler.go createBrowserLogoutFlow, updateLogoutFlow,
completeLogout; session/manager_http.go PurgeFromRequest) and the self-service error containers
browsers are sent to (selfservice/errorx/handler.go fetchError)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..errors import KratosError, bad_request, not_found
from ..pagination import encode_query
from ..selfservice import cookies, flows
from ..selfservice.errors import session_inactive
from ..values import canonical_uuid, fmt_time
from .common import no_content, respond
from .flow_base import FlowHandlers

STUB_500 = {
    "code": 500,
    "status": "Internal Server Error",
    "reason": "This is a stub error.",
    "message": "An internal server error occurred, please contact the system administrator",
}


class LogoutHandlers(FlowHandlers):
    def _logout_default(self) -> str:
        """config.go SelfServiceFlowLogoutRedirectURL: logout.after, else the default return URL."""
        return self.config.logout_after_return_url or self.config.default_browser_return_url

    def _resolve(self, raw: str) -> str:
        config = self.config
        return flows.check_return_to(raw, self._logout_default(), config.allowed_return_urls, self.ctx.public_url)

    async def create_browser_logout_flow(self) -> Response:
        """logout/handler.go createBrowserLogoutFlow: the session's logout token and URL."""
        _, set_cookies = self._page_csrf()
        found = self._current_session()
        try:
            if found is None:
                raise session_inactive()
            params = {"token": cookies.logout_token(found[0].token)}
            if self._first("return_to"):
                params["return_to"] = self._resolve(self._first("return_to"))
        except KratosError as error:
            error.headers.update({"Set-Cookie": set_cookies[0]} if set_cookies else {})
            return self._with_cookies(self._forward(error, None), set_cookies)
        body = {
            "logout_url": f"{self.ctx.public_url}/self-service/logout?{encode_query(params.items())}",
            "logout_token": params["token"],
        }
        return self._with_cookies(respond(body), set_cookies)

    async def update_logout_flow(self) -> Response:
        """logout/handler.go updateLogoutFlow: token, session, matching token; the session revoked
        (bearer token first, else the cookie's, which is then cleared), a new CSRF cookie, then 204
        (JSON) or a 303 to return_to / the logout return URL."""
        _, set_cookies = self._page_csrf()
        try:
            expected = self._first("token")
            if not expected:
                raise bad_request("Please include a token in the URL query.")
            found = self._current_session()
            if found is None:
                raise session_inactive()
            if cookies.logout_token(found[0].token) != expected:
                raise KratosError(
                    403,
                    "Unable to log out because the logout token in the URL query does not match the session cookie.",
                )
        except KratosError as error:
            error.headers.update({"Set-Cookie": set_cookies[0]} if set_cookies else {})
            return self._with_cookies(self._forward(error, None), set_cookies)
        set_cookies = [*self._purge(), self._csrf_set_cookie(self.store.draw_bytes(32))]
        try:
            target = self._resolve(self._first("return_to"))
        except KratosError as error:
            return self._with_cookies(self._forward(error, None), set_cookies)
        if self._is_json():
            return self._with_cookies(no_content(), set_cookies)
        return self._redirect(target, 303, [("Set-Cookie", v) for v in set_cookies])

    def _purge(self) -> list[str]:
        """manager_http.go PurgeFromRequest (an X-Session-Token alone revokes nothing)."""
        headers = self._headers()
        bearer = cookies.bearer_token(headers)
        if bearer is not None:
            self.store.revoke_session_by_token(bearer)
            return []
        held = cookies.decode_session_cookie(cookies.cookie(headers, self.config.session_cookie_name))
        if held is None or not held.session_token:
            return []
        self.store.revoke_session_by_token(held.session_token)
        config = self.config
        spec = cookies.CookieSpec(
            path=config.session_cookie_path or config.cookie_path,
            domain=config.session_cookie_domain or config.cookie_domain,
            max_age=-1,
            secure=config.session_cookie_secure,
            same_site=config.session_cookie_same_site or config.cookie_same_site,
        )
        return [cookies.set_cookie(config.session_cookie_name, "", spec, self.store.now())]

    async def get_flow_error(self) -> Response:
        """errorx/handler.go fetchError: ``id`` (or ``error``); ``stub:500``; unknown ids 404."""
        wanted = self._first("error") or self._first("id")
        if wanted == "stub:500":
            return respond({"id": self.store.draw_uuid(), "error": STUB_500, **_never()})
        container = self.store.find_error(canonical_uuid(wanted) or "")
        if container is None:
            raise not_found()
        error = container.get("error")
        if error is None:  # a fixture container (v0.6 style): its first error
            error = (container.get("errors") or [None])[0]
        return respond(
            {
                "id": container["id"],
                "error": error,
                "created_at": _time(container.get("created_at")),
                "updated_at": _time(container.get("updated_at")),
            }
        )


def _never() -> dict[str, str]:
    return {"created_at": "0001-01-01T00:00:00Z", "updated_at": "0001-01-01T00:00:00Z"}


def _time(value: Any) -> Any:
    return fmt_time(value) if hasattr(value, "tzinfo") else value
