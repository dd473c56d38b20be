"""The messages the flows send (selfservice/strategy/code/code_sender.go and
strategy/link/sender.go at v26.2.0): a code or link stored for the flow, the template rendered
(kratos.yml overrides included) and queued in the courier."""

from __future__ import annotations

from typing import Any

from .. import wire
from ..models import Flow, Identity
from ..selfservice import messages
from .public import PublicHandlers


class CodeSender(PublicHandlers):
    """Mixin of the flow handler groups that send messages."""

    def _queue(self, template_type: str, to: str, model: dict[str, Any], *, code: str = "", link: str = "") -> None:
        rendered = messages.render(template_type, to, model, self.config.courier_templates, code=code, link=link)
        self.store.queue_message(
            rendered.recipient, rendered.template_type, rendered.subject, rendered.body, code=code, link=link
        )

    def _identity_model(self, identity: Identity) -> dict[str, Any]:
        return {"Identity": wire.identity_json(identity, self.ctx.public_url, metadata_admin="never")}

    def _minutes(self, lifespan_seconds: float) -> int:
        return messages.expires_in_minutes(lifespan_seconds)

    def _issue_link(self, record: Flow, kind: str, address: str, identity: Identity) -> tuple[str, str]:
        """strategy/link/sender.go: a token for the flow (``<kind>_link``, ``link_lifespan``) and
        the URL that carries it, ``/self-service/<kind>?flow=…&token=…``."""
        token = self.store.draw_token(32)
        lifespan = self.config.link_lifespan
        self.store.issue_code(
            record.id, f"{kind}_link", address=address, identity_id=identity.id, lifespan=lifespan, secret=token
        )
        return token, f"{self.ctx.public_url}/self-service/{kind}?flow={record.id}&token={token}"

    def _unknown(self, flow: str, method: str, email: str, request_url: str, notify: bool) -> bool:
        """An address no identity has: False, and with ``notify_unknown_recipients`` the
        ``<flow>_code_invalid`` / ``<flow>_invalid`` message (SendRecovery*/SendVerification*)."""
        if notify:
            kind = f"{flow}_code_invalid" if method == "code" else f"{flow}_invalid"
            self._queue(kind, email, {"RequestURL": request_url})
        return False

    def _send_recovery(self, record: Flow, email: str, method: str) -> bool:
        """SendRecoveryCode / SendRecoveryLink: False (and maybe an "invalid" notice) for unknown addresses."""
        identity = self.store.identity_by_address("recovery", email)
        request_url = record.document.get("request_url", "")
        if identity is None:
            return self._unknown("recovery", method, email, request_url, self.config.recovery_notify_unknown)
        if method == "code":
            lifespan = self.config.code_lifespan
            issued = self.store.issue_code(
                record.id, "recovery", address=email, identity_id=identity.id, lifespan=lifespan
            )
            model = {
                **self._identity_model(identity),
                "RecoveryCode": issued.code,
                "RequestURL": request_url,
                "ExpiresInMinutes": self._minutes(lifespan.total_seconds()),
            }
            self._queue("recovery_code_valid", email, model, code=issued.code)
            return True
        token, url = self._issue_link(record, "recovery", email, identity)
        model = {
            **self._identity_model(identity),
            "RecoveryURL": url,
            "ExpiresInMinutes": self._minutes(self.config.link_lifespan.total_seconds()),
        }
        self._queue("recovery_valid", email, model, code=token, link=url)
        return True

    def _send_verification(self, record: Flow, email: str, method: str) -> bool:
        """SendVerificationCode / SendVerificationLink: the address' status becomes ``sent``."""
        identity = self.store.identity_by_address("verifiable", email)
        request_url = record.document.get("request_url", "")
        if identity is None:
            return self._unknown("verification", method, email, request_url, self.config.verification_notify_unknown)
        address = next((a.value for a in identity.verifiable_addresses if a.value.lower() == email.lower()), email)
        if method == "code":
            lifespan = self.config.code_lifespan
            issued = self.store.issue_code(
                record.id, "verification", address=address, identity_id=identity.id, lifespan=lifespan
            )
            url = f"{self.ctx.public_url}/self-service/verification?code={issued.code}&flow={record.id}"
            model = {
                **self._identity_model(identity),
                "VerificationCode": issued.code,
                "VerificationURL": url,
                "RequestURL": request_url,
                "ExpiresInMinutes": self._minutes(lifespan.total_seconds()),
            }
            self._queue("verification_code_valid", address, model, code=issued.code, link=url)
        else:
            token, url = self._issue_link(record, "verification", address, identity)
            model = {
                **self._identity_model(identity),
                "VerificationURL": url,
                "ExpiresInMinutes": self._minutes(self.config.link_lifespan.total_seconds()),
            }
            self._queue("verification_valid", address, model, code=token, link=url)
        self.store.mark_address_sent(identity.id, address)
        return True

    def _send_login_code(self, record: Flow, identity: Identity, address: str) -> None:
        """code/code_sender.go SendCode for a login flow: ``login_code_valid`` to the address."""
        lifespan = self.config.code_lifespan
        issued = self.store.issue_code(record.id, "login", address=address, identity_id=identity.id, lifespan=lifespan)
        model = {
            **self._identity_model(identity),
            "LoginCode": issued.code,
            "RequestURL": record.document.get("request_url", ""),
            "ExpiresInMinutes": self._minutes(lifespan.total_seconds()),
        }
        self._queue("login_code_valid", address, model, code=issued.code)
