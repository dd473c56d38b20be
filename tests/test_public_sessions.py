"""The public session routes, one test per Kratos v26.2.0 rule, each naming the Go function it
follows (session/handler.go, session/manager_http.go, selfservice/flow/logout/handler.go,
persistence/sql/persister_session.go)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import KratosMockApp
from mockserver.models import Session
from mockserver.selfservice.cookies import SessionCookie, encode_session_cookie
from mockserver.store import SessionSeed

from .conftest import new_identity

WHOAMI_401 = {
    "error": {
        "code": 401,
        "status": "Unauthorized",
        "reason": "No valid session credentials found in the request.",
        "message": "The request could not be authorized",
    }
}
COOKIE_401 = {
    "error": {
        "code": 401,
        "status": "Unauthorized",
        "reason": "No valid session cookie found.",
        "message": "The request could not be authorized",
    }
}


def login(app: KratosMockApp, identity_id: str, **seed: Any) -> Session:
    return app.store.create_session(identity_id, SessionSeed(**seed))


def cookie_for(session: Session) -> str:
    return "ory_kratos_session=" + encode_session_cookie(SessionCookie(session.token, session.expires_at, "nonce"))


@pytest.fixture
def ada(client: TestClient) -> dict[str, Any]:
    return new_identity(client)


def test_whoami_with_x_session_token(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/handler.go whoami: the session with its identity (no credentials, no
    metadata_admin) and devices; X-Kratos-Authenticated-Identity-Id; no-cache."""
    session = login(app, ada["id"])
    response = client.get("/sessions/whoami", headers={"X-Session-Token": session.token})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == session.id and body["active"] is True
    assert body["identity"]["id"] == ada["id"]
    assert "credentials" not in body["identity"] and "metadata_admin" not in body["identity"]
    assert body["identity"]["schema_url"].endswith("/schemas/ZGVmYXVsdA")
    assert body["devices"] == []
    assert response.headers["x-kratos-authenticated-identity-id"] == ada["id"]
    assert response.headers["cache-control"] == "private, no-cache, no-store, must-revalidate"


