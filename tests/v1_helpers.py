"""Helpers for the Kratos v1.x tests: state the admin API cannot create."""

from __future__ import annotations

from dataclasses import replace

from mockserver.models import Credential, IdentityDraft
from mockserver.store import Store

MFA_EMAIL = "mfa@example.com"


def seed_second_factors(store: Store, email: str = MFA_EMAIL) -> str:
    """An identity with a password plus totp, lookup_secret and webauthn credentials (one
    passwordless key, id "passwordless", and one second-factor key, id "roaming"), as a login
    flow would leave them. No API verb imports these types, so the test writes the record."""
    identity = store.create_identity(IdentityDraft(schema_id="default", traits={"email": email}))
    now = identity.created_at
    webauthn = {
        "credentials": [{"id": "passwordless", "is_passwordless": True}, {"id": "roaming", "is_passwordless": False}],
        "user_handle": "aGFuZGxl",
    }
    extra = {
        "totp": Credential("totp", (identity.id,), {"totp_url": "otpauth://totp/x?secret=ABC"}, 0, now, now),
        "lookup_secret": Credential("lookup_secret", (identity.id,), {"recovery_codes": []}, 0, now, now),
        "webauthn": Credential("webauthn", (email,), webauthn, 1, now, now),
    }
    with store.transaction():
        store._identities.put(identity.id, replace(identity, credentials={**identity.credentials, **extra}))
    return identity.id
