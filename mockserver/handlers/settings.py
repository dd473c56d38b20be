"""Settings flows with the password and profile methods (selfservice/flow/settings/handler.go,
error.go, hook.go PostSettingsHook; strategy/password/settings.go continueSettingsFlow;
strategy/profile/strategy.go at v26.2.0): a session is required, a password change and a change
of protected traits (identifiers, addresses) need a privileged session (authenticated within
``privileged_session_max_age``), else 403 ``session_refresh_required`` (re-login with refresh=true)."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from .. import wire
from ..errors import KratosError, not_found
from ..models import Flow, Identity, Session
from ..selfservice import code_flows, code_texts, flows, passwords, texts, validation
from ..selfservice.errors import PublicError, session_inactive
from ..store.flow_verbs import DuplicateCredentialsError
from ..store.tables import unique_keys
from .common import respond
from .flow_base import FlowHandlers
from .verification import VerificationHandlers

Problems = list[tuple[str, texts.Message]]
NO_SESSION = "A valid Ory Session Cookie or Ory Session Token is missing."


def refresh_required(redirect_to: str) -> PublicError:
    """settings/error.go NewFlowNeedsReAuth, with reauthenticate's redirect_browser_to."""
    return PublicError(
        403,
        "The login session is too old and thus not allowed to update these fields. Please re-authenticate.",
        error_id="session_refresh_required",
        extra={"redirect_browser_to": redirect_to},
    )


def identity_mismatch() -> PublicError:
    return PublicError(
        403,
        "The request was made for another identity and has been blocked for security reasons.",
        error_id="security_identity_mismatch",
    )


