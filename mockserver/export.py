"""State as a fixture document: the mock's own (``dump_state``, ``GET /__mock__/state``) or any
running Kratos' through its admin API (``kratos-mock fixtures export``: identities with their
credential hashes, and the identity schemas)."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from . import wire
from .store import Store
from .values import fmt_time

SECRET_TYPES = ("password", "oidc", "saml")  # the credentials a fixture can import

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def _get(url: str, token: str | None) -> tuple[Any, str]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - user's URL
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - user's URL
        return json.loads(response.read()), response.headers.get("Link", "")


def _pages(base: str, first: str, token: str | None) -> list[Any]:
    """Every item of a keyset-paged admin list, following ``Link: <...>; rel="next"``."""
    items: list[Any] = []
    url = urljoin(base, first)
    while url:
        page, link = _get(url, token)
        items += page or []
        found = _NEXT.search(link)
        url = urljoin(base, found.group(1)) if found and page else ""
    return items


def export_fixture(base_url: str, *, public_url: str | None = None, token: str | None = None) -> dict[str, Any]:
    """A fixture document with every identity, session and schema the server has (sessions
    through ``GET /admin/sessions?expand=identity``: the admin API has no other way to tell whose
    a session is; their tokens are never shown, so exported sessions get new ones)."""
    base = base_url.rstrip("/") + "/"
    include = "&".join(f"include_credential={t}" for t in SECRET_TYPES)
    identities = [identity_fixture(i) for i in _pages(base, f"admin/identities?page_size=500&{include}", token)]
    known = {i["id"] for i in identities}
    sessions = [
        session_fixture(s)
        for s in _pages(base, "admin/sessions?page_size=1000&expand=identity&expand=devices", token)
        if (s.get("identity") or {}).get("id") in known
    ]
    schemas_page, _ = _get(urljoin((public_url or base_url).rstrip("/") + "/", "schemas?per_page=1000"), token)
    schemas = {s["id"]: s["schema"] for s in schemas_page}
    return {"schemas": schemas, "identities": identities, "sessions": sessions}


def session_fixture(session: Mapping[str, Any]) -> dict[str, Any]:
    """An admin-API session (identity expanded) in the fixture format."""
    out: dict[str, Any] = {"id": session["id"], "identity": {"id": session["identity"]["id"]}}
    for key in ("active", "authenticator_assurance_level", "authenticated_at", "issued_at", "expires_at"):
        if session.get(key) is not None:
            out[key] = session[key]
    if session.get("authentication_methods"):
        out["authentication_methods"] = [dict(m) for m in session["authentication_methods"]]
    if session.get("devices"):
        out["devices"] = [dict(d) for d in session["devices"]]
    return out


def dump_state(store: Store) -> dict[str, Any]:
    """The whole state as a fixture document (what ``GET /__mock__/state`` returns)."""
    with store.lock:
        schemas = {s.id: s.document for s in store.schemas}
        identities = [
            identity_fixture(wire.identity_json(i, store.public_url, credentials="declassify", include=SECRET_TYPES))
            for i in store.identities()
        ]
        sessions = [_session_fixture(s) for s in sorted(store.sessions(), key=lambda s: (s.created_at, s.id))]
        default = store.schemas.default_id
        flows = [{"kind": f.kind, **f.document} for f in store.flows()]
        errors = store.errors()
    document = {"default_schema_id": default, "schemas": schemas, "identities": identities, "sessions": sessions}
    return {**document, **({"flows": flows} if flows else {}), **({"errors": errors} if errors else {})}


def identity_fixture(identity: Mapping[str, Any]) -> dict[str, Any]:
    """An admin-API identity (credentials declassified) in the fixture (create-body) format."""
    out: dict[str, Any] = {
        "id": identity["id"],
        "schema_id": identity["schema_id"],
        "traits": identity.get("traits", {}),
    }
    for key in ("state", "external_id", "organization_id", "metadata_public", "metadata_admin"):
        if identity.get(key) is not None:
            out[key] = identity[key]
    credentials: dict[str, Any] = {}
    for kind, cred in (identity.get("credentials") or {}).items():
        config = cred.get("config") or {}
        if kind == "password" and config.get("hashed_password"):
            credentials["password"] = {"config": {"hashed_password": config["hashed_password"]}}
        elif kind in ("oidc", "saml") and config.get("providers"):
            keep = ("subject", "provider", "organization") + (("use_auto_link",) if kind == "oidc" else ())
            providers = [{k: p[k] for k in keep if p.get(k) not in (None, "")} for p in config["providers"]]
            credentials[kind] = {"config": {"providers": providers}}
    if credentials:
        out["credentials"] = credentials
    addresses = identity.get("verifiable_addresses") or []
    touched = [a for a in addresses if a.get("verified") or a.get("status") != "pending"]
    if touched:
        out["verifiable_addresses"] = [{k: a[k] for k in ("value", "via", "verified", "status")} for a in touched]
    for key in ("created_at", "updated_at", "state_changed_at"):
        if identity.get(key):
            out[key] = identity[key]
    return out


def _session_fixture(session: Any) -> dict[str, Any]:
    return {
        "id": session.id,
        "identity": {"id": session.identity_id},
        "active": session.active,
        "authenticator_assurance_level": session.aal,
        "authentication_methods": [dict(m) for m in session.authentication_methods],
        "devices": [dict(d) for d in session.devices],
        "authenticated_at": fmt_time(session.authenticated_at),
        "issued_at": fmt_time(session.issued_at),
        "expires_at": fmt_time(session.expires_at),
    }
