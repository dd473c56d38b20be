"""Verification flows with the code and link methods (selfservice/flow/verification/handler.go,
error.go; strategy/code/strategy_verification.go; strategy/link/strategy_verification.go at
v26.2.0), and the verification sent after a registration (hook/verification.go)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from ..errors import KratosError
from ..models import Flow, Identity
from ..selfservice import code_flows, code_texts, flows, texts
from ..store.courier_verbs import CodeVerdict
from .common import respond
from .message_flows import MessageFlowHandlers, flow_replaced

TOO_OFTEN = "The request was submitted too often. Please request another code."


class VerificationHandlers(MessageFlowHandlers):
    KIND = "verification"

    def _enabled(self) -> bool:
        return self.config.verification_enabled

    def _method(self) -> str:
        return self.config.verification_use

    def _ui_url(self) -> str:
        return self.config.verification_ui_url

    def _lifespan_of_flow(self) -> timedelta:
        return self.config.verification_lifespan

    async def create_native_verification_flow(self) -> Response:
        """verification/handler.go createNativeVerificationFlow."""
        if not self._enabled():
            return self._forward(self._disabled(), None)
        return respond(self._new_flow("api").document)

    async def create_browser_verification_flow(self) -> Response:
        return await self._create_browser()

    async def get_verification_flow(self) -> Response:
        return await self._get()

    async def update_verification_flow(self) -> Response:
        """verification/handler.go updateVerificationFlow, then the strategy's Verify."""
        try:
            record = self._load_for_update()
        except KratosError as error:
            return self._forward(error, None)
        doc = copy.deepcopy(record.document)
        if record.expires_at is not None and record.expires_at < self.store.now():
            return self._replace_expired(record)
        body = await self._form_or_json()
        active = doc.get("active") or self._method()
        token = self._first("token") or body.get("token")
        if active == "link" and isinstance(token, str) and token:  # link/strategy_verification.go: first
            return self._use_token(record, doc, token)
        # updateVerificationFlowWithCodeMethod.getMethod: the method, else "code" when a code is sent
        method = body.get("method") if isinstance(body.get("method"), str) and body.get("method") else ""
        if (method or ("code" if body.get("code") else "")) != active:
            return self._flow_problems(record, doc, [("", _no_strategy())])
        if doc["state"] == "passed_challenge":
            reason = "An error occured, please use the new flow."
            return self._retry(record, code_texts.retry_success("verification"), reason)
        if active == "link":
            return self._link_submit(record, doc, body)
        code = body.get("code")
        if isinstance(code, str) and code:
            return self._use_code(record, doc, code)
        email = self._address_checked(record, doc, body)
        if isinstance(email, Response):
            return email
        self.store.drop_codes(record.id, "verification")
        self._send_verification(record, email, "code")
        code_flows.verification_code_sent(doc, email, self._submit_csrf(doc["type"]))
        return self._show(record, doc)

    def _use_code(self, record: Flow, doc: dict[str, Any], code: str) -> Response:
        """strategy_verification.go verificationUseCode."""
        verdict = self.store.use_code(record.id, "verification", code, self.config.code_max_submissions)
        record = self.store.find_flow(record.id) or record  # the submit count moved on
        if verdict.outcome == CodeVerdict.TOO_OFTEN:
            return self._retry(record, texts.generic(TOO_OFTEN), "An error occured, please retry the flow.")
        if verdict.outcome != CodeVerdict.OK or verdict.code is None or verdict.code.identity_id is None:
            doc["ui"]["messages"] = [code_texts.verification_code_invalid()]
            return self._show(record, doc)
        self._mark_verified(record, doc, verdict.code.identity_id, verdict.code.address)
        return self._show(record, doc)

    def _mark_verified(self, record: Flow, doc: dict[str, Any], identity_id: str, address: str) -> None:
        self.store.verify_address(identity_id, address)
        config = self.config
        fallback = config.verification_after_return_url or config.default_browser_return_url
        try:
            return_to = flows.check_return_to(
                flows.FlowRequest("", doc.get("request_url", ""), "", self.store.now(), "").return_to,
                fallback,
                config.allowed_return_urls,
                self.ctx.public_url,
            )
        except KratosError:
            return_to = fallback
        code_flows.verification_passed(doc, return_to)

    def _use_token(self, record: Flow, doc: dict[str, Any], token: str) -> Response:
        """link/strategy_verification.go verificationUseToken: a used or unknown token retries."""
        verdict = self.store.use_code(record.id, "verification_link", token, 1 << 30)
        record = self.store.find_flow(record.id) or record  # the submit count moved on
        if verdict.outcome != CodeVerdict.OK or verdict.code is None or verdict.code.identity_id is None:
            reason = "An error occured, please use the new flow."
            return self._retry(record, code_texts.verification_token_invalid(), reason)
        self._mark_verified(record, doc, verdict.code.identity_id, verdict.code.address)
        return self._show(record, doc)

    def _link_submit(self, record: Flow, doc: dict[str, Any], body: dict[str, Any]) -> Response:
        """strategy/link/strategy_verification.go Verify with an address: the link is mailed."""
        email = self._address_checked(record, doc, body)
        if isinstance(email, Response):
            return email
        self._send_verification(record, email, "link")
        code_flows.link_sent(doc, "verification", self._submit_csrf(doc["type"]), email)
        return self._show(record, doc)

    def _retry(self, record: Flow, message: texts.Message, reason: str) -> Response:
        """retryVerificationFlowWithMessage / WithError: a new flow carrying the message; JSON gets
        410 ``self_service_flow_replaced`` with its id, browsers a 303 to the UI."""
        flow_type = record.document["type"]
        fresh = self._new_flow(flow_type, self._submit_csrf(flow_type))
        doc = copy.deepcopy(fresh.document)
        doc["ui"].setdefault("messages", []).append(message)
        self._save(fresh, doc)
        if self._is_json():
            raise flow_replaced(reason, fresh.id)
        return self._redirect(f"{self._ui_url()}?flow={fresh.id}")

    # --- after registration (hook/verification.go) ------------------------------------------

    def _verification_after_registration(
        self, identity: Identity, flow_type: str, *, pending_only: bool = False, csrf_token: str | None = None
    ) -> dict[str, Any] | None:
        """hook/verification.go do: a verification flow (state sent_email) for the first
        unverified address (after settings: the first ``pending`` one, i.e. a new address), its
        code sent; the ``show_verification_ui`` continue_with item."""
        if not self.config.verification_enabled:
            return None
        address = next(
            (
                a
                for a in identity.verifiable_addresses
                if a.value and (a.status == "pending" if pending_only else not a.verified)
            ),
            None,
        )
        if address is None:
            return None
        csrf = csrf_token if csrf_token is not None else self._submit_csrf(flow_type)
        record = self._new_flow(flow_type, csrf)
        doc = copy.deepcopy(record.document)
        self._send_verification(record, address.value, self._method())
        if self._method() == "code":
            code_flows.verification_code_sent(doc, "", csrf)
        else:
            code_flows.link_sent(doc, "verification", csrf, address.value)
        self._save(record, doc)
        return {
            "action": "show_verification_ui",
            "flow": {"id": record.id, "verifiable_address": address.value, "url": f"{self._ui_url()}?flow={record.id}"},
        }


def _no_strategy() -> texts.Message:
    return texts.error(
        4010006, "Could not find a strategy to verify your account with. Did you fill out the form correctly?"
    )
