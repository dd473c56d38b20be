"""Registration flows with the password and profile methods (selfservice/flow/registration/
handler.go, hook.go, error.go; strategy/password/registration.go; strategy/profile/registration.go;
hook/session_issuer.go at v26.2.0)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from .. import wire
from ..errors import KratosError, not_found
from ..models import Flow, Identity, Session
from ..selfservice import code_flows, csrf, flows, nodes, passwords, texts, validation
from ..selfservice.cookies import client_device
from ..selfservice.errors import PublicError, already_logged_in, method_disabled, registration_disabled
from ..store.flow_verbs import DuplicateCredentialsError
from .code_registration import CodeRegistration
from .common import respond
from .verification import VerificationHandlers

Problems = list[tuple[str, texts.Message]]


class RegistrationHandlers(CodeRegistration):
    async def create_native_registration_flow(self) -> Response:
        """registration/handler.go createNativeRegistrationFlow (IsNotAuthenticated: a session is 400)."""
        if self._current_session() is not None:
            raise already_logged_in("registration")
        return respond(self._new_registration_flow("api").document)

    def _schema(self, record: Flow | None = None) -> Mapping[str, Any]:
        schema_id = (record.internal.get("identity_schema") if record else "") or ""
        return self.store.schemas.for_identity(schema_id).document

    def _new_registration_flow(self, flow_type: str, csrf: str = "") -> Flow:
        config = self.config
        if not config.registration_enabled:
            raise registration_disabled()
        req = self._flow_request(flow_type, csrf)
        flows.check_return_to(
            req.return_to, config.default_browser_return_url, config.allowed_return_urls, req.public_url
        )
        flow_id = self.store.draw_uuid()
        doc = flows.registration_flow(
            flow_id,
            req,
            config.registration_lifespan,
            schema=self._schema(),
            two_steps=config.registration_two_steps,
            password_enabled=config.password_enabled,
            profile_enabled=config.profile_enabled,
        )
        if config.code_passwordless and not config.registration_two_steps:  # code PopulateRegistrationMethod
            doc["ui"]["nodes"].append(code_flows.code_sign_up_node())
            nodes.sort_registration(doc["ui"]["nodes"], self._schema())
        if flow_type == "api" and self._first("return_session_token_exchange_code") == "true":
            doc["session_token_exchange_code"] = self.store.draw_token(64)
        record = Flow("registration", flow_id, doc, req.now + config.registration_lifespan, {"csrf_token": csrf})
        self.store.put_flow(record)
        return record

    async def get_registration_flow(self) -> Response:
        """registration/handler.go getRegistrationFlow: 404, CSRF (browser flows), 410 when expired."""
        if not self.config.registration_enabled:
            raise registration_disabled()
        record = self.store.find_flow(self._get_flow_id(self._first("id")))
        if record is None or record.kind != "registration":
            raise not_found()
        self._check_flow_csrf(record)
        if record.expires_at is not None and record.expires_at < self.store.now():
            raise self._gone("registration", record)
        return respond(record.document)

    async def update_registration_flow(self) -> Response:
        """registration/handler.go updateRegistrationFlow behind IsNotAuthenticated."""
        if self._current_session() is not None:
            if self._is_json():
                raise already_logged_in("registration")
            target = flows.check_return_to(
                self._first("return_to"),
                self.config.default_browser_return_url,
                self.config.allowed_return_urls,
                self.ctx.public_url,
            )
            return self._redirect(target, 302)
        try:
            record = self._load_flow("registration", self._first("flow"))
        except KratosError as error:
            return self._forward(error, None)
        doc = copy.deepcopy(record.document)
        flow_type = doc["type"]
        if record.expires_at is not None and record.expires_at < self.store.now():
            make = lambda: self._new_registration_flow(flow_type, self._submit_csrf(flow_type))  # noqa: E731
            return self._expired(record, make, "registration", self.config.registration_ui_url)
        body = await self._form_or_json()
        method = body.get("method")
        if method == "code" and self.config.code_passwordless:
            return self._code_registration(record, doc, body)
        if method == "password":
            if not self.config.password_enabled:
                return self._forward(method_disabled(), flow_type)
            return await self._password_registration(record, doc, body)
        if (
            self.config.registration_two_steps
            and self.config.profile_enabled
            and (method in ("profile", "profile:back") or body.get("screen"))
        ):
            return self._profile_step(record, doc, body)
        return self._registration_problems(record, doc, [("", texts.no_registration_strategy())])

    def _registration_problems(self, record: Flow, doc: dict[str, Any], problems: Problems) -> Response:
        schema = self._schema(record)
        return self._flow_error(
            record,
            doc,
            problems,
            sort=lambda items: nodes.sort_registration(items, schema),
            ui_url=self.config.registration_ui_url,
            redirect_status=302,
        )

    def _keep_traits(self, doc: dict[str, Any], traits: Any) -> None:
        """handleRegistrationError: the submitted traits go back into their nodes."""
        if isinstance(traits, Mapping):
            for name, value in nodes.flatten(traits, "traits").items():
                nodes.set_value(doc["ui"]["nodes"], name, value)
        self._refresh_csrf_node(doc)

    # --- profile (two steps) -------------------------------------------------------------------

    def _profile_step(self, record: Flow, doc: dict[str, Any], body: dict[str, Any]) -> Response:
        """profile/registration.go Register: validate the traits, then the credential form (or back)."""
        schema = self._schema(record)
        traits = body.get("traits") if body.get("traits") is not None else {}
        csrf = self._submit_csrf(doc["type"])
        if body.get("screen") == "previous" or body.get("method") == "profile:back":
            flows.return_to_profile_form(doc, traits, schema, csrf)
            nodes.remove(doc["ui"]["nodes"], "method", "code")  # code PopulateRegistrationMethodProfile
        else:
            try:
                problems = self._ensure_csrf(doc, body) or validation.validate_traits(traits, schema)
            except PublicError as violation:  # the CSRF 403 is not a flow message
                return self._forward(violation, doc["type"])
            if problems:
                self._keep_traits(doc, traits)
                return self._registration_problems(record, doc, problems)
            flows.show_credentials_selection(doc, traits, schema, csrf)
            if self.config.code_passwordless:  # code PopulateRegistrationMethodCredentials
                doc["ui"]["nodes"].append(code_flows.code_sign_up_node())
                nodes.sort_registration(doc["ui"]["nodes"], schema)
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{self.config.registration_ui_url}?flow={record.id}")
        return respond(doc, 400)

    # --- password --------------------------------------------------------------------------------

    async def _password_registration(self, record: Flow, doc: dict[str, Any], body: dict[str, Any]) -> Response:
        """password/registration.go Register, then registration/hook.go PostRegistrationHook."""
        schema = self._schema(record)
        traits = body.get("traits") if body.get("traits") is not None else {}
        problems: Problems = validation.validate_registration(body, schema, password=True)
        try:
            problems = problems or self._ensure_csrf(doc, body)
        except PublicError as violation:
            return self._forward(violation, doc["type"])
        raw_password = body.get("password")
        password = raw_password if isinstance(raw_password, str) else ""
        if not problems and not password:
            problems = [("password", texts.required("password"))]
        if not problems:
            problems = self._credential_problems(record, traits, password)
        if problems:
            self._keep_traits(doc, traits)
            return self._registration_problems(record, doc, problems)
        schema_id = record.internal.get("identity_schema") or ""
        try:
            identity = self.store.register_identity(schema_id, traits, password)
        except DuplicateCredentialsError:
            self._keep_traits(doc, traits)
            return self._registration_problems(record, doc, [("", texts.duplicate_credentials())])
        doc["active"] = "password"
        record = self._save(record, doc)
        now = self.store.now()
        device = client_device(self._headers(), self._remote())
        session = self.store.issue_session(identity.id, method="password", aal="aal1", at=now, device=device)
        return self._registration_success(record, identity, session)

    def _credential_problems(self, record: Flow, traits: Any, password: str) -> Problems:
        """validateCredentials: identity validation, identifiers, the password policy per
        identifier, then (the hasher) bcrypt's 72 bytes."""
        problems = validation.validate_traits(traits, self._schema(record))
        if problems:
            return problems
        derived = self.store.schemas.for_identity(record.internal.get("identity_schema") or "").validate(traits)
        identifiers = derived.identifiers.get("password", [])
        if not identifiers:
            return [("", texts.identifier_missing())]
        for identifier in identifiers:
            violation = passwords.policy_violation(identifier, password, self.config.password_policy)
            if violation is not None:
                return [("password", violation)]
        too_long = passwords.bcrypt_violation(password)
        return [("password", too_long)] if too_long else []

    def _registration_success(self, record: Flow, identity: Identity, session: Session) -> Response:
        """PostRegistrationHook: the identity; with the ``session`` hook also the session (and for
        api flows its token, with a set_ory_session_token continue_with). With verification on,
        hook/verification.go runs first (a verification flow, its code mailed); the
        ``show_verification_ui`` hook lists that flow in continue_with."""
        identity_view = wire.identity_json(identity, self.ctx.public_url, metadata_admin="never")
        shown, csrf_cookie = self._after_registration_verification(identity, record.document["type"])
        if record.document["type"] == "api":
            hooks = self.config.registration_hooks
            if self.config.registration_session_hook:
                # session_issuer.go answers api flows itself: hooks after it never run
                before = hooks[: hooks.index("session")] if "session" in hooks else hooks
                items = [shown] if shown and "show_verification_ui" in before else []
                view = self._session_view(session, identity)
                return respond(
                    {
                        "session_token": session.token,
                        "session": view,
                        "identity": identity_view,
                        "continue_with": [
                            *items,
                            {"action": "set_ory_session_token", "ory_session_token": session.token},
                        ],
                    }
                )
            return respond({"identity": identity_view, "continue_with": [shown] if shown else None})
        return self._browser_registration_success(record, identity, session, identity_view, shown, csrf_cookie)

    def _after_registration_verification(
        self, identity: Identity, flow_type: str
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The show_verification_ui item when that hook is configured (the flow is made anyway),
        and for browsers the CSRF cookie the verifier regenerated (its flow carries that token)."""
        cookie, token = None, None
        if flow_type == "browser" and self.config.verification_enabled:
            real = self.store.draw_bytes(csrf.TOKEN_LENGTH)
            cookie, token = self._csrf_set_cookie(real), self._masked(real)
        item = VerificationHandlers(self.ctx)._verification_after_registration(identity, flow_type, csrf_token=token)
        if item is None:
            return None, None
        if "show_verification_ui" not in self.config.registration_hooks:
            return None, cookie
        if flow_type != "browser":
            item["flow"].pop("url", None)
        return item, cookie

    def _browser_registration_success(
        self,
        record: Flow,
        identity: Identity,
        session: Session,
        identity_view: dict[str, Any],
        shown: dict[str, Any] | None = None,
        csrf_cookie: str | None = None,
    ) -> Response:
        """Browser flows: JSON requests get the identity (and with the session hook the session and
        its cookie) with a redirect_browser_to; browsers a 303 to the return URL."""
        config = self.config
        return_to = flows.check_return_to(
            record.document.get("return_to", ""),
            config.registration_after_return_url or config.default_browser_return_url,
            config.allowed_return_urls,
            self.ctx.public_url,
        )
        if csrf_cookie is not None:  # the verifier regenerated the CSRF token (hook/verification.go)
            set_cookies = [self._session_cookie(session)] if config.registration_session_hook else []
            set_cookies.append(csrf_cookie)
        else:
            set_cookies = self._issue_session_cookie(session, None) if config.registration_session_hook else []
        if not self._is_json():
            return self._redirect(return_to, 303, [("Set-Cookie", v) for v in set_cookies])
        body: dict[str, Any] = {}
        if config.registration_session_hook:
            body["session"] = self._session_view(session, identity)
        body["identity"] = identity_view
        body["continue_with"] = [
            *([shown] if shown else []),
            {"action": "redirect_browser_to", "redirect_browser_to": return_to},
        ]
        return self._with_cookies(respond(body), set_cookies)

    async def create_browser_registration_flow(self) -> Response:
        """registration/handler.go createBrowserRegistrationFlow: logged in → 400 (JSON) or a 303
        to return_to; else the CSRF cookie and the flow (JSON) or a 303 to the registration UI."""
        real, set_cookies = self._page_csrf()
        if self._current_session() is not None:
            if self._is_json():
                error = already_logged_in("registration")
                error.headers.update({"Set-Cookie": set_cookies[0]} if set_cookies else {})
                raise error
            return self._completed_or_redirect(already_logged_in("registration"), set_cookies)
        try:
            record = self._new_registration_flow("browser", self._masked(real))
        except KratosError as error:
            return self._with_cookies(self._forward(error, None), set_cookies)
        if self._accepts_json():
            return self._with_cookies(respond(record.document), set_cookies)
        ui = f"{self.config.registration_ui_url}?flow={record.id}"
        return self._redirect(ui, 303, [("Set-Cookie", v) for v in set_cookies])
