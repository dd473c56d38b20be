"""Kratos' JSON wire format: request bodies to drafts, records to the four response views.

Shared by the handlers and the fixture loader, so both speak exactly the same format. No HTTP here.
"""

from __future__ import annotations

import functools
import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from . import credentials as creds
from .errors import bad_request
from .identity_schemas import encode_schema_id
from .models import (
    CREDENTIAL_TYPES,
    IDENTITY_STATES,
    Credential,
    Identity,
    IdentityDraft,
    ImportedCredential,
    RecoveryAddress,
    Session,
    VerifiableAddress,
)

CREATE_FIELDS = frozenset(
    {
        "schema_id",
        "traits",
        "state",
        "external_id",
        "organization_id",
        "metadata_public",
        "metadata_admin",
        "verifiable_addresses",
        "recovery_addresses",
        "credentials",
    }
)
UPDATE_FIELDS = frozenset(
    {"schema_id", "traits", "state", "metadata_public", "metadata_admin", "external_id", "credentials"}
)
IMPORT_FIELDS = {
    "password": frozenset({"hashed_password", "password", "use_password_migration_hook"}),
    "oidc": frozenset({"providers"}),
    "saml": frozenset({"providers"}),
}
PROVIDER_FIELDS = {
    "oidc": frozenset({"subject", "provider", "use_auto_link", "organization"}),
    "saml": frozenset({"subject", "provider", "organization"}),
}
_JSON_TYPES = ((bool, "bool"), (str, "string"), (int, "number"), (float, "number"), (list, "array"), (dict, "object"))


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON; strings with lone surrogates (valid JSON escapes) fall back to ASCII escapes."""
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode()


def fmt_time(value: datetime) -> str:
    """RFC 3339 in UTC like Go's RFC3339Nano: trailing zeros of the fraction dropped.

    Naive values are taken as UTC; others are converted first (equal instants in other zones
    must not share a cache entry with a different wall-clock text)."""
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return _fmt_utc(value)


@functools.lru_cache(maxsize=1 << 16)
def _fmt_utc(value: datetime) -> str:
    """Cached: records are immutable, so the same instants are formatted again and again."""
    base = f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        return f"{base}.{value.microsecond:06d}".rstrip("0") + "Z"
    return base + "Z"


def _json_type(value: Any) -> str:
    for cls, name in _JSON_TYPES:
        if isinstance(value, cls):
            return name
    return "null"


def _strict(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    for key in body:
        if key not in allowed:
            raise bad_request(message=f'json: unknown field "{key}"')


def _expect(value: Any, kind: type | tuple[type, ...], field: str, go_type: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise bad_request(
            message=f"json: cannot unmarshal {_json_type(value)} into Go struct field {field} of type {go_type}"
        )


def _optional_str(body: Mapping[str, Any], key: str, where: str) -> str | None:
    value = body.get(key)
    if value is not None:
        _expect(value, str, f"{where}.{key}", "string")
    return value


MAX_DEPTH = 64
# Instants the mock accepts: far enough from datetime's limits that adding a lifespan cannot overflow.
MIN_TIME = datetime(1, 1, 2, tzinfo=UTC)
MAX_TIME = datetime(9000, 1, 1, tzinfo=UTC)


def check_json(value: Any, where: str = "body", depth: int = 0) -> None:
    """Values the mock stores must serialise back as JSON: finite numbers, bounded nesting."""
    if depth > MAX_DEPTH:
        raise bad_request(f"{where} is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise bad_request(f"{where} contains a number JSON cannot represent: {value}")
    if isinstance(value, dict):
        for key, item in value.items():
            check_json(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]", depth + 1)


def parse_state(value: Any, *, patch: bool = False) -> str:
    if value in (None, ""):
        return ""
    if value not in IDENTITY_STATES:
        if patch:
            raise bad_request(f"The supplied state ('{value}') was not valid. Valid states are ('active', 'inactive').")
        raise bad_request("identity state is not valid")
    return str(value)


def parse_uuid(value: Any, what: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise bad_request(f"Invalid UUID value `{value}` for parameter `{what}`.") from None


def parse_credentials(value: Any, salt: Callable[[], bytes], *, strict: bool) -> dict[str, ImportedCredential] | None:
    """``credentials`` of a create or PUT body (password, oidc, saml imports)."""
    if value is None:
        return None
    _expect(value, dict, "credentials", "identity.AdminIdentityImportCredentials")
    if strict:
        _strict(value, IMPORT_FIELDS)
    out: dict[str, ImportedCredential] = {}
    for kind, item in value.items():
        if kind not in IMPORT_FIELDS or item is None:
            continue
        _expect(item, dict, f"credentials.{kind}", "object")
        if strict:
            _strict(item, ("config",))
        config = item.get("config") or {}
        _expect(config, dict, f"credentials.{kind}.config", "object")
        if strict:
            _strict(config, IMPORT_FIELDS[kind])
            for provider in config.get("providers") or []:
                if isinstance(provider, Mapping):
                    _strict(provider, PROVIDER_FIELDS[kind])
        out[kind] = creds.parse_import(kind, config, salt())
    return out


def _addresses(value: Any, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    _expect(value, list, where, "[]identity.Address")
    out = []
    for item in value:
        _expect(item, dict, where, "identity.Address")
        if not isinstance(item.get("value"), str) or not isinstance(item.get("via"), str):
            raise bad_request(f"{where}[] needs string value and via")
        entry = {**item, "value": item["value"].lower()}
        for key, kind, go_type in (("verified", bool, "bool"), ("status", str, "string"), ("id", str, "uuid.UUID")):
            if entry.get(key) is not None:
                _expect(entry[key], kind, f"{where}[].{key}", go_type)
        if entry.get("id") is not None:
            entry["id"] = parse_uuid(entry["id"], f"{where}[].id")
        for key in ("verified_at", "created_at", "updated_at"):
            entry[key] = _parse_time(entry.get(key), f"{where}[].{key}")
        out.append(entry)
    return out


def parse_create_body(body: Any, salt: Callable[[], bytes]) -> IdentityDraft:
    """POST /admin/identities (and batch items, fixtures): Kratos' strict decoder."""
    _expect(body, dict, "body", "identity.CreateIdentityBody")
    check_json(body)
    _strict(body, CREATE_FIELDS)
    state = parse_state(body.get("state"))
    traits = body.get("traits")
    return IdentityDraft(
        schema_id=_optional_str(body, "schema_id", "CreateIdentityBody") or "",
        traits={} if traits is None else traits,
        state=state,
        metadata_public=body.get("metadata_public"),
        metadata_admin=body.get("metadata_admin"),
        external_id=_optional_str(body, "external_id", "CreateIdentityBody") or None,
        organization_id=parse_uuid(body.get("organization_id"), "organization_id"),
        credentials=parse_credentials(body.get("credentials"), salt, strict=True),
        verifiable_addresses=_addresses(body.get("verifiable_addresses"), "verifiable_addresses"),
        recovery_addresses=_addresses(body.get("recovery_addresses"), "recovery_addresses"),
    )