class SettingsHandlers(FlowHandlers):
    def _settings_session(self) -> tuple[Session, Identity]:
        found = self._current_session()
        if found is None:
            raise session_inactive(
                "This endpoint can only be accessed with a valid session. Please log in and try again."
            )
        # settings.required_aal: no second factor exists in the mock, so every session meets it
        return found

    def _new_settings_flow(self, flow_type: str, identity: Identity, csrf: str, request_url: str | None = None) -> Flow:
        """settings/handler.go NewFlow: the profile and password forms for the identity."""
        req = self._flow_request(flow_type, csrf)
        if request_url is not None:  # recovery: redir.TakeOverReturnToParameter
            req = flows.FlowRequest(flow_type, self._request_url(), req.public_url, req.now, csrf)
        config = self.config
        flows.check_return_to(
            req.return_to, config.default_browser_return_url, config.allowed_return_urls, req.public_url
        )
        flow_id = self.store.draw_uuid()
        view = wire.identity_json(identity, self.ctx.public_url, metadata_admin="never")
        doc = code_flows.settings_flow(
            flow_id,
            req,
            config.settings_lifespan,
            identity_view=view,
            schema=self.store.schemas.for_identity(identity.schema_id).document,
            profile=config.profile_enabled,
            password=config.password_enabled,
        )
        internal = {"csrf_token": csrf, "identity_id": identity.id}
        record = Flow("settings", flow_id, doc, req.now + config.settings_lifespan, internal)
        self.store.put_flow(record)
        return record

    async def create_native_settings_flow(self) -> Response:
        """settings/handler.go createNativeSettingsFlow."""
        _, identity = self._settings_session()
        return respond(self._new_settings_flow("api", identity, "").document)

    async def create_browser_settings_flow(self) -> Response:
        """createBrowserSettingsFlow: without a session JSON gets 401, browsers go to login."""
        real, set_cookies = self._page_csrf()
        found = self._current_session()
        if found is None:
            if self._is_json():
                error = session_inactive(
                    "This endpoint can only be accessed with a valid session. Please log in and try again."
                )
                error.extra = {"CredentialsMissing": False}
                raise error
            target = f"{self.ctx.public_url}/self-service/login/browser"
            return_to = self._first("return_to")
            target += "?" + urlencode({"return_to": return_to}) if return_to else ""
            return self._redirect(target, 303, [("Set-Cookie", v) for v in set_cookies])
        try:
            record = self._new_settings_flow("browser", found[1], self._masked(real))
        except KratosError as error:
            return self._with_cookies(self._forward(error, None), set_cookies)
        if self._accepts_json():
            return self._with_cookies(respond(record.document), set_cookies)
        ui = f"{self.config.settings_ui_url}?flow={record.id}"
        return self._redirect(ui, 303, [("Set-Cookie", v) for v in set_cookies])

    def _unauthenticated(self, flow_type: str | None) -> Response:
        """settings/strategy_helper.go OnUnauthenticated."""
        if flow_type == "api" or self._is_json():
            raise PublicError(401, NO_SESSION)
        return self._redirect(self.config.login_ui_url, 302)

    async def get_settings_flow(self) -> Response:
        """settings/handler.go getSettingsFlow: session, owner, CSRF, expiry."""
        found = self._current_session()
        if found is None:
            return self._unauthenticated(None)
        record = self.store.find_flow(self._get_flow_id(self._first("id")))
        if record is None or record.kind != "settings":
            raise not_found()
        if record.internal.get("identity_id") != found[1].id:
            raise identity_mismatch()
        self._check_flow_csrf(record)
        if record.expires_at is not None and record.expires_at < self.store.now():
            gone = self._gone("settings", record)
            gone.error_id = None  # settings/handler.go getSettingsFlow writes no id (unlike login's)
            raise gone
        doc = copy.deepcopy(record.document)
        doc["identity"] = wire.identity_json(found[1], self.ctx.public_url, metadata_admin="never")
        return respond(doc)

    async def update_settings_flow(self) -> Response:
        """settings/handler.go updateSettingsFlow, then the password or profile strategy."""
        try:
            record = self._load_flow("settings", self._first("flow"))
        except KratosError as error:
            if error.code == 404:
                error = not_found("The settings request could not be found. Please restart the flow.", None)
            return self._forward(error, None)
        doc = copy.deepcopy(record.document)
        flow_type = doc["type"]
        found = self._current_session()
        if found is None:  # settings/error.go WriteFlowError with ErrNoActiveSessionFound
            if flow_type == "api" or self._is_json():
                raise session_inactive()
            return self._redirect(f"{self.ctx.public_url}/self-service/login/browser")
        session, identity = found
        if record.expires_at is not None and record.expires_at < self.store.now():  # settings/flow.go Valid
            return self._settings_expired(record, identity)
        if record.internal.get("identity_id") != identity.id:
            return self._forward(identity_mismatch(), flow_type)
        body = await self._form_or_json()
        method = body.get("method")
        try:
            problems = self._ensure_csrf(doc, body) if method in ("password", "profile") else []
        except PublicError as violation:
            return self._forward(violation, flow_type)
        if problems:
            return self._settings_problems(record, doc, identity, problems)
        if method == "password" and self.config.password_enabled:
            return self._password(record, doc, session, identity, body)
        if method == "profile" and self.config.profile_enabled:
            return self._profile(record, doc, session, identity, body)
        no_strategy = texts.error(
            4010004, "Could not find a strategy to update your settings. Did you fill out the form correctly?"
        )
        return self._settings_problems(record, doc, identity, [("", no_strategy)])

    def _privileged(self, session: Session) -> bool:
        return session.authenticated_at + self.config.settings_privileged_max_age >= self.store.now()

    def _reauthenticate(self, record: Flow) -> Response:
        """settings/error.go reauthenticate: login with refresh=true, back to this submission."""
        return_to = f"{self.ctx.public_url}/self-service/settings?" + urlencode({"flow": record.id})
        target = f"{self.ctx.public_url}/self-service/login/browser?" + urlencode(
            {"refresh": "true", "return_to": return_to}
        )
        if record.document["type"] == "api" or self._is_json():
            raise refresh_required(target)
        return self._redirect(target)

    def _password(
        self, record: Flow, doc: dict[str, Any], session: Session, identity: Identity, body: dict[str, Any]
    ) -> Response:
        """password/settings.go continueSettingsFlow."""
        if not self._privileged(session):
            return self._reauthenticate(record)
        raw = body.get("password")
        password = raw if isinstance(raw, str) else ""
        if not password:
            return self._settings_problems(record, doc, identity, [("password", texts.required("password"))])
        current = identity.credentials.get("password")
        hashed = current.config.get("hashed_password", "") if current and isinstance(current.config, dict) else ""
        problems: Problems = []
        if hashed and passwords.matches(password, hashed):
            problems = [("password", code_texts.password_same_as_old())]
        if not problems:
            derived = self.store.schemas.for_identity(identity.schema_id).validate(identity.traits)
            for identifier in derived.identifiers.get("password", []) or [""]:
                violation = passwords.policy_violation(identifier, password, self.config.password_policy)
                if violation is not None:
                    problems = [("password", violation)]
                    break
        too_long = passwords.bcrypt_violation(password)
        if not problems and too_long:
            problems = [("password", too_long)]
        if problems:
            return self._settings_problems(record, doc, identity, problems)
        updated = self.store.set_password(identity.id, password)
        return self._settings_success(record, doc, session, updated, "password")

    def _profile(
        self, record: Flow, doc: dict[str, Any], session: Session, identity: Identity, body: dict[str, Any]
    ) -> Response:
        """profile/strategy.go continueFlow: the traits validated, protected ones need privilege."""
        traits = body.get("traits") if body.get("traits") is not None else {}
        schema = self.store.schemas.for_identity(identity.schema_id).document
        problems = validation.validate_traits(traits, schema)
        if problems:
            code_flows.fill_profile(doc["ui"], schema, traits, self._submit_csrf(doc["type"]))
            return self._settings_problems(record, doc, identity, problems)
        try:
            with self.store.transaction():
                updated = self.store.set_traits(identity.id, traits, DuplicateCredentialsError)
                if set(unique_keys(updated)) != set(unique_keys(identity)) and not self._privileged(session):
                    raise _NeedsReAuthError()
        except _NeedsReAuthError:
            return self._reauthenticate(record)
        except DuplicateCredentialsError:
            return self._settings_problems(record, doc, identity, [("", texts.duplicate_credentials())])
        return self._settings_success(record, doc, session, updated, "profile")

    def _settings_problems(self, record: Flow, doc: dict[str, Any], identity: Identity, problems: Problems) -> Response:
        """settings/error.go WriteFlowError: messages on the flow, sorted; 400 (or a 303 to the UI)."""
        flows.render_problems(doc, problems)
        code_flows.sort_settings(doc["ui"]["nodes"], self.store.schemas.for_identity(identity.schema_id).document)
        self._refresh_csrf_node(doc)
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{self.config.settings_ui_url}?flow={record.id}")
        return respond(doc, 400)

    def _settings_success(
        self, record: Flow, doc: dict[str, Any], session: Session, identity: Identity, method: str
    ) -> Response:
        """settings/hook.go PostSettingsHook: state success, a fresh form with "saved"; api → the
        flow, browser JSON → the flow with redirect_browser_to (and the cookie again), else 303."""
        flow_type = doc["type"]
        fresh = self._new_settings_flow(flow_type, identity, self._submit_csrf(flow_type))
        doc["ui"] = copy.deepcopy(fresh.document["ui"])
        doc["ui"]["messages"] = [code_texts.settings_saved()]
        doc["identity"] = fresh.document["identity"]
        doc["state"] = "success"
        self._save(record, doc)
        # registry_default_settings.go PostSettingsPostPersistHooks: the verifier runs first when
        # verification is on, mailing a code to a new (pending) address
        VerificationHandlers(self.ctx)._verification_after_registration(identity, flow_type, pending_only=True)
        if flow_type == "api":
            return respond(doc)
        config = self.config
        default = config.settings_after_return_url or f"{config.settings_ui_url}?flow={record.id}"
        try:
            return_to = flows.check_return_to(
                doc.get("return_to", ""), default, config.allowed_return_urls, self.ctx.public_url
            )
        except KratosError:
            return_to = default
        set_cookies = [self._session_cookie(session)]
        if self._is_json():
            body = {**doc, "continue_with": [{"action": "redirect_browser_to", "redirect_browser_to": return_to}]}
            return self._with_cookies(respond(body), set_cookies)
        return self._redirect(return_to, 303, [("Set-Cookie", v) for v in set_cookies])

    def _settings_expired(self, record: Flow, identity: Identity) -> Response:
        """settings/error.go PrepareReplacementForExpiredFlow: a new flow with "expired"; 410 with
        its id (api, JSON) or a 303 to the UI."""
        expired_at = record.expires_at
        assert expired_at is not None
        flow_type = record.document["type"]
        now = self.store.now()
        fresh = self._new_settings_flow(flow_type, identity, self._submit_csrf(flow_type))
        doc = copy.deepcopy(fresh.document)
        doc["ui"].setdefault("messages", []).append(code_texts.flow_expired("settings", expired_at, now))
        self._save(fresh, doc)
        if flow_type == "api" or self._is_json():
            raise flows.expired_error(expired_at, now, fresh.id)
        return self._redirect(f"{self.config.settings_ui_url}?flow={fresh.id}")


class _NeedsReAuthError(Exception):
    """Raised inside the traits transaction so the write is undone."""
