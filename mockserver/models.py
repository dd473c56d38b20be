"""The stored records. Records are replaced, never mutated in place, so a snapshot can share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

IDENTITY_STATES = ("active", "inactive")
CREDENTIAL_TYPES = (
    "password",
    "oidc",
    "totp",
    "lookup_secret",
    "webauthn",
    "code",
    "passkey",
    "profile",
    "saml",
    "link_recovery",
    "code_recovery",
)
AAL_LEVELS = ("aal0", "aal1", "aal2", "aal3")


@dataclass(frozen=True, slots=True)
class Credential:
    type: str
    identifiers: tuple[str, ...]
    config: Any
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class VerifiableAddress:
    id: str
    value: str
    via: str
    verified: bool
    status: str
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RecoveryAddress:
    id: str
    value: str
    via: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    schema_id: str
    traits: Any
    state: str
    state_changed_at: datetime | None
    metadata_public: Any
    metadata_admin: Any
    external_id: str | None
    organization_id: str | None
    credentials: dict[str, Credential]
    verifiable_addresses: tuple[VerifiableAddress, ...]
    recovery_addresses: tuple[RecoveryAddress, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    identity_id: str
    active: bool  # the stored flag; the served value is computed (see store.sessions.is_active)
    expires_at: datetime
    authenticated_at: datetime
    issued_at: datetime
    aal: str
    authentication_methods: tuple[dict[str, Any], ...]
    devices: tuple[dict[str, Any], ...]
    token: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RecoveryGrant:
    """A recovery code or link issued by the admin API (kept so tests can read them back)."""

    flow_id: str
    identity_id: str
    kind: str  # "code" | "link"
    secret: str
    expires_at: datetime


@dataclass(slots=True)
class ImportedCredential:
    """A credential as sent in a create/PUT body, after parsing (see wire.parse_credentials)."""

    type: str
    config: dict[str, Any]
    identifiers: list[str] = field(default_factory=list)
    plaintext: str | None = None  # a password to hash when the write succeeds


@dataclass(slots=True)
class IdentityDraft:
    """What a create, PUT, patch or fixture asks the store to write, already type-checked."""

    schema_id: str = ""
    traits: Any = field(default_factory=dict)
    state: str = ""
    metadata_public: Any = None
    metadata_admin: Any = None
    external_id: str | None = None
    organization_id: str | None = None
    credentials: dict[str, ImportedCredential] | None = None
    verifiable_addresses: list[dict[str, Any]] = field(default_factory=list)
    recovery_addresses: list[dict[str, Any]] = field(default_factory=list)


FLOW_KINDS = ("login", "registration", "recovery", "settings", "verification")


@dataclass(frozen=True, slots=True)
class Flow:
    """A self-service flow: seeded by fixtures, or made by the public API (login, registration).

    ``document`` is the flow's JSON; ``internal`` what Kratos keeps out of it (``json:"-"``): the
    CSRF token, the identity schema."""

    kind: str
    id: str
    document: dict[str, Any]
    expires_at: datetime | None
    internal: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CourierMessage:
    """A message Kratos' courier would send (courier/message.go Message). ``code`` is the one-time
    code or link it carries, kept for tests (Kratos stores only the rendered body)."""

    id: str
    recipient: str
    template_type: str
    subject: str
    body: str
    created_at: datetime
    type: str = "email"  # "email" | "sms"
    channel: str = "email"
    status: str = "queued"
    send_count: int = 0
    code: str = ""
    link: str = ""
    seq: int = 0  # the order queued: with a frozen clock, created_at ties are broken by it


@dataclass(frozen=True, slots=True)
class OneTimeCode:
    """A recovery, verification, login or registration code of one flow (persister_code.go); the
    plaintext is kept where Kratos keeps an HMAC."""

    id: str
    flow_id: str
    kind: str  # "recovery" | "verification" | "login" | "registration" | "recovery_link" | ...
    code: str
    address: str
    identity_id: str | None
    expires_at: datetime
    used: bool = False
    admin: bool = False  # issued by createRecoveryCodeForIdentity (no address to mark verified)
