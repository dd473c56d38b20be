"""Session rules as pure functions: a new session from a seed, Kratos' computed ``active``, order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..clock import Entropy
from ..models import Identity, Session
from ..values import fmt_time


@dataclass(frozen=True)
class SessionSeed:
    """What a fixture, the control plane or a test says about a session to seed (wire names are
    mapped by ``fixtures.parse_session_seed``); everything else Kratos would set at login."""

    id: str | None = None
    active: bool = True
    aal: str = "aal1"
    authentication_methods: tuple[Mapping[str, Any], ...] | None = None
    devices: tuple[Mapping[str, Any], ...] = ()
    authenticated_at: datetime | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None


def new_session(
    identity_id: str, seed: SessionSeed, *, now: datetime, lifespan: timedelta, entropy: Entropy
) -> Session:
    authenticated_at = seed.authenticated_at or now
    methods = seed.authentication_methods
    if methods is None:
        methods = ({"method": "password", "aal": seed.aal, "completed_at": fmt_time(authenticated_at)},)
    return Session(
        id=seed.id or entropy.uuid4(),
        identity_id=identity_id,
        active=seed.active,
        expires_at=seed.expires_at or now + lifespan,
        authenticated_at=authenticated_at,
        issued_at=seed.issued_at or now,
        aal=seed.aal,
        authentication_methods=tuple(dict(m) for m in methods),
        devices=tuple(
            {"id": d.get("id") or entropy.uuid4(), "ip_address": "", "user_agent": "", "location": "", **d}
            for d in seed.devices
        ),
        token="ory_st_" + entropy.token(32),
        created_at=seed.issued_at or now,  # fixtures give issued_at; list order then survives a round trip
    )


def is_active(session: Session, now: datetime, identity: Identity | None = None) -> bool:
    """Kratos' ``active`` (session/session.go, IsActive): the flag, the expiry and, when the identity
    is known, its state."""
    if not session.active or session.expires_at <= now:
        return False
    return identity is None or identity.state == "active"


def newest_first(sessions: Iterable[Session], active: bool | None, now: datetime) -> list[Session]:
    """Sessions filtered by ``active`` (flag and expiry), created_at descending, then id ascending."""
    chosen = [s for s in sessions if active is None or is_active(s, now) == active]
    chosen.sort(key=lambda s: s.id)
    chosen.sort(key=lambda s: s.created_at, reverse=True)
    return chosen
