"""Logging a user in without the flow dance, for tests (the answer to ory/kratos#3301): the
session Kratos would issue after a password login (manager_http.go ActivateSession), its token,
and the session cookie as a ready ``Cookie`` header. Used by the pytest handle
(``kratos_mock.login(...)``) and the control plane (``POST /__mock__/login``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .identity_schemas import normalize_identifier
from .kratos_config import KratosConfig
from .models import Identity, Session
from .selfservice.cookies import SessionCookie, encode_session_cookie, logout_token
from .store import SessionSeed, Store
from .values import canonical_uuid, fmt_time

LOOKUP = (("credential", "password"), ("credential", "code"), ("credential", "webauthn"), ("credential", "passkey"))


@dataclass(frozen=True)
class LoggedIn:
    """A logged-in user: ``token`` for ``X-Session-Token`` / ``Authorization: Bearer``, ``cookie``
    for a ``Cookie`` header (``headers`` has both ready)."""

    session: Session
    identity: Identity
    token: str
    cookie: str
    logout_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie}

    @property
    def token_headers(self) -> dict[str, str]:
        return {"X-Session-Token": self.token}


def find_identity(store: Store, identifier: str) -> Identity:
    """An identity by id, login identifier (password, code, WebAuthn, passkey) or address."""
    identity_id = canonical_uuid(identifier)
    if identity_id is not None and store.find_identity(identity_id) is not None:
        return store.get_identity(identity_id)
    value = normalize_identifier(identifier)
    with store.lock:
        table = store._identities
        keys = [(kind, via, value) for kind, via in LOOKUP]
        keys += [("verifiable", "email", value), ("recovery", "email", value), ("verifiable", "sms", value)]
        owner = next((o for o in (table.owner(k) for k in keys) if o is not None), None)
    if owner is None:
        raise ValueError(f"no identity has the identifier or id {identifier!r}")
    return store.get_identity(owner)


def login(store: Store, config: KratosConfig, identifier: str, *, aal: str = "aal1") -> LoggedIn:
    """A new session for the identity, as a password login (aal1) or password + TOTP (aal2)."""
    if aal not in ("aal1", "aal2"):
        raise ValueError(f"aal must be aal1 or aal2, got {aal!r}")
    identity = find_identity(store, identifier)
    if identity.state != "active":
        raise ValueError(f"identity {identity.id} is disabled: Kratos refuses it a session (ErrIdentityDisabled)")
    now = store.now()
    methods: list[dict[str, Any]] = [{"method": "password", "aal": "aal1", "completed_at": fmt_time(now)}]
    if aal == "aal2":
        methods.append({"method": "totp", "aal": "aal2", "completed_at": fmt_time(now)})
    seed = SessionSeed(aal=aal, authentication_methods=tuple(methods), authenticated_at=now, issued_at=now)
    session = store.create_session(identity.id, seed)
    value = encode_session_cookie(SessionCookie(session.token, session.expires_at, store.draw_token(8)))
    return LoggedIn(
        session=session,
        identity=identity,
        token=session.token,
        cookie=f"{config.session_cookie_name}={value}",
        logout_token=logout_token(session.token),
    )
