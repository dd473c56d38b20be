"""The store's verbs behind the public session routes (a mixin of ``Store``): a session by its token,
revocations as persistence/sql/persister_session.go performs them, a user's other sessions."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime

from ..clock import Entropy, MockClock
from ..models import Identity, Session
from . import sessions as session_rules
from .locking import locked, writes
from .tables import IdentityTable, SessionTable


class PublicSessionVerbs:
    lock: threading.RLock
    clock: MockClock
    entropy: Entropy
    _identities: IdentityTable
    _sessions: SessionTable

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    @locked
    def session_by_token(self, token: str) -> tuple[Session, Identity | None] | None:
        """persister_session.go GetSessionByToken (identity expanded); None when unknown."""
        session_id = self._sessions.by_token.get(token) if token else None
        session = self._sessions.get(session_id) if session_id else None
        if session is None:
            return None
        return session, self._identities.get(session.identity_id)

    @locked
    def active_session_by_token(self, token: str) -> tuple[Session, Identity] | None:
        """manager_http.go FetchFromRequest: the session of a token, if ``IsActive()``."""
        found = self.session_by_token(token)
        if found is None:
            return None
        session, identity = found
        if identity is None or not session_rules.is_active(session, self.clock.now(), identity):
            return None
        return session, identity

    @writes
    def revoke_session_by_token(self, token: str) -> bool:
        """RevokeSessionByToken: ``active = false``; False when no row has the token."""
        session_id = self._sessions.by_token.get(token) if token else None
        session = self._sessions.get(session_id) if session_id else None
        if session is None:
            return False
        self._sessions.put(session.id, replace(session, active=False))
        return True

    @writes
    def revoke_identity_session(self, identity_id: str, session_id: str) -> None:
        """RevokeSession: only a session of that identity is touched; unknown ids change nothing."""
        session = self._sessions.get(session_id)
        if session is not None and session.identity_id == identity_id:
            self._sessions.put(session_id, replace(session, active=False))

    @writes
    def revoke_other_sessions(self, identity_id: str, keep_id: str) -> int:
        """RevokeSessionsIdentityExcept: every other session of the identity, already-inactive ones
        counted too (rows matched, as SQLite and PostgreSQL report them)."""
        count = 0
        for session_id in self._sessions.owned_by(identity_id):
            if session_id != keep_id:
                self._sessions.put(session_id, replace(self._sessions.rows[session_id], active=False))
                count += 1
        return count

    @locked
    def other_active_sessions(self, identity_id: str, except_id: str) -> list[Session]:
        """ListSessionsByIdentity(active=true, except): ``active AND expires_at >= now``, newest first."""
        now = self.clock.now()
        owned = [
            self._sessions.rows[s]
            for s in self._sessions.owned_by(identity_id)
            if s != except_id and self._sessions.rows[s].active and self._sessions.rows[s].expires_at >= now
        ]
        return session_rules.newest_first(owned, None, now)

    def now(self) -> datetime:
        return self.clock.now()

    @locked
    def draw_uuid(self) -> str:
        """A random UUID v4 from the seeded source (flow and error ids)."""
        return self.entropy.uuid4()

    @locked
    def draw_bytes(self, length: int) -> bytes:
        """Random bytes from the seeded source (CSRF tokens and their one-time pads)."""
        return self.entropy.bytes(length)

    @locked
    def draw_token(self, length: int) -> str:
        """Random letters and digits from the seeded source (cookie nonces, CSRF material)."""
        return self.entropy.token(length)