def parse_update_body(body: Any, salt: Callable[[], bytes]) -> IdentityDraft:
    """PUT /admin/identities/{id}: lenient about unknown fields, full replace of the rest."""
    _expect(body, dict, "body", "identity.UpdateIdentityBody")
    check_json(body)
    traits = body.get("traits")
    return IdentityDraft(
        schema_id=_optional_str(body, "schema_id", "UpdateIdentityBody") or "",
        traits={} if traits is None else traits,
        state=parse_state(body.get("state")),
        metadata_public=body.get("metadata_public"),
        metadata_admin=body.get("metadata_admin"),
        external_id=_optional_str(body, "external_id", "UpdateIdentityBody") or None,
        credentials=parse_credentials(body.get("credentials"), salt, strict=False),
    )


# --- responses -------------------------------------------------------------------------------


def schema_url(public_url: str, schema_id: str) -> str:
    return f"{public_url}/schemas/{encode_schema_id(schema_id)}"


def credential_json(credential: Credential, *, with_config: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": credential.type, "identifiers": list(credential.identifiers)}
    if with_config:
        out["config"] = creds.declassified_config(credential)
    out["version"] = credential.version
    out["created_at"] = fmt_time(credential.created_at)
    out["updated_at"] = fmt_time(credential.updated_at)
    return out


def verifiable_address_json(a: VerifiableAddress) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.id, "value": a.value, "verified": a.verified, "via": a.via, "status": a.status}
    if a.verified_at is not None:
        out["verified_at"] = fmt_time(a.verified_at)
    out["created_at"] = fmt_time(a.created_at)
    out["updated_at"] = fmt_time(a.updated_at)
    return out


def recovery_address_json(a: RecoveryAddress) -> dict[str, Any]:
    return {
        "id": a.id,
        "value": a.value,
        "via": a.via,
        "created_at": fmt_time(a.created_at),
        "updated_at": fmt_time(a.updated_at),
    }


def identity_json(
    identity: Identity,
    public_url: str,
    *,
    credentials: str = "hidden",
    include: Iterable[str] = (),
    metadata_admin: str = "always",
    addresses: bool = True,
) -> dict[str, Any]:
    """One identity in one of Kratos' views.

    ``credentials``: "hidden" (absent), "meta" (no config), "declassify" (config for ``include``),
    "raw" (full stored config: the JSON Patch document). ``metadata_admin``: "always", "if-set"
    (responses built from the request) or "never" (identity embedded in a session).
    """
    out: dict[str, Any] = {"id": identity.id}
    if identity.external_id:
        out["external_id"] = identity.external_id
    if credentials != "hidden" and identity.credentials:
        included = set(include)
        out["credentials"] = {
            kind: credential_json(c, with_config=credentials == "raw" or kind in included)
            for kind, c in identity.credentials.items()
        }
        if credentials == "raw":
            for kind, c in identity.credentials.items():
                out["credentials"][kind]["config"] = c.config
    out["schema_id"] = identity.schema_id
    out["schema_url"] = schema_url(public_url, identity.schema_id)
    out["state"] = identity.state
    if identity.state_changed_at is not None:
        out["state_changed_at"] = fmt_time(identity.state_changed_at)
    out["traits"] = identity.traits
    if addresses and identity.verifiable_addresses:
        out["verifiable_addresses"] = [verifiable_address_json(a) for a in identity.verifiable_addresses]
    if addresses and identity.recovery_addresses:
        out["recovery_addresses"] = [recovery_address_json(a) for a in identity.recovery_addresses]
    out["metadata_public"] = identity.metadata_public
    if metadata_admin == "always" or (metadata_admin == "if-set" and identity.metadata_admin is not None):
        out["metadata_admin"] = identity.metadata_admin
    out["created_at"] = fmt_time(identity.created_at)
    out["updated_at"] = fmt_time(identity.updated_at)
    out["organization_id"] = identity.organization_id
    return out


