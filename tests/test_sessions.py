"""Session operations (reference §7): computed ``active``, disable vs delete, extend, pagination."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.store import SessionSeed

from .conftest import assert_error, new_identity


@pytest.fixture
def seeded(client: TestClient, app: Any) -> tuple[dict[str, Any], Any]:
    identity = new_identity(client)
    session = app.store.create_session(
        identity["id"], SessionSeed(devices=({"ip_address": "203.0.113.7", "user_agent": "curl/8"},))
    )
    return identity, session


def test_get_session_expands_on_request(client: TestClient, seeded: tuple[dict[str, Any], Any]) -> None:
    identity, session = seeded
    plain = client.get(f"/admin/sessions/{session.id}").json()
    assert plain["id"] == session.id and plain["active"] is True
    assert plain["identity"] is None and plain["devices"] == []
    assert plain["authenticator_assurance_level"] == "aal1"
    assert plain["authentication_methods"][0]["method"] == "password"
    full = client.get(f"/admin/sessions/{session.id}", params=[("expand", "identity"), ("expand", "devices")]).json()
    assert full["identity"]["id"] == identity["id"]
    assert "credentials" not in full["identity"] and "metadata_admin" not in full["identity"]
    assert full["devices"][0]["ip_address"] == "203.0.113.7"


def test_active_depends_on_embedded_identity_state(client: TestClient, seeded: tuple[dict[str, Any], Any]) -> None:
    identity, session = seeded
    client.patch(f"/admin/identities/{identity['id']}", json=[{"op": "replace", "path": "/state", "value": "inactive"}])
    assert client.get(f"/admin/sessions/{session.id}").json()["active"] is True
    assert client.get(f"/admin/sessions/{session.id}", params={"expand": "identity"}).json()["active"] is False


def test_disable_keeps_the_session(client: TestClient, seeded: tuple[dict[str, Any], Any]) -> None:
    _, session = seeded
    assert client.delete(f"/admin/sessions/{session.id}").status_code == 204
    assert client.get(f"/admin/sessions/{session.id}").json()["active"] is False
    assert client.delete(f"/admin/sessions/{session.id}").status_code == 204  # again: still 204
    assert [s["id"] for s in client.get("/admin/sessions", params={"active": "false"}).json()] == [session.id]
    assert client.get("/admin/sessions", params={"active": "true"}).json() == []


def test_delete_identity_sessions_removes_them(client: TestClient, seeded: tuple[dict[str, Any], Any]) -> None:
    identity, session = seeded
    assert client.delete(f"/admin/identities/{identity['id']}/sessions").status_code == 204
    assert_error(client.get(f"/admin/sessions/{session.id}"), 404)
    assert_error(client.delete(f"/admin/identities/{identity['id']}/sessions"), 404)


def test_extend_moves_expiry_and_keeps_flag(client: TestClient, app: Any, seeded: tuple[dict[str, Any], Any]) -> None:
    _, session = seeded
    client.delete(f"/admin/sessions/{session.id}")
    app.store.clock.advance(timedelta(hours=5))
    response = client.patch(f"/admin/sessions/{session.id}/extend")
    assert response.status_code == 200
    body = response.json()
    assert body["expires_at"] == "2026-01-02T05:00:00Z"  # now (+5h) + 24h lifespan
    assert body["identity"]["id"] == session.identity_id and body["active"] is False


def test_expired_sessions_are_inactive(client: TestClient, app: Any, seeded: tuple[dict[str, Any], Any]) -> None:
    _, session = seeded
    app.store.clock.advance(timedelta(hours=25))
    assert client.get(f"/admin/sessions/{session.id}").json()["active"] is False
    assert [s["id"] for s in client.get("/admin/sessions", params={"active": "false"}).json()] == [session.id]


def test_list_identity_sessions(client: TestClient, app: Any, seeded: tuple[dict[str, Any], Any]) -> None:
    identity, session = seeded
    app.store.clock.advance(timedelta(seconds=1))
    newer = app.store.create_session(identity["id"])
    response = client.get(f"/admin/identities/{identity['id']}/sessions")
    assert [s["id"] for s in response.json()] == [newer.id, session.id]  # newest first
    assert response.headers["x-total-count"] == "2"
    assert response.json()[0]["identity"]["id"] == identity["id"]
    assert "verifiable_addresses" not in response.json()[0]["identity"]
    other = client.get("/admin/identities/00000000-0000-4000-8000-000000000000/sessions")
    assert other.status_code == 200 and other.json() == []


def test_list_sessions_keyset_pages(client: TestClient, app: Any) -> None:
    identity = new_identity(client)
    made = []
    for _ in range(5):
        made.append(app.store.create_session(identity["id"]).id)
        app.store.clock.advance(timedelta(seconds=1))
    first = client.get("/admin/sessions", params={"page_size": 2})
    assert [s["id"] for s in first.json()] == made[::-1][:2]
    assert first.json()[0]["devices"] is None and first.json()[0]["identity"] is None
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"]))
    first_token = re.search(r"page_token=([^&]+)", links["first"]).group(1)
    assert base64.b64decode(first_token + "==").decode() == (
        "created_at=2200-12-31 23:59:59/id=00000000-0000-0000-0000-000000000000"
    )
    seen, url = [], "/admin/sessions?page_size=2"
    while url:
        page = client.get(url)
        seen += [s["id"] for s in page.json()]
        url = next((u for u, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', page.headers["link"]) if rel == "next"), None)
    assert seen == made[::-1]


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("get", "/admin/sessions/not-a-uuid", 400, "uuid"),
        ("get", "/admin/sessions/00000000-0000-4000-8000-000000000000", 404, None),
        ("delete", "/admin/sessions/not-a-uuid", 400, None),
        ("delete", "/admin/sessions/00000000-0000-4000-8000-000000000000", 404, None),
        ("patch", "/admin/sessions/not-a-uuid/extend", 400, None),
        ("patch", "/admin/sessions/00000000-0000-4000-8000-000000000000/extend", 404, None),
        ("get", "/admin/identities/not-a-uuid/sessions", 400, None),
        ("delete", "/admin/identities/not-a-uuid/sessions", 400, None),
        ("get", "/admin/sessions?page_token=%25%25%25", 400, "could not parse parameter page_size"),
        ("get", "/admin/sessions?expand=everything", 400, None),
        ("get", "/admin/sessions?active=maybe", 400, None),
    ],
)
def test_session_errors(client: TestClient, method: str, path: str, status: int, message: str | None) -> None:
    assert_error(client.request(method.upper(), path), status, message=message)
