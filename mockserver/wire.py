"""Kratos' JSON wire format: request bodies to drafts, records to the four response views.

Shared by the handlers and the fixture loader, so both speak exactly the same format. No HTTP here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from . import bodies, godecode
from . import credentials as creds
from .errors import DecoderError, bad_request
from .godecode import GoType
from .identity_schemas import encode_schema_id
from .models import (
    IDENTITY_STATES,
    Credential,
    Identity,
    IdentityDraft,
    ImportedCredential,
    RecoveryAddress,
    Session,
    VerifiableAddress,
)
from .values import canonical_uuid, fmt_time, parse_time

_JSON_TYPES = ((bool, "bool"), (str, "string"), (int, "number"), (float, "number"), (list, "array"), (dict, "object"))


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON; strings with lone surrogates (valid JSON escapes) fall back to ASCII escapes."""
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode()


def _json_type(value: Any) -> str:
    for cls, name in _JSON_TYPES:
        if isinstance(value, cls):
            return name
    return "null"


def expect(value: Any, kind: type | tuple[type, ...], field: str, go_type: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise bad_request(
            message=f"json: cannot unmarshal {_json_type(value)} into Go struct field {field} of type {go_type}"
        )


MAX_DEPTH = 64


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


def parse_body_uuid(value: Any, what: str) -> str | None:
    """An optional UUID field of a body or query; anything else is Kratos' 400."""
    if value in (None, ""):
        return None
    parsed = canonical_uuid(str(value))
    if parsed is None:
        raise bad_request(f"Invalid UUID value `{value}` for parameter `{what}`.")
    return parsed


def parse_body_time(value: Any, where: str) -> datetime | None:
    """An optional RFC 3339 field of a body, with the Go decoder's wording when it is not one."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(
            message=f"json: cannot unmarshal {_json_type(value)} into Go struct field {where} of type time.Time"
        )
    parsed = parse_time(value)
    if parsed is None:
        raise bad_request(message=f'parsing time "{value}" as RFC 3339 failed')
    return parsed


def decode(body: Any, struct: GoType, *, strict: bool) -> Any:
    """``body`` as Go's JSON decoder reads it into ``struct`` (``godecode``): the one body validator.
    What the decoder refuses is a ``DecoderError`` carrying its text."""
    try:
        return godecode.decode(body, struct, strict=strict)
    except godecode.GoDecodeError as error:
        raise DecoderError(error.text) from None


def parse_credentials(value: Mapping[str, Any] | None) -> dict[str, ImportedCredential] | None:
    """``credentials`` of a decoded create or PUT body (password, oidc, saml imports)."""
    if value is None:
        return None
    return {
        kind: creds.parse_import(kind, item.get("config") or {}) for kind, item in value.items() if item is not None
    }


def addresses(value: Any, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    expect(value, list, where, "[]identity.Address")
    out = []
    for item in value:
        expect(item, dict, where, "identity.Address")
        if not isinstance(item.get("value"), str) or not isinstance(item.get("via"), str):
            raise bad_request(f"{where}[] needs string value and via")
        entry = {**item, "value": item["value"].lower()}
        for key, kind, go_type in (("verified", bool, "bool"), ("status", str, "string"), ("id", str, "uuid.UUID")):
            if entry.get(key) is not None:
                expect(entry[key], kind, f"{where}[].{key}", go_type)
        if entry.get("id") is not None:
            entry["id"] = parse_body_uuid(entry["id"], f"{where}[].id")
        for key in ("verified_at", "created_at", "updated_at"):
            entry[key] = parse_body_time(entry.get(key), f"{where}[].{key}")
        out.append(entry)
    return out


def parse_create_body(body: Any, struct: GoType = bodies.CREATE_IDENTITY) -> IdentityDraft:
    """POST /admin/identities (and batch items, fixtures): ``jsonx.NewStrictDecoder`` into
    ``struct`` (identity/handler.go create), then what identityFromCreateIdentityBody reads. A missing
    ``schema_id`` is the default schema and missing ``traits`` are ``{}`` (identity/manager.go Create)."""
    body = decode(body, struct, strict=True) or {}  # null decodes to the zero struct
    check_json(body)
    state = parse_state(body.get("state"))
    traits = body.get("traits")
    return IdentityDraft(
        schema_id=body.get("schema_id") or "",
        traits={} if traits is None else traits,
        state=state,
        metadata_public=body.get("metadata_public"),
        metadata_admin=body.get("metadata_admin"),
        external_id=body.get("external_id") or None,
        organization_id=body.get("organization_id"),
        credentials=parse_credentials(body.get("credentials")),
        verifiable_addresses=addresses(body.get("verifiable_addresses"), "verifiable_addresses"),
        recovery_addresses=addresses(body.get("recovery_addresses"), "recovery_addresses"),
    )


def parse_update_body(body: Any, struct: GoType = bodies.UPDATE_IDENTITY) -> IdentityDraft:
    """PUT /admin/identities/{id}: ``decoderx`` into ``struct``, lenient about unknown fields; a full
    replace of the rest, except that an empty ``schema_id`` or ``state`` keeps the stored one
    (identity/handler.go update)."""
    body = decode(body, struct, strict=False) or {}
    check_json(body)
    traits = body.get("traits")
    return IdentityDraft(
        schema_id=body.get("schema_id") or "",
        traits={} if traits is None else traits,
        state=parse_state(body.get("state")),
        metadata_public=body.get("metadata_public"),
        metadata_admin=body.get("metadata_admin"),
        external_id=body.get("external_id") or None,
        credentials=parse_credentials(body.get("credentials")),
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