def session_json(
    session: Session,
    identity: Identity | None,
    public_url: str,
    *,
    active: bool,
    devices: str = "hide",
) -> dict[str, Any]:
    """A session; ``identity`` is embedded when given (never with credentials or metadata_admin).

    ``devices``: "show", "hide" (``[]``, single GET) or "null" (lists without expand).
    """
    out: dict[str, Any] = {
        "id": session.id,
        "active": active,
        "expires_at": fmt_time(session.expires_at),
        "authenticated_at": fmt_time(session.authenticated_at),
        "authenticator_assurance_level": session.aal,
        "authentication_methods": [dict(m) for m in session.authentication_methods],
        "issued_at": fmt_time(session.issued_at),
        "identity": identity_json(identity, public_url, metadata_admin="never") if identity else None,
    }
    if devices == "show":
        out["devices"] = [dict(d) for d in session.devices]
    elif devices == "hide":
        out["devices"] = []
    else:
        out["devices"] = None
    return out


# --- JSON Patch round trip -----------------------------------------------------------------------


def patch_document(identity: Identity, public_url: str) -> dict[str, Any]:
    """The document Kratos applies a JSON Patch to: the full identity, credentials with config."""
    doc = identity_json(identity, public_url, credentials="raw", metadata_admin="always")
    doc.setdefault("credentials", {})
    doc.setdefault("verifiable_addresses", [])
    doc.setdefault("recovery_addresses", [])
    return doc


def to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(
            message=f"json: cannot unmarshal {_json_type(value)} into Go struct field {where} of type time.Time"
        )
    try:
        return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise bad_request(message=f'parsing time "{value}" as RFC 3339 failed') from None


def draft_from_document(doc: Any, existing: Identity) -> tuple[IdentityDraft, dict[str, Credential]]:
    """Read a patched document back: the draft plus the credentials as patched."""
    _expect(doc, dict, "identity", "identity.Identity")
    check_json(doc, "identity")
    state = parse_state(doc.get("state"), patch=True) or existing.state
    credentials: dict[str, Credential] = {}
    raw = doc.get("credentials") or {}
    _expect(raw, dict, "identity.credentials", "map[identity.CredentialsType]identity.Credentials")
    for kind, item in raw.items():
        _expect(item, dict, f"identity.credentials.{kind}", "identity.Credentials")
        if item.get("type", kind) != kind:
            raise bad_request(f'credentials.{kind}.type must equal "{kind}", got "{item.get("type")}"')
        if kind not in CREDENTIAL_TYPES:
            raise bad_request(f"unknown credential type {kind!r}")
        identifiers = item.get("identifiers") or []
        if not isinstance(identifiers, list) or not all(isinstance(i, str) for i in identifiers):
            raise bad_request(f"credentials.{kind}.identifiers must be an array of strings")
        version = item.get("version", 0)
        _expect(version, int, f"identity.credentials.{kind}.version", "int")
        config = item.get("config")
        if config is not None:
            _expect(config, dict, f"identity.credentials.{kind}.config", "object")
        old = existing.credentials.get(kind)
        created = _parse_time(item.get("created_at"), "Credentials.created_at") or (old.created_at if old else None)
        changed = old is None or old.config != config or old.identifiers != tuple(identifiers)
        updated = existing.updated_at if changed or old is None else old.updated_at
        credentials[kind] = Credential(
            kind, tuple(identifiers), config, version, created or existing.created_at, updated
        )
    schema_id = doc.get("schema_id")
    _expect(schema_id, str, "identity.schema_id", "string")
    external_id = doc.get("external_id")
    if external_id is not None:
        _expect(external_id, str, "identity.external_id", "string")
    draft = IdentityDraft(
        schema_id=schema_id,
        traits=doc.get("traits"),
        state=state,
        metadata_public=doc.get("metadata_public"),
        metadata_admin=doc.get("metadata_admin"),
        external_id=external_id or None,
        organization_id=parse_uuid(doc.get("organization_id"), "organization_id"),
        verifiable_addresses=_addresses(doc.get("verifiable_addresses"), "verifiable_addresses"),
        recovery_addresses=_addresses(doc.get("recovery_addresses"), "recovery_addresses"),
    )
    return draft, credentials
