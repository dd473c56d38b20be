"""Passwordless login by one-time code (selfservice/strategy/code/strategy_login.go Login,
loginSendCode, loginVerifyCode; strategy.go populateEmailSentFlow at v26.2.0), with
``selfservice.methods.code.passwordless_enabled``. Step one mails ``login_code_valid`` and answers
the flow (400 for JSON, a 303 otherwise); step two checks the code (``max_submissions`` counts
every try); ``resend=code`` starts over with a new code."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..identity_schemas import normalize_identifier
from ..models import Flow, Identity, Session
from ..selfservice import code_flows, code_texts, nodes, texts
from ..selfservice.errors import PublicError, identity_disabled
from ..store.courier_verbs import CodeVerdict
from .code_sender import CodeSender
from .common import respond
from .flow_base import FlowHandlers

TOO_OFTEN = "The request was submitted too often. Please request another code."
ALREADY_USED = "The code was already used. Please request another code."


class CodeLogin(FlowHandlers, CodeSender):
    """Mixin of the login group: ``method=code``."""

    def _login_problems(self, record: Flow, doc: dict[str, Any], problems: list[tuple[str, texts.Message]]) -> Response:
        raise NotImplementedError

    def _login_session(
        self, identity: Identity, found: tuple[Session, Identity] | None, doc: dict[str, Any], method: str = "password"
    ) -> Session:
        raise NotImplementedError

    def _login_success(
        self, record: Flow, session: Session, identity: Identity, found: tuple[Session, Identity] | None
    ) -> Response:
        raise NotImplementedError

    def _code_login(
        self, record: Flow, doc: dict[str, Any], body: dict[str, Any], found: tuple[Session, Identity] | None
    ) -> Response:
        try:
            problems = self._ensure_csrf(doc, body)
        except PublicError as violation:
            return self._forward(violation, doc["type"])
        if problems:
            return self._login_problems(record, doc, problems)
        if str(body.get("resend") or "").lower() == "code":  # SetDefaultFlowState
            doc["state"] = "choose_method"
        raw = body.get("identifier")
        identifier = raw if isinstance(raw, str) else ""
        if doc.get("state") == "sent_email":
            return self._verify_login_code(record, doc, body, identifier, found)
        if not identifier:
            return self._login_problems(record, doc, [("identifier", texts.required("identifier"))])
        identity = self._code_identity(identifier)
        if identity is None:
            nodes.set_value(doc["ui"]["nodes"], "identifier", identifier)
            return self._login_problems(record, doc, [("", code_texts.account_without_code())])
        self.store.drop_codes(record.id, "login")
        address = normalize_identifier(identifier)
        self._send_login_code(record, identity, address)
        code_flows.login_code_sent(doc, identifier, self._submit_csrf(doc["type"]))
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{self.config.login_ui_url}?flow={record.id}")
        return respond(doc, 400)

    def _code_identity(self, identifier: str) -> Identity | None:
        """findIdentityForIdentifier: the identity whose code credential has the identifier."""
        return self.store.find_by_code_identifier(identifier)

    def _verify_login_code(
        self,
        record: Flow,
        doc: dict[str, Any],
        body: dict[str, Any],
        identifier: str,
        found: tuple[Session, Identity] | None,
    ) -> Response:
        """loginVerifyCode: a missing code is 4000002, a wrong one 4010008, too many tries 4000001."""
        code = body.get("code") if isinstance(body.get("code"), str) else ""
        if not code:
            return self._login_problems(record, doc, [("code", texts.required("code"))])
        verdict = self.store.use_code(record.id, "login", code, self.config.code_max_submissions)
        record = self.store.find_flow(record.id) or record  # the submit count moved on
        if verdict.outcome == CodeVerdict.TOO_OFTEN:
            return self._login_problems(record, doc, [("", texts.generic(TOO_OFTEN))])
        if verdict.outcome == CodeVerdict.USED:
            return self._login_problems(record, doc, [("", texts.generic(ALREADY_USED))])
        if verdict.outcome != CodeVerdict.OK or verdict.code is None or verdict.code.identity_id is None:
            return self._login_problems(record, doc, [("", code_texts.login_code_invalid())])
        identity = self.store.get_identity(verdict.code.identity_id)
        doc["state"] = "passed_challenge"
        record = self._save(record, doc)
        if identity.state != "active":
            return self._forward(identity_disabled(identity.id), doc["type"])
        if not any(a.verified for a in identity.verifiable_addresses if a.value == verdict.code.address):
            # code/strategy_login.go loginVerifyCode: the address used is verified by the login
            self.store.verify_address(identity.id, verdict.code.address)
            identity = self.store.get_identity(identity.id)
        session = self._login_session(identity, found, doc, "code")
        return self._login_success(record, session, identity, found)
