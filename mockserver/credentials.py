"""Credential rules of Kratos: import, merge on PUT, declassified views, deletion.

Everything here is pure: it takes and returns ``Credential`` records and raises ``KratosError``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .errors import KratosError, bad_request, not_found
from .models import Credential, ImportedCredential

# Hash formats Kratos' password importer recognises (by prefix).
_KNOWN_HASHES = re.compile(
    r"^(\$2[aby]\$|\$argon2(id|i)\$|\$pbkdf2-sha(1|256|512)\$|\$scrypt\$|\$firescrypt\$|\$md5\$|"
    r"\$md5-crypt\$|\$1\$|\$sha(1|256|512)\$|\$hmac-(md5|sha1|sha224|sha256|sha384|sha512)\$|"
    r"\{SSHA(256|512)?\})"
)
PLAINTEXT_ITERATIONS = 1000  # cheap on purpose: a mock needs a realistic shape, not slowness
FIRST_FACTORS = ("password", "oidc", "saml")
UNDELETABLE = ("code", "passkey")
CODE_VERSION = {"password": 1, "webauthn": 1, "code": 1}


def hash_plaintext(password: str, salt: bytes) -> str:
    """A PBKDF2-SHA256 hash in the PHC-like format Kratos imports and verifies."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogatepass"), salt, PLAINTEXT_ITERATIONS, 32)
    b64 = base64.b64encode
    return f"$pbkdf2-sha256$i={PLAINTEXT_ITERATIONS},l=32${b64(salt).decode()}${b64(digest).decode()}"


def check_hashed_password(value: str) -> None:
    if not _KNOWN_HASHES.match(value):
        raise bad_request("The imported password does not match any known hash format.")


def _providers(kind: str, config: Mapping[str, Any]) -> list[dict[str, Any]]:
    providers = config.get("providers") or []
    if not isinstance(providers, list):
        raise bad_request(f"credentials.{kind}.config.providers must be an array")
    out = []
    for p in providers:
        if (
            not isinstance(p, Mapping)
            or not isinstance(p.get("provider"), str)
            or not isinstance(p.get("subject"), str)
        ):
            raise bad_request(f"credentials.{kind}.config.providers[] needs string provider and subject")
        if not p["provider"] or not p["subject"]:
            raise bad_request(f"credentials.{kind}.config.providers[] needs a non-empty provider and subject")
        entry = {"subject": p["subject"], "provider": p["provider"]}
        if kind == "oidc":
            entry.update(initial_id_token="", initial_access_token="", initial_refresh_token="")
            if p.get("use_auto_link"):
                entry["use_auto_link"] = True
        if p.get("organization"):
            entry["organization"] = p["organization"]
        out.append(entry)
    return out


def parse_import(kind: str, config: Mapping[str, Any]) -> ImportedCredential:
    """Turn one imported credential (``credentials.<kind>.config``) into the stored config.

    A plaintext password is kept aside (``plaintext``): the store hashes it once the write is
    known to succeed, so a rejected request costs no hashing and draws no salt."""
    if kind == "password":
        hashed, plain = config.get("hashed_password"), config.get("password")
        for name, value in (("hashed_password", hashed), ("password", plain)):
            if value is not None and not isinstance(value, str):
                field = f"credentials.password.config.{name}"
                raise bad_request(message=f"json: cannot unmarshal into Go struct field {field} of type string")
        if hashed:
            check_hashed_password(hashed)
            return ImportedCredential("password", {"hashed_password": hashed})
        if plain:
            return ImportedCredential("password", {"hashed_password": ""}, plaintext=plain)
        if config.get("use_password_migration_hook"):
            return ImportedCredential("password", {"use_password_migration_hook": True})
        raise bad_request("The imported password does not match any known hash format.")
    if kind in ("oidc", "saml"):
        providers = _providers(kind, config)
        ids = [f"{p['provider']}:{p['subject']}" for p in providers]
        return ImportedCredential(kind, {"providers": providers}, ids)
    raise bad_request(f"Importing credentials of type {kind} is not supported.")


def merge(existing: Credential | None, imported: ImportedCredential, now: datetime) -> Credential:
    """PUT/create merge: password replaced; oidc/saml provider links appended."""
    config: Any = imported.config
    identifiers = list(imported.identifiers)
    if existing is not None and imported.type in ("oidc", "saml"):
        old = list((existing.config or {}).get("providers", []))
        seen = {(p.get("provider"), p.get("subject")) for p in old}
        old += [p for p in imported.config["providers"] if (p["provider"], p["subject"]) not in seen]
        config = {"providers": old}
        identifiers = list(dict.fromkeys([*existing.identifiers, *identifiers]))
    elif existing is not None:
        identifiers = list(existing.identifiers)
    return Credential(
        type=imported.type,
        identifiers=tuple(identifiers),
        config=config,
        version=CODE_VERSION.get(imported.type, 0),
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )


