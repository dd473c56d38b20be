"""The store's verbs behind the flows that send messages (a mixin of ``Store``): the courier's
messages (courier/message.go, persistence/sql/persister_courier.go), one-time codes
(persistence/sql/persister_code.go) and the identity changes those flows make: an address
verified, a password or traits replaced (identity/manager.go Update*)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from ..clock import Entropy, MockClock
from ..errors import KratosError
from ..models import CourierMessage, Flow, Identity, IdentityDraft, ImportedCredential, OneTimeCode
from .locking import locked, writes
from .tables import IdentityTable, Table

MESSAGE_STATUSES = ("queued", "sent", "processing", "abandoned")


class CodeVerdict:
    """What ``use_code`` found: the code, or why not (persister_code.go useOneTimeCode)."""

    OK, UNKNOWN, USED, TOO_OFTEN = "ok", "unknown", "used", "too_often"

    def __init__(self, outcome: str, code: OneTimeCode | None = None) -> None:
        self.outcome = outcome
        self.code = code


class CourierVerbs:
    lock: threading.RLock
    clock: MockClock
    entropy: Entropy
    _identities: IdentityTable
    _flows: Table[str, Flow]
    _messages: Table[str, CourierMessage]
    _codes: Table[str, OneTimeCode]

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def get_identity(self, identity_id: str) -> Identity:
        raise NotImplementedError

    def update_identity(self, identity_id: str, draft: IdentityDraft) -> Identity:
        raise NotImplementedError

    # --- the courier -----------------------------------------------------------------------

    @writes
    def queue_message(
        self, recipient: str, template_type: str, subject: str, body: str, *, code: str = "", link: str = ""
    ) -> CourierMessage:
        """courier/smtp.go QueueEmail: status queued, send_count 0 (no courier worker runs)."""
        stored = CourierMessage(
            id=self.entropy.uuid4(),
            recipient=recipient,
            template_type=template_type,
            subject=subject,
            body=body,
            created_at=self.clock.now(),
            code=code,
            link=link,
            seq=len(self._messages),
        )
        self._messages.put(stored.id, stored)
        return stored

    @locked
    def courier_messages(self, *, recipient: str = "", status: str | None = None) -> list[CourierMessage]:
        """persister_courier.go ListMessages: exact filters, newest first (created_at DESC; ties,
        which a frozen clock makes common, by the order queued rather than by id)."""
        found = [
            m
            for m in self._messages.values()
            if (not recipient or m.recipient == recipient) and (status is None or m.status == status)
        ]
        found.sort(key=lambda m: (m.created_at, m.seq), reverse=True)
        return found

    @locked
    def find_courier_message(self, message_id: str) -> CourierMessage | None:
        return self._messages.get(message_id)

    # --- one-time codes --------------------------------------------------------------------

    @writes
    def issue_code(
        self,
        flow_id: str,
        kind: str,
        *,
        address: str,
        identity_id: str | None,
        lifespan: timedelta,
        admin: bool = False,
        secret: str | None = None,
    ) -> OneTimeCode:
        """code/code_sender.go: six random digits (or ``secret``) for a flow, expiring after ``lifespan``."""
        code = OneTimeCode(
            id=self.entropy.uuid4(),
            flow_id=flow_id,
            kind=kind,
            code=secret if secret is not None else self.entropy.digits(6),
            address=address,
            identity_id=identity_id,
            expires_at=self.clock.now() + lifespan,
            admin=admin,
        )
        self._codes.put(code.id, code)
        return code

    @writes
    def drop_codes(self, flow_id: str, kind: str) -> None:
        """A resend deletes the flow's earlier codes (persister_code.go DeleteLoginCodesOfFlow...)."""
        for code in [c for c in self._codes.values() if c.flow_id == flow_id and c.kind == kind]:
            self._codes.put(code.id, None)

    @writes
    def use_code(self, flow_id: str, kind: str, supplied: str, max_submissions: int) -> CodeVerdict:
        """persister_code.go useOneTimeCode: the flow's submit count goes up first (so wrong codes
        count); past ``max_submissions`` every submission fails; an expired code is unknown."""
        flow = self._flows.get(flow_id)
        if flow is not None:
            count = int(flow.internal.get("submit_count", 0)) + 1
            self._flows.put(flow_id, replace(flow, internal={**flow.internal, "submit_count": count}))
            if count > max_submissions:
                return CodeVerdict(CodeVerdict.TOO_OFTEN)
        match = next(
            (c for c in self._codes.values() if c.flow_id == flow_id and c.kind == kind and c.code == supplied), None
        )
        if match is None or match.expires_at < self.clock.now():
            return CodeVerdict(CodeVerdict.UNKNOWN)
        if match.used:
            return CodeVerdict(CodeVerdict.USED, match)
        self._codes.put(match.id, replace(match, used=True))
        return CodeVerdict(CodeVerdict.OK, match)

    @locked
    def codes(self, flow_id: str | None = None) -> list[OneTimeCode]:
        return [c for c in self._codes.values() if flow_id is None or c.flow_id == flow_id]

    # --- identity changes of the flows -----------------------------------------------------

    @locked
    def identity_by_address(self, kind: str, value: str) -> Identity | None:
        """persister_identity.go FindVerifiableAddressByValue / FindRecoveryAddressByValue (e-mail:
        case-insensitive)."""
        for via in ("email", "sms"):
            owner = self._identities.owner((kind, via, value.strip().lower() if via == "email" else value.strip()))
            if owner is not None:
                return self._identities.get(owner)
        return None

    @writes
    def verify_address(self, identity_id: str, value: str) -> Identity:
        """code/strategy_verification.go verificationUseCode: verified, status completed, verified_at."""
        identity = self.get_identity(identity_id)
        now = self.clock.now()
        addresses = tuple(
            replace(a, verified=True, status="completed", verified_at=now, updated_at=now)
            if a.value.lower() == value.lower()
            else a
            for a in identity.verifiable_addresses
        )
        updated = replace(identity, verifiable_addresses=addresses)
        self._identities.put(identity_id, updated)
        return updated

    @writes
    def mark_address_sent(self, identity_id: str, value: str) -> None:
        """code_sender.go SendVerificationCodeTo: the address' status becomes ``sent``."""
        identity = self.get_identity(identity_id)
        addresses = tuple(
            replace(a, status="sent") if a.value.lower() == value.lower() and not a.verified else a
            for a in identity.verifiable_addresses
        )
        self._identities.put(identity_id, replace(identity, verifiable_addresses=addresses))

    @writes
    def set_password(self, identity_id: str, password: str) -> Identity:
        """password/settings.go continueSettingsFlow: the password credential replaced (hashed), its
        identifiers those the schema derives."""
        identity = self.get_identity(identity_id)
        imported = {"password": ImportedCredential("password", {}, plaintext=password)}
        return self.update_identity(identity_id, _draft(identity, identity.traits, imported))

    @writes
    def set_traits(self, identity_id: str, traits: Any, conflict: Callable[[], KratosError]) -> Identity:
        """profile/strategy.go continueFlow: the traits replaced (identifiers and addresses derived again)."""
        identity = self.get_identity(identity_id)
        try:
            return self.update_identity(identity_id, _draft(identity, traits, None))
        except KratosError as error:
            if error.code == 409:
                raise conflict() from None
            raise


def _draft(identity: Identity, traits: Any, credentials: dict[str, ImportedCredential] | None) -> IdentityDraft:
    return IdentityDraft(
        schema_id=identity.schema_id,
        traits=traits,
        state=identity.state,
        metadata_public=identity.metadata_public,
        metadata_admin=identity.metadata_admin,
        external_id=identity.external_id,
        organization_id=identity.organization_id,
        credentials=credentials,
    )
