"""Kratos' identity rules as pure functions: the record a draft describes, with the identifiers,
credentials and addresses Kratos derives from the traits (``identity/manager.go``,
``identity/extension_*.go``). Nothing here writes; the store calls these before its first write."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from .. import credentials as creds
from ..identity_schemas import Derived, IdentitySchema, normalize_identifier
from ..models import Credential, Identity, IdentityDraft, RecoveryAddress, VerifiableAddress
from ..values import parse_time

DERIVED_CREDENTIALS = ("password", "webauthn", "code")


def materialize(
    draft: IdentityDraft,
    existing: Identity | None,
    *,
    schema: IdentitySchema,
    now: datetime,
    new_id: Callable[[], str],
    identity_id: str | None = None,
    credentials: Mapping[str, Credential] | None = None,
    patch: bool = False,
    credential_types: tuple[str, ...] = DERIVED_CREDENTIALS,
    code_addresses: bool = True,
) -> Identity:
    """The identity ``draft`` describes (``existing``: the one it replaces); raises on invalid traits.

    ``credentials``: the credentials as a JSON Patch left them. ``credential_types``: the derived
    credential types the generation knows (v1.0 has no ``code``); ``code_addresses``: whether the
    code credential lists its addresses (v26.2) or has an empty config at version 0 (v1.1).
    """
    derived = schema.validate(draft.traits)
    state = draft.state or (existing.state if existing else "active")
    if existing is None or state != existing.state:
        state_changed_at: datetime | None = now
    else:
        state_changed_at = existing.state_changed_at
    stored = dict(credentials if credentials is not None else (existing.credentials if existing else {}))
    for kind, imported in (draft.credentials or {}).items():
        stored[kind] = creds.merge(stored.get(kind), imported, now)
    _apply_identifiers(stored, derived, now, credential_types, code_addresses)
    if existing is not None and not patch:
        verifiable_src: list[dict[str, Any]] = [_address_dict(a) for a in existing.verifiable_addresses]
        recovery_src: list[dict[str, Any]] = [_address_dict(a) for a in existing.recovery_addresses]
    else:  # imported or patched addresses keep an id only if it is one of this identity's own
        own: set[str] = set()
        if existing is not None:
            own = {a.id for a in existing.verifiable_addresses} | {a.id for a in existing.recovery_addresses}
        verifiable_src = [{**a, "id": a.get("id") if a.get("id") in own else None} for a in draft.verifiable_addresses]
        recovery_src = [{**a, "id": a.get("id") if a.get("id") in own else None} for a in draft.recovery_addresses]
    return Identity(
        id=existing.id if existing else (identity_id or new_id()),
        schema_id=schema.id,
        traits=draft.traits,
        state=state,
        state_changed_at=state_changed_at,
        metadata_public=draft.metadata_public,
        metadata_admin=draft.metadata_admin,
        external_id=draft.external_id,
        organization_id=(existing.organization_id if existing and not patch else draft.organization_id),
        credentials=stored,
        verifiable_addresses=_verifiable(derived, verifiable_src, now, patch, new_id),
        recovery_addresses=_recovery(derived, recovery_src, now, new_id),
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )


def seal_password(identity: Identity, draft: IdentityDraft, hasher: Callable[[str], str]) -> Identity:
    """Hash an imported plaintext password: done last, once the write is known to succeed."""
    imported = (draft.credentials or {}).get("password")
    if imported is None or imported.plaintext is None:
        return identity
    sealed = replace(identity.credentials["password"], config={"hashed_password": hasher(imported.plaintext)})
    return replace(identity, credentials={**identity.credentials, "password": sealed})


def _apply_identifiers(
    stored: dict[str, Credential],
    derived: Derived,
    now: datetime,
    credential_types: tuple[str, ...],
    code_addresses: bool = True,
) -> None:
    """Identifiers of password/webauthn/code follow the traits; the credential exists even unset."""
    for kind in credential_types:
        values = derived.identifiers.get(kind)
        current = stored.get(kind)
        if values is None and current is None:
            continue
        config: Any = current.config if current is not None else {}
        version = creds.CODE_VERSION.get(kind, 0)
        if kind == "code" and code_addresses:
            config = {"addresses": [{"channel": via, "address": address} for via, address in derived.code_addresses]}
        elif kind == "code":
            version = 0
        identifiers = tuple(values or ())
        if current is not None and current.identifiers == identifiers and current.config == config:
            continue
        stored[kind] = Credential(
            type=kind,
            identifiers=identifiers,
            config=config,
            version=version,
            created_at=current.created_at if current else now,
            updated_at=now,
        )


def _verifiable(
    derived: Derived, sources: list[dict[str, Any]], now: datetime, patch: bool, new_id: Callable[[], str]
) -> tuple[VerifiableAddress, ...]:
    out = []
    for via, value in derived.verifiable:
        src = _match(sources, via, value)
        if src is None:
            out.append(VerifiableAddress(new_id(), value, via, False, "pending", None, now, now))
            continue
        verified = bool(src.get("verified", False))
        verified_at = src.get("verified_at") if verified else None
        if verified and verified_at is None:
            verified_at = now
        out.append(
            VerifiableAddress(
                id=src.get("id") or new_id(),
                value=value,
                via=via,
                verified=verified,
                status=str(src.get("status") or "pending"),
                verified_at=verified_at,
                created_at=_as_time(src.get("created_at"), now),
                updated_at=now if patch else _as_time(src.get("updated_at"), now),
            )
        )
    return tuple(sorted(out, key=lambda a: a.id))


def _recovery(
    derived: Derived, sources: list[dict[str, Any]], now: datetime, new_id: Callable[[], str]
) -> tuple[RecoveryAddress, ...]:
    out = []
    for via, value in derived.recovery:
        src = _match(sources, via, value) or {}
        out.append(RecoveryAddress(src.get("id") or new_id(), value, via, _as_time(src.get("created_at"), now), now))
    return tuple(sorted(out, key=lambda a: a.id))


def _address_dict(address: VerifiableAddress | RecoveryAddress) -> dict[str, Any]:
    out = {
        "id": address.id,
        "value": address.value,
        "via": address.via,
        "created_at": address.created_at,
        "updated_at": address.updated_at,
    }
    if isinstance(address, VerifiableAddress):
        out.update(verified=address.verified, status=address.status, verified_at=address.verified_at)
    return out


def _match(sources: list[dict[str, Any]], via: str, value: str) -> dict[str, Any] | None:
    for src in sources:
        if src.get("via") == via and isinstance(src.get("value"), str) and normalize_identifier(src["value"]) == value:
            return src
    return None


def _as_time(value: Any, default: datetime) -> datetime:
    return parse_time(value) or default