def declassified_config(credential: Credential) -> Any:
    """The ``config`` shown for ``include_credential=<type>``."""
    config = credential.config if credential.config is not None else {}
    if credential.type in ("oidc", "saml") and isinstance(config, Mapping):
        keep: tuple[str, ...] = (
            "subject",
            "provider",
            "initial_id_token",
            "initial_access_token",
            "initial_refresh_token",
            "organization",
            "use_auto_link",
        )
        if credential.type == "saml":
            keep = ("subject", "provider", "organization")
        providers = [{k: p[k] for k in keep if k in p} for p in config.get("providers", []) if isinstance(p, Mapping)]
        return {"providers": providers}
    return config


def _config(credential: Credential | None) -> Mapping[str, Any]:
    config = credential.config if credential is not None else None
    return config if isinstance(config, Mapping) else {}


def _first_factor_count(credentials: Mapping[str, Credential]) -> int:
    count = 0
    password = credentials.get("password")
    if password and password.identifiers and _config(password).get("hashed_password"):
        count += 1
    for kind in ("oidc", "saml"):
        count += len(_config(credentials.get(kind)).get("providers") or [])
    return count


def delete(
    credentials: Mapping[str, Credential], kind: str, identifier: str | None, now: datetime
) -> dict[str, Credential]:
    """DELETE /admin/identities/{id}/credentials/{type}: the new credentials map, or an error."""
    if kind in UNDELETABLE or kind not in (*FIRST_FACTORS, "totp", "lookup_secret", "webauthn"):
        if kind not in credentials:
            raise not_found(f"You tried to remove a {kind} but this user have no {kind} set up.", None)
        raise bad_request(f"Credentials type {kind} cannot be deleted.")
    current = credentials.get(kind)
    if current is None:
        raise not_found(f"You tried to remove a {kind} but this user have no {kind} set up.", None)
    result = dict(credentials)
    if kind in ("totp", "lookup_secret", "webauthn"):
        del result[kind]
        return result
    if _first_factor_count(credentials) < 2:
        raise bad_request("You cannot remove the last first factor credential.")
    if kind == "password":
        result[kind] = Credential(kind, current.identifiers, {}, current.version, current.created_at, now)
        return result
    if not identifier:
        raise bad_request("You must provide an identifier to delete this credential.")
    # identity/identity.go deleteCredentialOIDCSAMLFromIdentity (v26.2.0): the credential stays,
    # with empty identifiers and providers when the last one goes; "OIDC" in the text for both types.
    providers = [p for p in _config(current).get("providers") or [] if isinstance(p, Mapping)]
    kept = [p for p in providers if f"{p.get('provider')}:{p.get('subject')}" != identifier]
    if len(kept) == len(providers):
        raise KratosError(404, f"The identifier `{identifier}` was not found among OIDC credentials.")
    ids = tuple(f"{p.get('provider')}:{p.get('subject')}" for p in kept)
    result[kind] = Credential(
        kind, ids, {**current.config, "providers": kept}, current.version, current.created_at, now
    )
    return result


def delete_second_factor(
    credentials: Mapping[str, Credential], kind: str, first_factors: tuple[str, ...], now: datetime
) -> dict[str, Credential]:
    """DELETE .../credentials/{type} as Kratos v1.x does it (identity/handler.go,
    deleteIdentityCredentials and deletCredentialWebAuthFromIdentity @v1.0.0/v1.1.0): only second
    factors go; webauthn keeps its passwordless keys; first factors and other types are a 400."""
    current = credentials.get(kind)
    if current is None:
        raise not_found(f"You tried to remove a {kind} but this user have no {kind} set up.", None)
    result = dict(credentials)
    if kind in ("lookup_secret", "totp"):
        del result[kind]
        return result
    if kind == "webauthn":
        keys = [k for k in _config(current).get("credentials") or [] if isinstance(k, Mapping)]
        kept = [k for k in keys if k.get("is_passwordless")]
        if not kept:
            del result[kind]
        else:
            config = {**_config(current), "credentials": kept}
            result[kind] = Credential(kind, current.identifiers, config, current.version, current.created_at, now)
        return result
    if kind in first_factors:
        raise bad_request("You can't remove first factor credentials.")
    raise bad_request(f"Unknown credentials type {kind}.")
