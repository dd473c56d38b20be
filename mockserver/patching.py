"""JSON Patch (RFC 6902) on an identity, with Kratos' rules on top of the ``jsonpatch`` library
(identity/handler.go ``patchIdentity``).

Kratos applies the patch to the identity's full JSON (credentials with their config), allows only
add/remove/replace, denies a few paths, turns ``replace`` of a missing key into ``add``, creates
missing parent objects on ``add``, and reads the result back as an identity.
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Sequence
from typing import Any

import jsonpatch
import jsonpointer

from . import wire
from .errors import bad_request
from .godecode import json_kind
from .models import CREDENTIAL_TYPES, Credential, Identity, IdentityDraft

ALLOWED_OPS = ("add", "remove", "replace")
# v26.2.0 identity/handler.go patchIdentity: replacing /credentials/oidc whole, or anything under
# /credentials/saml, is allowed at that tag (master denies more).
DENIED = ("/id", "/stateChangedAt", "/credentials", "/credentials/oidc/**")
REASON = "An error occured when applying the JSON patch"  # sic: v26.2's text
EMPTY = object()  # the operations of a PATCH without a body


def patch_identity(
    existing: Identity,
    operations: Any,
    public_url: str,
    denied: Sequence[str] = DENIED,
    *,
    with_credentials: bool = True,
) -> tuple[IdentityDraft, dict[str, Credential]]:
    """The draft and the credentials that ``operations`` turn ``existing`` into (or a 400).

    ``with_credentials=False`` is Kratos v1.x (identity/handler.go, patch): the document omits the
    credentials and the stored ones are put back afterwards, so edits under /credentials are lost."""
    document = wire.identity_json(
        existing, public_url, credentials="raw" if with_credentials else "hidden", metadata_admin="always"
    )
    if with_credentials:
        document.setdefault("credentials", {})
    document.setdefault("verifiable_addresses", [])
    document.setdefault("recovery_addresses", [])
    patched = apply(document, operations, denied)
    if with_credentials:
        return _read_back(patched, existing)
    if isinstance(patched, dict):
        patched.pop("credentials", None)
    draft, _ = _read_back(patched, existing)
    return draft, dict(existing.credentials)


def _denied(path: str, denied: Sequence[str]) -> bool:
    lowered = path.lower()
    for pattern in denied:
        pattern = pattern.lower()
        if pattern.endswith("/**"):
            if lowered.startswith(pattern[:-2]):
                return True
        elif fnmatch.fnmatchcase(lowered, pattern):
            return True
    return False


def _fail(message: str) -> Exception:
    return bad_request(REASON, message)


def _parts(path: str) -> list[str]:
    try:
        return jsonpointer.JsonPointer(path).parts
    except jsonpointer.JsonPointerException as exc:
        raise _fail(str(exc)) from None


def _resolve(doc: Any, parts: list[str]) -> tuple[bool, Any]:
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def apply(document: dict[str, Any], operations: Any, denied: Sequence[str] = DENIED) -> Any:
    """Apply ``operations`` to a copy of ``document`` or raise a 400 that says why. ``EMPTY`` is a
    request without a body: ``jsonpatch.DecodePatch`` of no bytes."""
    if operations is EMPTY:
        raise _fail("unexpected end of JSON input")
    if not isinstance(operations, list):
        raise _fail(f"json: cannot unmarshal {json_kind(operations)} into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(document)
    prepared = []
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise _fail("every operation needs string op and path")
        name, path = op["op"], op["path"]
        if name not in ALLOWED_OPS:
            raise _fail(f"unsupported operation: {name}")
        if _denied(path, denied):
            raise _fail(f"patch includes denied path: {path}")
        if name in ("add", "replace") and "value" not in op:
            raise _fail(f"missing value for {name} operation at {path}")
        prepared.append({k: op[k] for k in ("op", "path", "value") if k in op})
    for op in prepared:
        parts = _parts(op["path"])
        if op["op"] == "replace":
            exists, _ = _resolve(doc, parts)
            parent_ok, parent = _resolve(doc, parts[:-1])
            if not exists and not (parent_ok and isinstance(parent, list)):
                op = {**op, "op": "add"}
        if op["op"] == "add" and parts:
            _ensure_parents(doc, parts[:-1])
        try:
            doc = jsonpatch.apply_patch(doc, [op], in_place=True)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, ValueError) as exc:
            raise _fail(str(exc)) from None
    return doc


def _ensure_parents(doc: Any, parts: list[str]) -> None:
    node = doc
    for part in parts:
        if isinstance(node, dict):
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return


def _read_back(doc: Any, existing: Identity) -> tuple[IdentityDraft, dict[str, Credential]]:
    """Read a patched document back: the draft plus the credentials as patched."""
    wire.expect(doc, dict, "identity", "identity.Identity")
    wire.check_json(doc, "identity")
    state = wire.parse_state(doc.get("state"), patch=True) or existing.state
    credentials: dict[str, Credential] = {}
    raw = doc.get("credentials") or {}
    wire.expect(raw, dict, "identity.credentials", "map[identity.CredentialsType]identity.Credentials")
    for kind, item in raw.items():
        wire.expect(item, dict, f"identity.credentials.{kind}", "identity.Credentials")
        if item.get("type", kind) != kind:
            raise bad_request(f'credentials.{kind}.type must equal "{kind}", got "{item.get("type")}"')
        if kind not in CREDENTIAL_TYPES:
            raise bad_request(f"unknown credential type {kind!r}")
        identifiers = item.get("identifiers") or []
        if not isinstance(identifiers, list) or not all(isinstance(i, str) for i in identifiers):
            raise bad_request(f"credentials.{kind}.identifiers must be an array of strings")
        version = item.get("version", 0)
        wire.expect(version, int, f"identity.credentials.{kind}.version", "int")
        config = item.get("config")
        if config is not None:
            wire.expect(config, dict, f"identity.credentials.{kind}.config", "object")
        old = existing.credentials.get(kind)
        created = wire.parse_body_time(item.get("created_at"), "Credentials.created_at")
        changed = old is None or old.config != config or old.identifiers != tuple(identifiers)
        updated = existing.updated_at if changed or old is None else old.updated_at
        credentials[kind] = Credential(
            kind,
            tuple(identifiers),
            config,
            version,
            created or (old.created_at if old else existing.created_at),
            updated,
        )
    schema_id = doc.get("schema_id")
    wire.expect(schema_id, str, "identity.schema_id", "string")
    external_id = doc.get("external_id")
    if external_id is not None:
        wire.expect(external_id, str, "identity.external_id", "string")
    organization_id = doc.get("organization_id")
    draft = IdentityDraft(
        schema_id=schema_id,
        traits=doc.get("traits"),
        state=state,
        metadata_public=doc.get("metadata_public"),
        metadata_admin=doc.get("metadata_admin"),
        external_id=external_id or None,
        organization_id=wire.parse_body_uuid(organization_id, "organization_id"),
        verifiable_addresses=wire.addresses(doc.get("verifiable_addresses"), "verifiable_addresses"),
        recovery_addresses=wire.addresses(doc.get("recovery_addresses"), "recovery_addresses"),
    )
    return draft, credentials
