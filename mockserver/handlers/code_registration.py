"""Passwordless registration by code (selfservice/strategy/code/strategy_registration.go Register,
registrationSendEmail, registrationVerifyCode; strategy.go populateEmailSentFlow at v26.2.0), with
``selfservice.methods.code.passwordless_enabled``: step one validates the traits and mails
``registration_code_valid`` to each code address (400 with the flow for JSON, a 303 otherwise);
step two checks the code, with the same traits, and registers the identity, the address verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from ..models import Flow, Identity, Session
from ..selfservice import code_flows, nodes, texts, validation
from ..selfservice.cookies import client_device
from ..selfservice.errors import PublicError
from ..store.courier_verbs import CodeVerdict
from ..store.flow_verbs import DuplicateCredentialsError
from .code_sender import CodeSender
from .common import respond
from .flow_base import FlowHandlers

Problems = list[tuple[str, texts.Message]]
TOO_OFTEN = "The request was submitted too often. Please request another code."


class CodeRegistration(FlowHandlers, CodeSender):
    """Mixin of the registration group: ``method=code``."""

    def _schema(self, record: Flow | None = None) -> Mapping[str, Any]:
        raise NotImplementedError

    def _registration_problems(self, record: Flow, doc: dict[str, Any], problems: Problems) -> Response:
        raise NotImplementedError

    def _keep_traits(self, doc: dict[str, Any], traits: Any) -> None:
        raise NotImplementedError

    def _registration_success(self, record: Flow, identity: Identity, session: Session) -> Response:
        raise NotImplementedError

    def _code_registration(self, record: Flow, doc: dict[str, Any], body: dict[str, Any]) -> Response:
        """code/strategy_registration.go Register."""
        try:
            problems = self._ensure_csrf(doc, body)
        except PublicError as violation:
            return self._forward(violation, doc["type"])
        if problems:
            return self._registration_problems(record, doc, problems)
        if str(body.get("resend") or "").lower() == "code":  # SetDefaultFlowState
            doc["state"] = "choose_method"
        traits = body.get("traits")
        if not traits:
            return self._registration_problems(record, doc, [("traits", texts.required("traits"))])
        problems = validation.validate_traits(traits, self._schema(record))
        if problems:
            self._keep_traits(doc, traits)
            return self._registration_problems(record, doc, problems)
        schema_id = record.internal.get("identity_schema") or ""
        derived = self.store.schemas.for_identity(schema_id).validate(traits)
        if not derived.code_addresses:  # validateAndGetCredentialsFromTraits
            self._keep_traits(doc, traits)
            return self._registration_problems(record, doc, [("", texts.identifier_missing())])
        if doc.get("state") == "sent_email":
            return self._verify_registration_code(record, doc, body, traits)
        self.store.drop_codes(record.id, "registration")
        for _, address in derived.code_addresses:
            self._send_registration_code(record, address)
        code_flows.registration_code_sent(
            doc, traits, self._submit_csrf(doc["type"]), back=self.config.registration_two_steps
        )
        record = self._save(record, doc, code_traits=traits)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{self.config.registration_ui_url}?flow={record.id}")
        return respond(doc, 400)

    def _verify_registration_code(
        self, record: Flow, doc: dict[str, Any], body: dict[str, Any], traits: Any
    ) -> Response:
        """registrationVerifyCode: the code, the same traits as step one, then the identity."""
        code = body.get("code") if isinstance(body.get("code"), str) else ""
        if not code:
            return self._registration_problems(record, doc, [("code", texts.required("code"))])
        if nodes.flatten(traits, "traits") != nodes.flatten(record.internal.get("code_traits"), "traits"):
            mismatch = texts.error(
                4000036, "The provided traits do not match the traits previously associated with this flow."
            )
            return self._registration_problems(record, doc, [("", mismatch)])
        verdict = self.store.use_code(record.id, "registration", code, self.config.code_max_submissions)
        record = self.store.find_flow(record.id) or record  # the submit count moved on
        if verdict.outcome == CodeVerdict.TOO_OFTEN:
            return self._registration_problems(record, doc, [("", texts.generic(TOO_OFTEN))])
        if verdict.outcome != CodeVerdict.OK or verdict.code is None:
            invalid = texts.error(
                4040003, "The registration code is invalid or has already been used. Please try again."
            )
            return self._registration_problems(record, doc, [("", invalid)])
        schema_id = record.internal.get("identity_schema") or ""
        try:
            identity = self.store.register_identity(schema_id, traits, None)
        except DuplicateCredentialsError:
            return self._registration_problems(record, doc, [("", texts.duplicate_credentials())])
        identity = self.store.verify_address(identity.id, verdict.code.address)
        doc["state"] = "passed_challenge"
        doc["active"] = "code"
        record = self._save(record, doc)
        device = client_device(self._headers(), self._remote())
        session = self.store.issue_session(identity.id, method="code", aal="aal1", at=self.store.now(), device=device)
        return self._registration_success(record, identity, session)

    def _send_registration_code(self, record: Flow, address: str) -> None:
        """code_sender.go SendCode for a registration flow (no identity exists yet)."""
        lifespan = self.config.code_lifespan
        issued = self.store.issue_code(record.id, "registration", address=address, identity_id=None, lifespan=lifespan)
        model = {
            "RegistrationCode": issued.code,
            "Traits": record.internal.get("code_traits"),
            "RequestURL": record.document.get("request_url", ""),
            "ExpiresInMinutes": self._minutes(lifespan.total_seconds()),
        }
        self._queue("registration_code_valid", address, model, code=issued.code)
