"""Login flows with the password method (selfservice/flow/login/handler.go, login/hook.go,
login/error.go and strategy/password/login.go at v26.2.0)."""

from __future__ import annotations

import copy
from typing import Any

from starlette.responses import Response

from ..errors import KratosError, bad_request, not_found
from ..models import Flow, Identity, Session
from ..selfservice import code_flows, flows, nodes, passwords, texts, validation
from ..selfservice.cookies import client_device
from ..selfservice.errors import PublicError, already_logged_in, identity_disabled, method_disabled
from .code_login import CodeLogin
from .common import respond

AAL_RANK = {"aal0": 0, "aal1": 1, "aal2": 2, "aal3": 3}


def session_aal1_required() -> PublicError:
    """login/error.go ErrSessionRequiredForHigherAAL."""
    return PublicError(
        401,
        "You can not requested a higher AAL (AAL2/AAL3) without an active session.",
        "aal2 and aal3 can only be requested if a session exists already",
        error_id="session_aal1_required",
    )


def go_parse_bool(value: str) -> bool:
    """strconv.ParseBool, errors read as false."""
    return value in ("1", "t", "T", "TRUE", "true", "True")


class LoginHandlers(CodeLogin):
    async def create_native_login_flow(self) -> Response:
        """login/handler.go createNativeLoginFlow: errors are envelopes."""
        record = self._new_login_flow("api")
        return respond(record.document)

    def _new_login_flow(self, flow_type: str, csrf: str = "") -> Flow:
        """login/handler.go NewLoginFlow: return_to, AAL, the session rules, the password form."""
        req = self._flow_request(flow_type, csrf)
        config = self.config
        flows.check_return_to(
            req.return_to, config.default_browser_return_url, config.allowed_return_urls, req.public_url
        )
        aal = (self._first("aal") or "aal1").lower()
        if aal not in ("aal1", "aal2"):
            raise bad_request(
                "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got "
                + self._first("aal")
            )
        refresh = go_parse_bool(self._first("refresh"))
        found = self._current_session()
        if found is None:
            if aal == "aal2":
                raise session_aal1_required()
            refresh = False
        elif not refresh and (aal == "aal1" or AAL_RANK[aal] <= AAL_RANK.get(found[0].aal, 0)):
            raise already_logged_in("login")
        schema = self.store.schemas.for_identity("").document
        flow_id = self.store.draw_uuid()
        doc = flows.login_flow(
            flow_id,
            req,
            config.login_lifespan,
            schema=schema,
            refresh=refresh,
            aal=aal,
            refresh_identity=found[1] if found and refresh else None,
            session_aal=found[0].aal if found else None,
            password_enabled=config.password_enabled,
        )
        if config.code_passwordless and aal == "aal1" and not refresh:  # code/strategy.go populateChooseMethodFlow
            code_flows.add_login_code_form(doc["ui"], nodes.identifier_label(schema))
            nodes.sort_login(doc["ui"]["nodes"])
        if flow_type == "api" and found is None and go_parse_bool(self._first("return_session_token_exchange_code")):
            doc["session_token_exchange_code"] = self.store.draw_token(64)
        record = Flow("login", flow_id, doc, req.now + config.login_lifespan, {"csrf_token": csrf})
        self.store.put_flow(record)
        return record

    async def get_login_flow(self) -> Response:
        """login/handler.go getLoginFlow: 404, CSRF (browser flows), 410 when expired."""
        record = self.store.find_flow(self._get_flow_id(self._first("id")))
        if record is None or record.kind != "login":
            raise not_found()
        self._check_flow_csrf(record)
        if record.expires_at is not None and record.expires_at < self.store.now():
            raise self._gone("login", record)
        return respond(record.document)

    async def update_login_flow(self) -> Response:
        """login/handler.go updateLoginFlow."""
        try:
            record = self._load_flow("login", self._first("flow"))
        except KratosError as error:
            return self._forward(error, None)
        doc = copy.deepcopy(record.document)
        flow_type = doc["type"]
        found = self._current_session()
        if found is not None:
            session = found[0]
            if not doc.get("refresh") and not AAL_RANK.get(doc.get("requested_aal", "aal1"), 1) > AAL_RANK.get(
                session.aal, 0
            ):
                if self._is_json() or flow_type == "api":
                    return self._login_problems(
                        record, doc, [("", texts.generic(already_logged_in("login").reason or ""))]
                    )
                return self._redirect(self.config.default_browser_return_url)
        elif AAL_RANK.get(doc.get("requested_aal", "aal1"), 1) > 1:
            return self._forward(session_aal1_required(), flow_type)
        if record.expires_at is not None and record.expires_at < self.store.now():
            return self._expired(
                record,
                lambda: self._new_login_flow(flow_type, self._submit_csrf(flow_type)),
                "login",
                self.config.login_ui_url,
            )
        body = await self._form_or_json()
        if (
            doc.get("requested_aal", "aal1") == "aal1"
            and body.get("method") == "code"
            and self.config.code_passwordless
        ):
            return self._code_login(record, doc, body, found)
        if doc.get("requested_aal", "aal1") == "aal1" and body.get("method") == "password":
            if not self.config.password_enabled:
                return self._forward(method_disabled(), flow_type)
            return await self._password_login(record, doc, body, found)
        return self._login_problems(record, doc, [("", texts.no_login_strategy())])

    def _login_problems(self, record: Flow, doc: dict[str, Any], problems: list[tuple[str, texts.Message]]) -> Response:
        return self._flow_error(
            record, doc, problems, sort=nodes.sort_login, ui_url=self.config.login_ui_url, redirect_status=303
        )

    async def _password_login(
        self, record: Flow, doc: dict[str, Any], body: dict[str, Any], found: tuple[Session, Identity] | None
    ) -> Response:
        """strategy/password/login.go Login, then login/hook.go PostLoginHook."""
        identifier = body.get("identifier") or body.get("password_identifier") or ""
        problems = validation.validate_login(body)
        if not problems:
            try:
                problems = self._ensure_csrf(doc, body)
            except PublicError as violation:  # the CSRF 403 is not a flow message
                return self._forward(violation, doc["type"])
        if not problems:
            password = body.get("password")
            match = self.store.find_by_password_identifier(str(identifier))
            config = match[1].config if match else {}
            hashed = config.get("hashed_password", "") if isinstance(config, dict) else ""
            if match is None or not passwords.matches(str(password), hashed):
                problems = [("", texts.invalid_credentials())]
        if problems:
            nodes.reset(doc["ui"]["nodes"], "password")
            nodes.set_value(doc["ui"]["nodes"], "identifier", identifier if isinstance(identifier, str) else None)
            self._refresh_csrf_node(doc)
            return self._login_problems(record, doc, problems)
        assert match is not None
        identity = match[0]
        doc["active"] = "password"
        record = self._save(record, doc)
        if identity.state != "active":
            return self._forward(identity_disabled(identity.id), doc["type"])
        session = self._login_session(identity, found, doc)
        return self._login_success(record, session, identity, found)

    def _login_session(
        self, identity: Identity, found: tuple[Session, Identity] | None, doc: dict[str, Any], method: str = "password"
    ) -> Session:
        """A new session, or (refresh or AAL upgrade by the same identity) the current one renewed."""
        now = self.store.now()
        device = client_device(self._headers(), self._remote())
        if found is not None and found[1].id == identity.id:
            return self.store.reauthenticate_session(found[0].id, method=method, aal="aal1", at=now, device=device)
        return self.store.issue_session(identity.id, method=method, aal="aal1", at=now, device=device)

    def _login_success(
        self, record: Flow, session: Session, identity: Identity, found: tuple[Session, Identity] | None
    ) -> Response:
        """login/hook.go PostLoginHook: api flows get the session and its token; browsers the
        session cookie, and (JSON) the session with a redirect_browser_to, else a 303."""
        view = self._session_view(session, identity)
        if record.document["type"] == "api":
            return respond({"session": view, "session_token": session.token, "continue_with": None})
        config = self.config
        return_to = flows.check_return_to(
            record.document.get("return_to", ""),
            config.login_after_return_url or config.default_browser_return_url,
            config.allowed_return_urls,
            self.ctx.public_url,
        )
        set_cookies = self._issue_session_cookie(session, found)
        if self._is_json():
            body = {
                "session": view,
                "continue_with": [{"action": "redirect_browser_to", "redirect_browser_to": return_to}],
            }
            response = respond(body)
            for value in set_cookies:
                response.headers.append("Set-Cookie", value)
            return response
        return self._redirect(return_to, 303, [("Set-Cookie", v) for v in set_cookies])

    async def create_browser_login_flow(self) -> Response:
        """login/handler.go createBrowserLoginFlow: the CSRF cookie, then JSON (Accept) or a 303
        to the login UI; already logged in: 400 (JSON) or a 303 to return_to."""
        real, set_cookies = self._page_csrf()
        try:
            record = self._new_login_flow("browser", self._masked(real))
        except PublicError as error:
            if error.error_id == "session_already_available":
                return self._completed_or_redirect(error, set_cookies)
            return self._with_cookies(self._forward(error, None), set_cookies)
        except KratosError as error:
            return self._with_cookies(self._forward(error, None), set_cookies)
        if self._accepts_json():
            return self._with_cookies(respond(record.document), set_cookies)
        return self._redirect(
            f"{self.config.login_ui_url}?flow={record.id}", 303, [("Set-Cookie", v) for v in set_cookies]
        )
