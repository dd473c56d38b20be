"""The store's verbs on sessions, flows, error containers and recovery grants (a mixin of ``Store``,
which owns the tables, lock and transactions these use)."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..clock import Entropy, MockClock
from ..errors import KratosError, bad_request, not_found
from ..models import AAL_LEVELS, Flow, Identity, RecoveryGrant, Session
from . import sessions as session_rules
from .locking import locked, writes
from .sessions import SessionSeed
from .tables import IdentityTable, SessionTable, Table

DEFAULT_LIFESPAN = timedelta(hours=1)


class SessionVerbs:
    lock: threading.RLock
    clock: MockClock
    entropy: Entropy
    session_lifespan: timedelta
    _identities: IdentityTable
    _sessions: SessionTable
    _grants: Table[str, RecoveryGrant]
    _flows: Table[str, Flow]
    _errors: Table[str, dict[str, Any]]

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def get_identity(self, identity_id: str) -> Identity:
        raise NotImplementedError

    # --- sessions --------------------------------------------------------------------------

    @writes
    def create_session(self, identity_id: str, seed: SessionSeed | None = None) -> Session:
        """Seed a session (the admin API cannot create one: Kratos makes them at login)."""
        self.get_identity(identity_id)
        seed = seed or SessionSeed()
        if seed.aal not in AAL_LEVELS:
            raise bad_request(f"authenticator_assurance_level must be one of {', '.join(AAL_LEVELS)}")
        if seed.id is not None and seed.id in self._sessions:
            raise KratosError(409, f"A session with id {seed.id} exists already.")
        session = session_rules.new_session(
            identity_id, seed, now=self.clock.now(), lifespan=self.session_lifespan, entropy=self.entropy
        )
        self._sessions.put(session.id, session)
        return session

    def is_session_active(self, session: Session, identity: Identity | None = None) -> bool:
        """Kratos computes ``active`` when serialising: flag, expiry and (if embedded) identity state."""
        return session_rules.is_active(session, self.clock.now(), identity)

    @locked
    def get_session(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise not_found()
        return session

    @locked
    def list_sessions(
        self, *, active: bool | None = None, after: tuple[datetime, str] | None = None, page_size: int = 250
    ) -> tuple[list[Session], bool]:
        """Newest first (created_at desc, id asc); ``after`` is the last (created_at, id) seen."""
        sessions = session_rules.newest_first(self._sessions.values(), active, self.clock.now())
        if after is not None:
            created, last_id = after
            sessions = [s for s in sessions if s.created_at < created or (s.created_at == created and s.id > last_id)]
        return sessions[:page_size], len(sessions) > page_size

    @locked
    def count_sessions(self, *, active: bool | None = None) -> int:
        """How many sessions ``list_sessions`` would page through (v1.x's X-Total-Count)."""
        return len(session_rules.newest_first(self._sessions.values(), active, self.clock.now()))

    @locked
    def list_identity_sessions(self, identity_id: str, *, active: bool | None = None) -> list[Session]:
        """All sessions of one identity (unknown identity: empty), newest first."""
        owned = [self._sessions.rows[s] for s in self._sessions.owned_by(identity_id)]
        return session_rules.newest_first(owned, active, self.clock.now())

    @writes
    def disable_session(self, session_id: str) -> None:
        session = self.get_session(session_id)
        self._sessions.put(session_id, replace(session, active=False))

    @writes
    def delete_identity_sessions(self, identity_id: str) -> int:
        owned = self._sessions.owned_by(identity_id)
        if not owned:
            raise not_found()
        for session_id in owned:
            self._sessions.put(session_id, None)
        return len(owned)

    @writes
    def extend_session(self, session_id: str) -> Session:
        """expires_at = now + lifespan; the active flag is left alone."""
        session = self.get_session(session_id)
        extended = replace(session, expires_at=self.clock.now() + self.session_lifespan)
        self._sessions.put(session_id, extended)
        return extended

    @locked
    def sessions(self) -> list[Session]:
        return self._sessions.values()

    # --- self-service flows and error containers (seeded data that generations read) --------

    @writes
    def put_flow(self, flow: Flow) -> None:
        self._flows.put(flow.id, flow)

    @locked
    def find_flow(self, flow_id: str) -> Flow | None:
        return self._flows.get(flow_id)

    @locked
    def flows(self) -> list[Flow]:
        return self._flows.values()

    @writes
    def put_error(self, container: dict[str, Any]) -> None:
        self._errors.put(str(container["id"]), container)

    @locked
    def find_error(self, error_id: str) -> dict[str, Any] | None:
        return self._errors.get(error_id)

    @locked
    def errors(self) -> list[dict[str, Any]]:
        return self._errors.values()

    # --- recovery --------------------------------------------------------------------------

    @writes
    def create_recovery_grant(self, identity_id: str, kind: str, expires_in: timedelta | None) -> RecoveryGrant:
        """A recovery code (6 digits) or link token (32 characters) for an identity."""
        if identity_id not in self._identities:
            if kind == "link":
                raise bad_request("The requested identity id does not exist.")
            raise not_found("could not find identity")
        grant = RecoveryGrant(
            flow_id=self.entropy.uuid4(),
            identity_id=identity_id,
            kind=kind,
            secret=self.entropy.digits(6) if kind == "code" else self.entropy.token(32),
            expires_at=self.clock.now() + (expires_in or DEFAULT_LIFESPAN),
        )
        self._grants.put(grant.flow_id, grant)
        return grant

    @locked
    def recovery_grants(self, identity_id: str | None = None) -> list[RecoveryGrant]:
        return [g for g in self._grants.values() if identity_id is None or g.identity_id == identity_id]