def test_whoami_with_bearer_token(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/helper.go bearerTokenFromRequest: two space-separated parts, scheme in any case."""
    session = login(app, ada["id"])
    for header in (f"Bearer {session.token}", f"bearer {session.token}", f"BEARER {session.token}"):
        assert client.get("/sessions/whoami", headers={"Authorization": header}).status_code == 200
    assert client.get("/sessions/whoami", headers={"Authorization": f"Bearer  {session.token}"}).status_code == 401
    assert client.get("/sessions/whoami", headers={"Authorization": session.token}).status_code == 401


def test_whoami_with_session_cookie(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """manager_http.go extractToken: the session cookie's session_token."""
    session = login(app, ada["id"])
    response = client.get("/sessions/whoami", headers={"Cookie": f"other=1; {cookie_for(session)}"})
    assert response.status_code == 200 and response.json()["id"] == session.id


def test_x_session_token_wins_without_fallback(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """manager_http.go extractToken: a non-empty X-Session-Token is used even when invalid."""
    session = login(app, ada["id"])
    headers = {"X-Session-Token": "ory_st_unknown", "Authorization": f"Bearer {session.token}"}
    response = client.get("/sessions/whoami", headers={**headers, "Cookie": cookie_for(session)})
    assert response.status_code == 401 and response.json() == WHOAMI_401


def test_cookie_precedes_bearer_and_undecodable_cookie_falls_back(
    app: KratosMockApp, client: TestClient, ada: dict[str, Any]
) -> None:
    """manager_http.go extractToken: the cookie before Authorization; a cookie that does not decode
    (here: a bare token, which Kratos' securecookie cannot decode either) falls back to the bearer."""
    first, second = login(app, ada["id"]), login(app, ada["id"])
    both = {"Cookie": cookie_for(first), "Authorization": f"Bearer {second.token}"}
    assert client.get("/sessions/whoami", headers=both).json()["id"] == first.id
    raw = {"Cookie": f"ory_kratos_session={first.token}", "Authorization": f"Bearer {second.token}"}
    assert client.get("/sessions/whoami", headers=raw).json()["id"] == second.id
    assert client.get("/sessions/whoami", headers={"Cookie": f"ory_kratos_session={first.token}"}).status_code == 401


def test_whoami_without_credentials_is_401_without_id(client: TestClient) -> None:
    """session/handler.go whoami wraps the no-session error in ErrNoSessionFound: no error id."""
    response = client.get("/sessions/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == WHOAMI_401


def test_disabled_session_is_401(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """manager_http.go FetchFromRequest: a session that is not IsActive() is no session."""
    session = login(app, ada["id"])
    assert client.delete(f"/admin/sessions/{session.id}").status_code == 204
    assert client.get("/sessions/whoami", headers={"X-Session-Token": session.token}).json() == WHOAMI_401


def test_session_expires_after_24h(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/session.go IsActive: expires_at (authenticated_at + session.lifespan 24h) must lie ahead."""
    session = login(app, ada["id"])
    headers = {"X-Session-Token": session.token}
    app.store.clock.advance(timedelta(hours=23, minutes=59))
    assert client.get("/sessions/whoami", headers=headers).status_code == 200
    app.store.clock.advance(timedelta(minutes=1))
    assert client.get("/sessions/whoami", headers=headers).json() == WHOAMI_401
    listed = client.get(f"/admin/sessions/{session.id}").json()
    assert listed["active"] is False


def test_disabled_identity_is_401(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/session.go IsActive: the identity must be active too."""
    session = login(app, ada["id"])
    patch = [{"op": "replace", "path": "/state", "value": "inactive"}]
    assert client.patch(f"/admin/identities/{ada['id']}", json=patch).status_code == 200
    assert client.get("/sessions/whoami", headers={"X-Session-Token": session.token}).json() == WHOAMI_401


def test_required_aal1_rejects_an_aal0_session(serve: Any) -> None:
    """manager_http.go DoesSessionSatisfy with session.whoami.required_aal=aal1, and
    session/manager.go NewErrAALNotSatisfied's body."""
    app, client = serve(seed=1, config={"session": {"whoami": {"required_aal": "aal1"}}})
    identity = new_identity(client)
    weak = login(app, identity["id"], aal="aal0", authentication_methods=())
    response = client.get("/sessions/whoami", headers={"X-Session-Token": weak.token})
    login_url = "http://127.0.0.1:4434/self-service/login/browser?aal=aal2"
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "id": "session_aal2_required",
            "code": 403,
            "status": "Forbidden",
            "reason": "An active session was found but it does not fulfill the requested Authenticator Assurance "
            "Level. Please verify yourself with a second factor to resolve this issue.",
            "details": {"redirect_browser_to": login_url},
            "message": "Session does not fulfill the requested Authenticator Assurance Level",
        },
        "redirect_browser_to": login_url,
    }
    strong = login(app, identity["id"])
    assert client.get("/sessions/whoami", headers={"X-Session-Token": strong.token}).status_code == 200


def test_highest_available_accepts_password_only_identities(
    app: KratosMockApp, client: TestClient, ada: dict[str, Any]
) -> None:
    """manager_http.go DoesSessionSatisfy(highest_available): without an enabled second factor the
    identity's available AAL is at most aal1, so every session passes (the default)."""
    session = login(app, ada["id"], aal="aal0", authentication_methods=())
    assert client.get("/sessions/whoami", headers={"X-Session-Token": session.token}).status_code == 200


def test_tokenize_as_without_templates_is_400(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """config.go TokenizeTemplate: no session.whoami.tokenizer.templates are configured."""
    session = login(app, ada["id"])
    response = client.get("/sessions/whoami", params={"tokenize_as": "jwt"}, headers={"X-Session-Token": session.token})
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == 'Unable to find tokenizer template "jwt".'


def test_list_my_sessions(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/handler.go listMySessions → ListSessionsByIdentity(active, except current):
    newest first, inactive and expired left out, identity eagerly loaded (empty schema_url)."""
    current = login(app, ada["id"])
    app.store.clock.advance(timedelta(minutes=1))
    older = login(app, ada["id"])
    app.store.clock.advance(timedelta(minutes=1))
    newer = login(app, ada["id"])
    revoked = login(app, ada["id"])
    app.store.disable_session(revoked.id)
    other = new_identity(client, "grace@example.com")
    login(app, other["id"])
    response = client.get("/sessions", headers={"X-Session-Token": current.token})
    assert response.status_code == 200
    listed = response.json()
    assert [s["id"] for s in listed] == [newer.id, older.id]
    assert listed[0]["identity"]["id"] == ada["id"] and listed[0]["identity"]["schema_url"] == ""
    assert response.headers["x-total-count"] == "2"
    assert 'rel="first"' in response.headers["link"]


def test_list_my_sessions_without_session(client: TestClient) -> None:
    """session/handler.go listMySessions: ErrUnauthorized with its own reason."""
    response = client.get("/sessions")
    assert response.status_code == 401 and response.json() == COOKIE_401


def test_disable_my_session(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/handler.go deleteMySession and persister_session.go RevokeSession."""
    current, other = login(app, ada["id"]), login(app, ada["id"])
    grace = new_identity(client, "grace@example.com")
    foreign = login(app, grace["id"])
    headers = {"X-Session-Token": current.token}
    assert client.delete(f"/sessions/{other.id}", headers=headers).status_code == 204
    assert client.get(f"/admin/sessions/{other.id}").json()["active"] is False
    assert client.delete(f"/sessions/{foreign.id}", headers=headers).status_code == 204  # not ours: untouched
    assert client.get(f"/admin/sessions/{foreign.id}").json()["active"] is True
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.delete(f"/sessions/{unknown}", headers=headers).status_code == 204
    response = client.delete(f"/sessions/{current.id}", headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": 400, "status": "Bad Request", "message": "cannot revoke current session"}
    }
    bad = client.delete("/sessions/abc", headers=headers)
    assert bad.json()["error"]["message"] == 'uuid: incorrect UUID length 3 in string "abc"'
    assert client.delete(f"/sessions/{other.id}").json() == COOKIE_401


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "OPTIONS", "TRACE"])
def test_whoami_answers_every_method_kratos_routes_to_it(
    method: str, app: KratosMockApp, client: TestClient, ada: dict[str, Any]
) -> None:
    """session/handler.go RegisterPublicRoutes: whoami for GET, HEAD, POST, PUT, PATCH, CONNECT,
    OPTIONS and TRACE, so none of them is a 405; the journal keeps the method sent."""
    session = login(app, ada["id"])
    response = client.request(method, "/sessions/whoami", headers={"X-Session-Token": session.token})
    assert response.status_code == 200 and response.json()["id"] == session.id
    assert client.request(method, "/sessions/whoami").json() == WHOAMI_401
    assert [e.method for e in app.journal.entries("toSession")] == [method, method]


def test_disable_my_session_whoami_is_whoami(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/handler.go deleteMySession: the id "whoami" is answered by whoami."""
    session = login(app, ada["id"])
    response = client.delete("/sessions/whoami", headers={"X-Session-Token": session.token})
    assert response.status_code == 200 and response.json()["id"] == session.id


def test_disable_my_other_sessions(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """session/handler.go deleteMySessions → RevokeSessionsIdentityExcept: rows matched, already
    inactive ones included; the current session stays."""
    current = login(app, ada["id"])
    login(app, ada["id"])
    stale = login(app, ada["id"])
    app.store.disable_session(stale.id)
    response = client.delete("/sessions", headers={"X-Session-Token": current.token})
    assert response.status_code == 200 and response.json() == {"count": 2}
    sessions = client.get(f"/admin/identities/{ada['id']}/sessions").json()
    assert {s["id"]: s["active"] for s in sessions}[current.id] is True
    assert sum(s["active"] for s in sessions) == 1
    assert client.delete("/sessions").json() == COOKIE_401


def test_perform_native_logout(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """logout/handler.go performNativeLogout: 204, the session revoked (seen by the admin API);
    again (already inactive, the row still matches) 204; unknown token 403."""
    session = login(app, ada["id"])
    assert (
        client.request("DELETE", "/self-service/logout/api", json={"session_token": session.token}).status_code == 204
    )
    assert client.get(f"/admin/sessions/{session.id}").json()["active"] is False
    assert client.get("/sessions/whoami", headers={"X-Session-Token": session.token}).status_code == 401
    again = client.request("DELETE", "/self-service/logout/api", json={"session_token": session.token})
    assert again.status_code == 204
    unknown = client.request("DELETE", "/self-service/logout/api", json={"session_token": "ory_st_nope"})
    assert unknown.status_code == 403
    assert unknown.json() == {
        "error": {
            "code": 403,
            "status": "Forbidden",
            "reason": "The provided Ory Session Token could not be found, is invalid, or otherwise malformed.",
            "message": "The requested action was forbidden",
        }
    }


def test_perform_native_logout_body_rules(client: TestClient) -> None:
    """ory/x decoderx validateRequest: an empty body and a non-JSON Content-Type are 400s."""
    empty = client.request("DELETE", "/self-service/logout/api", headers={"Content-Type": "application/json"})
    assert empty.status_code == 400
    assert empty.json()["error"]["reason"] == (
        'Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.'
    )
    text = client.request("DELETE", "/self-service/logout/api", content=b"x", headers={"Content-Type": "text/plain"})
    assert text.json()["error"]["reason"] == (
        'HTTP DELETE Request used unknown HTTP Header "Content-Type: text/plain", '
        "only [application/json] are supported."
    )


def test_unprefixed_sessions_path_is_the_public_route(client: TestClient) -> None:
    """Admin and public share one port: /sessions is listMySessions, the admin list is /admin/sessions."""
    assert client.get("/sessions").status_code == 401
    assert client.get("/admin/sessions").status_code == 200
