"""Recovery flows with the code and link methods (selfservice/flow/recovery/handler.go, error.go;
strategy/code/strategy_recovery.go Recover, recoveryHandleFormSubmission, recoveryUseCode,
recoveryIssueSession, retryRecoveryFlow; strategy/link/strategy_recovery.go at v26.2.0). A
recovered account gets a session and a settings flow (settings/handler.go NewFlow)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from ..errors import KratosError
from ..models import Flow, Identity
from ..rendering import ERROR_TYPE, error_body
from ..selfservice import code_flows, code_texts, csrf, texts
from ..selfservice.cookies import client_device
from ..selfservice.errors import PublicError
from ..store.courier_verbs import CodeVerdict
from .common import respond
from .message_flows import MessageFlowHandlers
from .settings import SettingsHandlers

TOO_OFTEN = "The request was submitted too often. Please request another code."
ALREADY_USED = "The code was already used. Please request another code."


def recovery_logged_in() -> PublicError:
    """recovery/error.go ErrAlreadyLoggedIn (herodot's default message)."""
    return PublicError(
        400,
        "A valid session was detected and thus recovery is not possible.",
        error_id="session_already_available",
    )


def location_change_required(url: str) -> PublicError:
    """flow/error.go NewBrowserLocationChangeRequiredError."""
    return PublicError(
        422,
        f"In order to complete this flow please redirect the browser to: {url}",
        "browser location change required",
        error_id="browser_location_change_required",
        extra={"redirect_browser_to": url},
    )


class RecoveryFlowHandlers(MessageFlowHandlers, SettingsHandlers):
    KIND = "recovery"

    def _enabled(self) -> bool:
        return self.config.recovery_enabled

    def _method(self) -> str:
        return self.config.recovery_use

    def _ui_url(self) -> str:
        return self.config.recovery_ui_url

    def _lifespan_of_flow(self) -> timedelta:
        return self.config.recovery_lifespan

    async def create_native_recovery_flow(self) -> Response:
        """recovery/handler.go createNativeRecoveryFlow (behind IsNotAuthenticated)."""
        if self._current_session() is not None:
            raise recovery_logged_in()
        if not self._enabled():
            return self._forward(self._disabled(), None)
        return respond(self._new_flow("api").document)

    async def create_browser_recovery_flow(self) -> Response:
        if self._current_session() is not None:
            if self._is_json():
                raise recovery_logged_in()
            return self._redirect(self.config.default_browser_return_url, 302)
        return await self._create_browser()

    async def get_recovery_flow(self) -> Response:
        return await self._get()

    async def update_recovery_flow(self) -> Response:
        """recovery/handler.go updateRecoveryFlow, then the strategy's Recover."""
        try:
            record = self._load_for_update()
        except KratosError as error:
            return self._forward(error, None)
        if record.expires_at is not None and record.expires_at < self.store.now():
            return self._replace_expired(record)
        doc = copy.deepcopy(record.document)
        body = await self._form_or_json()
        token = self._first("token") or body.get("token")
        if doc.get("active") == "link" and isinstance(token, str) and token:  # the mailed link: no CSRF
            return self._use_token(record, doc, token)
        if not record.internal.get("skip_csrf"):  # DangerousSkipCSRFCheck: flows made by the admin API
            try:
                problems = self._ensure_csrf(doc, body)
            except PublicError as violation:
                return self._forward(violation, doc["type"])
            if problems:
                return self._flow_problems(record, doc, problems)
        active = doc.get("active") or self._method()
        if active == "link":  # only the flow's strategy answers (recovery/handler.go updateRecoveryFlow)
            return self._link_submit(record, doc, body)
        email = body.get("email") if isinstance(body.get("email"), str) else ""
        if doc["state"] != "choose_method" and not email:
            if body.get("method") not in (None, "", "code"):
                return self._flow_problems(record, doc, [("", _no_strategy())])
            return self._use_code(record, doc, str(body.get("code") or ""))
        if self._current_session() is not None:
            if self._is_json():
                raise recovery_logged_in()
            return self._redirect(self.config.default_browser_return_url, 302)
        if body.get("method") != "code":
            return self._flow_problems(record, doc, [("", _no_strategy())])
        if doc["state"] == "passed_challenge":
            return self._retry(record, code_texts.retry_success("recovery"))
        if not email:
            return self._flow_problems(record, doc, [("email", texts.required("email"))])
        self.store.drop_codes(record.id, "recovery")
        self._send_recovery(record, email, "code")
        code_flows.recovery_code_sent(doc, email, self._submit_csrf(doc["type"]))
        return self._show(record, doc)

    def _use_code(self, record: Flow, doc: dict[str, Any], code: str) -> Response:
        """strategy_recovery.go recoveryUseCode: a wrong code is a message on the same flow."""
        verdict = self.store.use_code(record.id, "recovery", code, self.config.code_max_submissions)
        record = self.store.find_flow(record.id) or record  # the submit count moved on
        if verdict.outcome == CodeVerdict.TOO_OFTEN:
            return self._retry(record, texts.generic(TOO_OFTEN))
        if verdict.outcome == CodeVerdict.USED:
            return self._retry(record, texts.generic(ALREADY_USED))
        if verdict.outcome != CodeVerdict.OK or verdict.code is None or verdict.code.identity_id is None:
            doc["ui"]["messages"] = [code_texts.recovery_code_invalid()]
            return self._show(record, doc)
        identity = self.store.get_identity(verdict.code.identity_id)
        if not verdict.code.admin and verdict.code.address:
            self.store.verify_address(identity.id, verdict.code.address)  # markRecoveryAddressVerified
            identity = self.store.get_identity(identity.id)
        return self._issue_session(record, doc, identity, "code_recovery")

    def _use_token(self, record: Flow, doc: dict[str, Any], token: str) -> Response:
        """link/strategy_recovery.go recoveryUseToken: a used or unknown token retries (4060004)."""
        verdict = self.store.use_code(record.id, "recovery_link", token, 1 << 30)
        record = self.store.find_flow(record.id) or record  # the submit count moved on
        if verdict.outcome != CodeVerdict.OK or verdict.code is None or verdict.code.identity_id is None:
            return self._retry(record, code_texts.recovery_token_invalid())
        identity = self.store.get_identity(verdict.code.identity_id)
        return self._issue_session(record, doc, identity, "link_recovery")

    def _link_submit(self, record: Flow, doc: dict[str, Any], body: dict[str, Any]) -> Response:
        """strategy/link/strategy_recovery.go Recover with an address: the link is mailed."""
        email = self._address_checked(record, doc, body)
        if isinstance(email, Response):
            return email
        self._send_recovery(record, email, "link")
        code_flows.link_sent(doc, "recovery", self._submit_csrf(doc["type"]), email)
        return self._show(record, doc)

    def _issue_session(self, record: Flow, doc: dict[str, Any], identity: Identity, method: str) -> Response:
        """recoveryIssueSession: state passed_challenge, an aal1 session, a settings flow with the
        "recovered" message; with continue_with transitions the flow (200) lists the session token
        (api) and the settings UI, without them JSON gets 422 and browsers a 303 to settings."""
        doc["ui"].pop("messages", None)
        doc["state"] = "passed_challenge"
        now = self.store.now()
        device = client_device(self._headers(), self._remote())
        session = self.store.issue_session(identity.id, method=method, aal="aal1", at=now, device=device)
        flow_type = doc["type"]
        set_cookies: list[str] = []
        settings_csrf = ""
        if flow_type == "browser":  # a new CSRF token (RegenerateToken), the settings flow carries it
            real = self.store.draw_bytes(csrf.TOKEN_LENGTH)
            set_cookies = [self._session_cookie(session), self._csrf_set_cookie(real)]
            settings_csrf = self._masked(real)
        continue_with: list[dict[str, Any]] = []
        if flow_type == "api":
            continue_with.append({"action": "set_ory_session_token", "ory_session_token": session.token})
        settings = self._new_settings_flow(flow_type, identity, settings_csrf)
        settings_doc = copy.deepcopy(settings.document)
        left = (now + self.config.settings_privileged_max_age - self.store.now()).total_seconds() / 60
        settings_doc["ui"]["messages"] = [code_texts.recovered(left)]
        self._save(settings, settings_doc)
        target = f"{self.config.settings_ui_url}?flow={settings.id}"
        if self.config.continue_with_transitions:
            if flow_type == "api" or self._is_json():
                continue_with.append({"action": "show_settings_ui", "flow": {"id": settings.id, "url": target}})
                doc["continue_with"] = continue_with
                self._save(record, doc)
                return self._with_cookies(respond(doc), set_cookies)
            self._save(record, doc)
            return self._redirect(target, 303, [("Set-Cookie", v) for v in set_cookies])
        self._save(record, doc)
        if self._is_json():
            return self._with_cookies(self._error_response(location_change_required(target)), set_cookies)
        return self._redirect(target, 303, [("Set-Cookie", v) for v in set_cookies])

    def _error_response(self, error: PublicError) -> Response:
        """The error as the renderer writes it, as a response that can carry several cookies."""
        body = error_body(error, self._headers().get("x-request-id"))
        return Response(body, error.code, {"Ory-Error-Id": ""}, media_type=ERROR_TYPE)

    def _retry(self, record: Flow, message: texts.Message) -> Response:
        """retryRecoveryFlow: a new flow with the message; JSON requests are sent to it (303 to
        /flows?id=) or, with continue_with transitions, get a 400 with a show_recovery_ui item;
        any other request goes to the recovery UI."""
        flow_type = record.document["type"]
        fresh = self._new_flow(flow_type, self._submit_csrf(flow_type))
        doc = copy.deepcopy(fresh.document)
        doc["ui"].setdefault("messages", []).append(message)
        self._save(fresh, doc)
        if not self._is_json():
            return self._redirect(f"{self._ui_url()}?flow={fresh.id}")
        if self.config.continue_with_transitions:
            error = PublicError(400, message["text"])
            error.details = {"continue_with": [{"action": "show_recovery_ui", "flow": {"id": fresh.id}}]}
            raise error
        return self._redirect(f"{self.ctx.public_url}/self-service/recovery/flows?id={fresh.id}")


def _no_strategy() -> texts.Message:
    return texts.error(
        4010005, "Could not find a strategy to recover your account with. Did you fill out the form correctly?"
    )
