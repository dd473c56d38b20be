"""What the login and registration handlers share: the flow a request names, its request URL,
answering a flow error as Kratos' ErrorHandler.WriteFlowError does (the flow with messages, an
envelope, or a redirect), and replacing an expired flow."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from connexion import request
from starlette.responses import Response

from ..errors import KratosError, not_found
from ..models import Flow, Identity, Session
from ..selfservice import cookies, csrf, flows, nodes, texts
from ..selfservice.cookies import request_cookies
from ..selfservice.errors import PublicError, flow_gone_on_get, flow_id_missing
from ..values import canonical_uuid, fmt_time
from .common import respond
from .public import PublicHandlers

ORIGIN_NEEDS_BROWSER = (
    'The HTTP Request Header included the "Origin" key, indicating that this request was made as part of an AJAX '
    "request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and "
    "mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation."
)
COOKIE_NEEDS_BROWSER = ORIGIN_NEEDS_BROWSER.replace('"Origin" key', '"Cookie" key').replace(
    "made as part of an AJAX request in a Browser", "made by a Browser"
)


class FlowHandlers(PublicHandlers):
    """Base of the login and registration groups."""

    def _request_url(self) -> str:
        """x.RequestURL: scheme from X-Forwarded-Proto, host from X-Forwarded-Host or Host."""
        headers = self._headers()
        scheme = headers.get("x-forwarded-proto") or request.url.scheme
        host = headers.get("x-forwarded-host") or headers.get("host") or request.url.netloc
        query = request.url.query
        return f"{scheme}://{host}{request.url.path}" + (f"?{query}" if query else "")

    def _flow_request(self, flow_type: str, csrf: str = "") -> flows.FlowRequest:
        return flows.FlowRequest(flow_type, self._request_url(), self.ctx.public_url, self.store.now(), csrf)

    def _first(self, name: str) -> str:
        """``r.URL.Query().Get(name)``: the first value, or ""."""
        return next((v for k, v in self._query() if k == name), "")

    def _load_flow(self, kind: str, raw_id: str) -> Flow:
        """flow/flow.go GetFlowID (a malformed id is the nil UUID: 400), then the persister (404)."""
        flow_id = canonical_uuid(raw_id) if raw_id else None
        if flow_id is None or flow_id == "00000000-0000-0000-0000-000000000000":
            raise flow_id_missing()
        record = self.store.find_flow(flow_id)
        if record is None or record.kind != kind:
            raise not_found()
        return record

    def _get_flow_id(self, raw_id: str) -> str:
        """A flow id as x.ParseUUID reads it: malformed ids become the nil UUID (then 404)."""
        return canonical_uuid(raw_id) or "00000000-0000-0000-0000-000000000000"

    def _save(self, record: Flow, doc: dict[str, Any], **internal: Any) -> Flow:
        """UpdateLoginFlow / UpdateRegistrationFlow: the document (and updated_at) written back."""
        if "updated_at" in doc:
            doc["updated_at"] = fmt_time(self.store.now())
        updated = replace(record, document=doc, internal={**record.internal, **internal})
        self.store.put_flow(updated)
        return updated

    def _flow_error(
        self,
        record: Flow,
        doc: dict[str, Any],
        problems: Sequence[tuple[str, texts.Message]],
        *,
        sort: Callable[[list[Any]], None],
        ui_url: str,
        redirect_status: int,
    ) -> Response:
        """WriteFlowError for validation errors: messages reset and attached, nodes sorted, the
        flow stored; 400 with the flow, or (browser, not JSON) a redirect to the UI."""
        flows.render_problems(doc, problems)
        sort(doc["ui"]["nodes"])
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{ui_url}?flow={record.id}", redirect_status)
        return respond(doc, 400)

    def _forward(self, error: KratosError, flow_type: str | None) -> Response:
        """ErrorHandler.forward: api flows and JSON requests get the envelope; browsers are sent to
        the error UI with the error stored (errorx/manager.go Forward)."""
        if flow_type == "api" or self._is_json():
            raise error
        error_id = self.store.draw_uuid()
        now = fmt_time(self.store.now())
        self.store.put_error({"id": error_id, "error": error.envelope()["error"], "created_at": now, "updated_at": now})
        return self._redirect(f"{self.config.error_ui_url}?id={error_id}")

    def _expired(self, record: Flow, make_new: Callable[[], Flow], kind: str, ui_url: str) -> Response:
        """login/error.go PrepareReplacementForExpiredFlow: a new flow of the same type and request
        URL with the "flow expired" message; 410 with its id, or a redirect to it."""
        expired_at = record.expires_at
        assert expired_at is not None
        now = self.store.now()
        fresh = make_new()
        doc = copy.deepcopy(fresh.document)
        doc["request_url"] = record.document.get("request_url", doc["request_url"])
        doc["ui"].setdefault("messages", []).append(texts.flow_expired(kind, expired_at, now, fmt_time(expired_at)))
        self._save(fresh, doc)
        if record.document.get("type") == "api" or self._is_json():
            raise flows.expired_error(expired_at, now, fresh.id)
        return self._redirect(f"{ui_url}?flow={fresh.id}")

    def _with_cookies(self, response: Response, set_cookies: Sequence[str]) -> Response:
        for value in set_cookies:
            response.headers.append("Set-Cookie", value)
        return response

    def _completed_or_redirect(self, error: KratosError, set_cookies: Sequence[str]) -> Response:
        """x.SendFlowCompletedAsRedirectOrJSON with an error: JSON (Accept) gets it, browsers go to
        the return_to (or the default return URL)."""
        if self._accepts_json():
            error.headers.update({"Set-Cookie": set_cookies[0]} if set_cookies else {})
            raise error
        config = self.config
        try:
            target = flows.check_return_to(
                self._first("return_to"),
                config.default_browser_return_url,
                config.allowed_return_urls,
                self.ctx.public_url,
            )
        except KratosError as refused:
            return self._with_cookies(self._forward(refused, None), set_cookies)
        return self._redirect(target, 303, [("Set-Cookie", v) for v in set_cookies])

    def _issue_session_cookie(self, session: Session, found: tuple[Session, Identity] | None) -> list[str]:
        """manager_http.go IssueCookie: the session cookie; a new CSRF cookie when the request had
        no session of the same identity (nosurf RegenerateToken)."""
        out = [self._session_cookie(session)]
        if found is None or found[1].id != session.identity_id:
            out.append(self._csrf_set_cookie(self.store.draw_bytes(csrf.TOKEN_LENGTH)))
        return out

    def _submit_csrf(self, flow_type: str) -> str:
        """The masked token a flow made during a submission carries (GenerateCSRFToken(r))."""
        if flow_type != "browser":
            return ""
        real = csrf.real_token(self._headers(), self._csrf_name())
        return self._masked(real) if real is not None else ""

    # --- CSRF (x/nosurfx/nosurf.go, ory/nosurf) ------------------------------------------------

    def _csrf_name(self) -> str:
        return csrf.cookie_name(self.config.public_base_url or self.ctx.public_url + "/")

    def _csrf_set_cookie(self, token: bytes) -> str:
        """nosurf.go NosurfBaseCookieHandler: HttpOnly, Secure unless dev, SameSite Lax when not
        secure, a year's Max-Age."""
        config = self.config
        secure = not config.dev
        spec = cookies.CookieSpec(
            path=config.cookie_path,
            domain=config.cookie_domain,
            max_age=csrf.MAX_AGE,
            secure=secure,
            same_site=config.cookie_same_site if secure else "Lax",
            expires=False,
        )
        return cookies.set_cookie(self._csrf_name(), csrf.encode(token), spec, self.store.now())

    def _page_csrf(self) -> tuple[bytes, list[str]]:
        """nosurf ServeHTTP on a route it does not ignore: the cookie's token, or a new one (and its
        Set-Cookie) when the request has none that decodes to 32 bytes."""
        real = csrf.real_token(self._headers(), self._csrf_name())
        if real is not None:
            return real, []
        fresh = self.store.draw_bytes(csrf.TOKEN_LENGTH)
        return fresh, [self._csrf_set_cookie(fresh)]

    def _masked(self, real: bytes) -> str:
        """nosurf.Token: the real token masked with a fresh one-time pad."""
        return csrf.mask(real, self.store.draw_bytes(csrf.TOKEN_LENGTH))

    def _check_flow_csrf(self, record: Flow) -> None:
        """login/handler.go getLoginFlow (and registration's): a browser flow is shown only to the
        browser holding its CSRF cookie; checked before expiry."""
        if record.document.get("type") != "browser":
            return
        real, set_cookies = self._page_csrf()
        if not csrf.verify(real, record.internal.get("csrf_token", "")):
            error = csrf.violation(self._headers(), self._csrf_name())
            if set_cookies:
                error.headers["Set-Cookie"] = set_cookies[0]
            raise error

    def _gone(self, kind: str, record: Flow) -> PublicError:
        if record.document.get("type") == "browser":
            return_to = record.document.get("return_to", "")
            target = f"{self.ctx.public_url}/self-service/{kind}/browser"
            if return_to:
                target += "?" + urlencode({"return_to": return_to})
            return flow_gone_on_get(kind, "browser", {"redirect_to": target, "return_to": return_to})
        return flow_gone_on_get(kind, "api", {"api": f"{self.ctx.public_url}/self-service/{kind}/api"})

    def _ensure_csrf(self, doc: dict[str, Any], body: dict[str, Any]) -> list[tuple[str, texts.Message]]:
        """selfservice/flow/request.go EnsureCSRF: api flows refuse an Origin header and cookies
        other than Cloudflare's (flow messages); browser flows need the body's ``csrf_token`` to
        match the CSRF cookie, else the 403 (raised: it is not a flow message)."""
        headers = self._headers()
        if doc["type"] != "api":
            token = body.get("csrf_token")
            sent = token if isinstance(token, str) else ""
            if not csrf.verify(csrf.real_token(headers, self._csrf_name()), sent):
                raise csrf.violation(headers, self._csrf_name(), body_token=sent)
            return []
        if headers.get("origin"):
            return [("", texts.generic(ORIGIN_NEEDS_BROWSER))]
        names = [n for n, _ in request_cookies(headers) if not n.startswith(("__cf", "_cf", "cf_"))]
        if names:
            return [("", texts.generic(COOKIE_NEEDS_BROWSER))]
        return []

    def _refresh_csrf_node(self, doc: dict[str, Any]) -> None:
        """handleLoginError / handleRegistrationError: browser flows get a freshly masked token."""
        if doc["type"] == "browser":
            real = csrf.real_token(self._headers(), self._csrf_name())
            if real is not None:
                nodes.set_csrf(doc["ui"], self._masked(real))
