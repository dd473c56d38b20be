"""The store's verbs behind the login and registration flows (a mixin of ``Store``): the password
credential of an identifier, a session issued by a login, an identity created by a registration."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..clock import Entropy
from ..errors import KratosError, create_conflict
from ..identity_schemas import normalize_identifier
from ..models import Credential, Identity, IdentityDraft, ImportedCredential, Session
from ..values import fmt_time
from .locking import locked, writes
from .sessions import SessionSeed
from .tables import IdentityTable, SessionTable


class DuplicateCredentialsError(KratosError):
    """identity/manager.go Create: an identifier or address of the new identity is taken
    (schema/errors.go NewDuplicateCredentialsError, 4000007 on the flow)."""

    def __init__(self) -> None:
        super().__init__(409, "An account with the same identifier (email, phone, username, ...) exists already.")


class FlowVerbs:
    lock: threading.RLock
    entropy: Entropy
    session_lifespan: timedelta
    _identities: IdentityTable
    _sessions: SessionTable

    def get_session(self, session_id: str) -> Session:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def create_session(self, identity_id: str, seed: SessionSeed | None = None) -> Session:
        raise NotImplementedError

    def create_identity(
        self,
        draft: IdentityDraft,
        *,
        identity_id: str | None = None,
        at: datetime | None = None,
        conflict: Callable[[], KratosError] = create_conflict,
    ) -> Identity:
        raise NotImplementedError

    @locked
    def find_by_password_identifier(self, identifier: str) -> tuple[Identity, Credential] | None:
        """persister_identity.go FindByCredentialsIdentifier(password): trimmed, normalised."""
        owner = self._identities.owner(("credential", "password", normalize_identifier(identifier)))
        identity = self._identities.get(owner) if owner else None
        if identity is None or "password" not in identity.credentials:
            return None
        return identity, identity.credentials["password"]

    @locked
    def find_by_code_identifier(self, identifier: str) -> Identity | None:
        """persister_identity.go FindByCredentialsIdentifier(code): trimmed, normalised."""
        owner = self._identities.owner(("credential", "code", normalize_identifier(identifier)))
        return self._identities.get(owner) if owner else None

    @writes
    def issue_session(
        self, identity_id: str, *, method: str, aal: str, at: datetime, device: dict[str, Any]
    ) -> Session:
        """manager_http.go ActivateSession after a login or a registration: one AMR entry, one device."""
        seed = SessionSeed(
            aal=aal,
            authentication_methods=({"method": method, "aal": aal, "completed_at": fmt_time(at)},),
            devices=(device,),
            authenticated_at=at,
            issued_at=at,
        )
        return self.create_session(identity_id, seed)

    @writes
    def reauthenticate_session(
        self, session_id: str, *, method: str, aal: str, at: datetime, device: dict[str, Any]
    ) -> Session:
        """login/handler.go updateLoginFlow with refresh (or a higher AAL) for the same identity:
        the session renewed in place (manager_http.go ActivateSession), the method appended."""
        session = self.get_session(session_id)
        methods = (*session.authentication_methods, {"method": method, "aal": aal, "completed_at": fmt_time(at)})
        renewed = replace(
            session,
            active=True,
            issued_at=at,
            authenticated_at=at,
            expires_at=at + self.session_lifespan,
            authentication_methods=methods,
            devices=(*session.devices, {"id": self.entropy.uuid4(), **device}),
        )
        self._sessions.put(session_id, renewed)
        return renewed

    @writes
    def register_identity(self, schema_id: str, traits: Any, password: str | None) -> Identity:
        """identity/manager.go Create for a registration: state active, the password hashed."""
        credentials = None
        if password is not None:
            credentials = {"password": ImportedCredential("password", {}, plaintext=password)}
        draft = IdentityDraft(schema_id=schema_id, traits=traits, state="active", credentials=credentials)
        return self.create_identity(draft, conflict=DuplicateCredentialsError)
