"""Native login flows, one test per Kratos v26.2.0 rule, each naming the Go function it follows
(selfservice/flow/login/handler.go, login/error.go, login/hook.go, strategy/password/login.go)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import KratosMockApp

PASSWORD = "correct horse battery staple"
BASE = "http://127.0.0.1:4434"


@pytest.fixture
def ada(client: TestClient) -> dict[str, Any]:
    body = {
        "schema_id": "default",
        "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    response = client.post("/admin/identities", json=body)
    assert response.status_code == 201
    return response.json()


def start(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/self-service/login/api", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def submit(client: TestClient, flow_id: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/self-service/login", params={"flow": flow_id}, json=body, headers=headers)


def password_body(identifier: str = "ada@example.com", password: str = PASSWORD) -> dict[str, Any]:
    return {"method": "password", "identifier": identifier, "password": password}


def node(flow: dict[str, Any], name: str) -> dict[str, Any]:
    return next(n for n in flow["ui"]["nodes"] if n["attributes"].get("name") == name)


def test_native_login_flow_shape(client: TestClient) -> None:
    """login/flow.go NewFlow + password/login.go PopulateLoginMethodFirstFactor + login/sort.go:
    csrf_token (empty for api flows), identifier (labelled by the schema's only identifier title),
    password, method."""
    flow = start(client)
    assert flow["type"] == "api" and flow["state"] == "choose_method" and flow["organization_id"] is None
    assert flow["requested_aal"] == "aal1" and flow["refresh"] is False
    assert flow["expires_at"] == "2026-01-01T01:00:00Z" and flow["issued_at"] == "2026-01-01T00:00:00Z"
    assert flow["request_url"] == f"{BASE}/self-service/login/api"
    assert flow["ui"]["action"] == f"{BASE}/self-service/login?flow={flow['id']}"
    assert "messages" not in flow["ui"]
    assert [(n["group"], n["attributes"]["name"]) for n in flow["ui"]["nodes"]] == [
        ("default", "csrf_token"),
        ("default", "identifier"),
        ("password", "password"),
        ("password", "method"),
    ]
    assert node(flow, "csrf_token")["attributes"]["value"] == ""
    assert node(flow, "identifier")["meta"]["label"] == {
        "id": 1070002,
        "text": "E-Mail",
        "type": "info",
        "context": {"title": "E-Mail", "name": "traits.email"},
    }
    assert node(flow, "method")["meta"]["label"] == {"id": 1010022, "text": "Sign in with password", "type": "info"}
    assert client.get("/self-service/login/flows", params={"id": flow["id"]}).json() == flow


def test_login_success_issues_a_session(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """login/hook.go PostLoginHook (api): session, session_token, continue_with null; the
    identifier is matched case-insensitively (FindByCredentialsIdentifier)."""
    flow = start(client)
    response = submit(client, flow["id"], password_body("ADA@example.com"), **{"User-Agent": "curl/8"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"session", "session_token", "continue_with"} and body["continue_with"] is None
    session = body["session"]
    assert session["identity"]["id"] == ada["id"] and session["authenticator_assurance_level"] == "aal1"
    assert session["authentication_methods"] == [
        {"method": "password", "aal": "aal1", "completed_at": "2026-01-01T00:00:00Z"}
    ]
    assert session["devices"][0]["user_agent"] == "curl/8"
    assert session["expires_at"] == "2026-01-02T00:00:00Z"
    assert client.get(f"/admin/sessions/{session['id']}").json()["active"] is True
    whoami = client.get("/sessions/whoami", headers={"X-Session-Token": body["session_token"]})
    assert whoami.json()["id"] == session["id"]


def test_wrong_password_and_unknown_identifier(client: TestClient, ada: dict[str, Any]) -> None:
    """password/login.go handleLoginError + schema/errors.go NewInvalidCredentialsError: 400 with
    the flow, 4000006 on the container, identifier kept, password without value."""
    expected = [
        {
            "id": 4000006,
            "text": "The provided credentials are invalid, check for spelling mistakes in your password or username, "
            "email address, or phone number.",
            "type": "error",
        }
    ]
    for body in (password_body(password="wrong password"), password_body("nobody@example.com")):
        flow = start(client)
        response = submit(client, flow["id"], body)
        assert response.status_code == 400
        answered = response.json()
        assert answered["id"] == flow["id"] and answered["ui"]["messages"] == expected
        assert node(answered, "identifier")["attributes"]["value"] == body["identifier"]
        assert "value" not in node(answered, "password")["attributes"]


def test_missing_fields_are_node_messages(client: TestClient) -> None:
    """decoderx with login.schema.json, container.go ParseError: 4000002 on each missing field,
    4000003 for an empty one."""
    flow = start(client)
    answered = submit(client, flow["id"], {"method": "password"}).json()
    assert node(answered, "identifier")["messages"] == [
        {
            "id": 4000002,
            "text": "Property identifier is missing.",
            "type": "error",
            "context": {"property": "identifier"},
        }
    ]
    assert node(answered, "password")["messages"][0]["id"] == 4000002
    answered = submit(client, flow["id"], password_body(password="")).json()
    assert node(answered, "password")["messages"] == [
        {
            "id": 4000003,
            "text": "length must be >= 1, but got 0",
            "type": "error",
            "context": {"min_length": 1, "actual_length": 0},
        }
    ]


def test_unknown_method(client: TestClient) -> None:
    """login/handler.go updateLoginFlow: no strategy responsible → 4010002."""
    flow = start(client)
    answered = submit(client, flow["id"], {"method": "magic"}).json()
    assert [m["id"] for m in answered["ui"]["messages"]] == [4010002]


def test_expired_flow(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """login/handler.go getLoginFlow (410 with details.api) and login/error.go
    PrepareReplacementForExpiredFlow on submit (410 with use_flow_id; the new flow says 4010001)."""
    flow = start(client)
    app.store.clock.advance(timedelta(hours=1, minutes=30))
    gone = client.get("/self-service/login/flows", params={"id": flow["id"]})
    assert gone.status_code == 410
    assert gone.json()["error"] == {
        "id": "self_service_flow_expired",
        "code": 410,
        "status": "Gone",
        "reason": "The login flow has expired. Call the login flow init API endpoint to initialize a new login flow.",
        "details": {"api": f"{BASE}/self-service/login/api"},
        "message": "The requested resource is no longer available because it has expired or is otherwise invalid.",
    }
    response = submit(client, flow["id"], password_body())
    assert response.status_code == 410
    body = response.json()
    assert (
        body["error"]["id"] == "self_service_flow_expired" and body["error"]["message"] == "self-service flow expired"
    )
    assert body["error"]["reason"] == "The self-service flow expired 30.00 minutes ago, initialize a new one."
    assert body["expired_at"] == "2026-01-01T01:00:00Z" and body["since"] == 30 * 60 * 10**9
    fresh = client.get("/self-service/login/flows", params={"id": body["use_flow_id"]}).json()
    assert fresh["ui"]["messages"] == [
        {
            "id": 4010001,
            "text": "The login flow expired 30.00 minutes ago, please try again.",
            "type": "error",
            "context": {"expired_at": "2026-01-01T01:00:00Z", "expired_at_unix": 1767229200},
        }
    ]
    assert submit(client, fresh["id"], password_body()).status_code == 200


def test_disabled_identity_cannot_log_in(client: TestClient, ada: dict[str, Any]) -> None:
    """manager_http.go ActivateSession → session/session.go ErrIdentityDisabled (401 envelope)."""
    client.patch(f"/admin/identities/{ada['id']}", json=[{"op": "replace", "path": "/state", "value": "inactive"}])
    flow = start(client)
    response = submit(client, flow["id"], password_body())
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": 401,
            "status": "Unauthorized",
            "reason": "This account was disabled.",
            "details": {"identity_id": ada["id"]},
            "message": "identity is disabled",
        }
    }


def test_logged_in_init_and_submit(client: TestClient, ada: dict[str, Any]) -> None:
    """login/handler.go NewLoginFlow (ErrAlreadyLoggedIn, 400 envelope) and updateLoginFlow (the
    same reason as a 4000001 message on an api flow)."""
    flow = start(client)
    token = submit(client, flow["id"], password_body()).json()["session_token"]
    again = client.get("/self-service/login/api", headers={"X-Session-Token": token})
    assert again.status_code == 400
    assert again.json()["error"]["id"] == "session_already_available"
    assert again.json()["error"]["message"] == "you are already logged in"
    answered = submit(client, flow["id"], password_body(), **{"X-Session-Token": token})
    assert answered.status_code == 400
    [message] = answered.json()["ui"]["messages"]
    assert message["id"] == 4000001 and message["text"].startswith("A valid session was detected")


def test_refresh_renews_the_session_in_place(app: KratosMockApp, client: TestClient, ada: dict[str, Any]) -> None:
    """login/handler.go NewLoginFlow(refresh) + password/login.go PopulateLoginMethodFirstFactorRefresh
    (hidden identifier, "Sign in", 1010003), then updateLoginFlow renews the same session."""
    first = submit(client, start(client)["id"], password_body()).json()
    app.store.clock.advance(timedelta(hours=2))
    headers = {"X-Session-Token": first["session_token"]}
    flow = client.get("/self-service/login/api", params={"refresh": "true"}, headers=headers).json()
    assert flow["refresh"] is True and [m["id"] for m in flow["ui"]["messages"]] == [1010003]
    assert node(flow, "identifier")["attributes"] == {
        "name": "identifier",
        "type": "hidden",
        "value": "ada@example.com",
        "disabled": False,
        "node_type": "input",
    }
    assert node(flow, "method")["meta"]["label"]["id"] == 1010001
    renewed = submit(client, flow["id"], password_body(), **headers).json()["session"]
    assert renewed["id"] == first["session"]["id"]
    assert renewed["authenticated_at"] == "2026-01-01T02:00:00Z" and len(renewed["authentication_methods"]) == 2


def test_api_flow_submitted_with_cookies_or_origin(client: TestClient, ada: dict[str, Any]) -> None:
    """selfservice/flow/request.go EnsureCSRF: api flows refuse browser traits (4000001)."""
    flow = start(client)
    with_cookie = submit(client, flow["id"], password_body(), Cookie="session=1; __cf_bm=x")
    assert with_cookie.status_code == 400
    assert 'included the "Cookie" key' in with_cookie.json()["ui"]["messages"][0]["text"]
    cloudflare_only = submit(client, flow["id"], password_body(), Cookie="__cf_bm=x")
    assert cloudflare_only.status_code == 200
    with_origin = submit(client, start(client)["id"], password_body(), Origin="http://app.example")
    assert 'included the "Origin" key' in with_origin.json()["ui"]["messages"][0]["text"]


def test_flow_id_missing_or_unknown(client: TestClient) -> None:
    """flow/flow.go GetFlowID (400) and the persister (404); getLoginFlow reads bad ids as nil (404)."""
    missing = client.post("/self-service/login", json=password_body())
    assert missing.status_code == 400
    assert missing.json()["error"]["reason"] == "The flow query parameter is missing or malformed."
    unknown = submit(client, "00000000-0000-4000-8000-000000000000", password_body())
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "Unable to locate the resource"
    assert client.get("/self-service/login/flows", params={"id": "nope"}).status_code == 404
    assert client.get("/self-service/login/flows").status_code == 404


def test_aal_parameter(client: TestClient) -> None:
    """login/handler.go NewLoginFlow: aal2 needs a session (401 session_aal1_required); others 400."""
    needs_session = client.get("/self-service/login/api", params={"aal": "aal2"})
    assert needs_session.status_code == 401 and needs_session.json()["error"]["id"] == "session_aal1_required"
    bad = client.get("/self-service/login/api", params={"aal": "aal9"})
    assert bad.status_code == 400
    assert bad.json()["error"]["reason"].endswith("expected one of [aal1, aal2] but got aal9")


def test_return_to_must_be_allowed(client: TestClient) -> None:
    """x/redir/secure_redirect.go SecureRedirectTo at flow init: self-service URLs are allowed."""
    ok = start(client, return_to=f"{BASE}/self-service/settings/browser")
    assert ok["return_to"] == f"{BASE}/self-service/settings/browser"
    refused = client.get("/self-service/login/api", params={"return_to": "https://evil.example/"})
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "id": "self_service_flow_return_to_forbidden",
        "code": 400,
        "status": "Bad Request",
        "reason": 'Requested return_to URL "https://evil.example/" is not allowed.',
        "message": "The request was malformed or contained invalid parameters",
    }
