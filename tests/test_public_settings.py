"""Settings flows with the password and profile methods (selfservice/flow/settings/handler.go,
error.go reauthenticate, hook.go PostSettingsHook; strategy/password/settings.go
continueSettingsFlow; strategy/profile/strategy.go at v26.2.0)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

PASSWORD = "correct horse battery staple"
JSON = {"Accept": "application/json"}


@pytest.fixture
def client() -> TestClient:
    c = TestClient(create_app(seed=8, config={"dev": True}), base_url="http://127.0.0.1:4434", follow_redirects=False)
    for email in ("ada@example.com", "bob@example.com"):
        body = {
            "schema_id": "default",
            "traits": {"email": email},
            "credentials": {"password": {"config": {"password": PASSWORD}}},
        }
        assert c.post("/admin/identities", json=body).status_code == 201
    return c


def token_of(client: TestClient, email: str = "ada@example.com", password: str = PASSWORD, **query: str) -> str:
    flow = client.get("/self-service/login/api", params=query).json()
    body = {"method": "password", "identifier": email, "password": password}
    response = client.post("/self-service/login", params={"flow": flow["id"]}, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["session_token"])


def new_flow(client: TestClient, token: str) -> dict[str, Any]:
    response = client.get("/self-service/settings/api", headers={"X-Session-Token": token})
    assert response.status_code == 200, response.text
    return dict(response.json())


def submit(client: TestClient, flow_id: str, token: str, body: dict[str, Any]) -> Any:
    return client.post(
        "/self-service/settings", params={"flow": flow_id}, json=body, headers={"X-Session-Token": token}
    )


def test_a_session_is_required(client: TestClient) -> None:
    """session/handler.go IsAuthenticated: 401 session_inactive."""
    response = client.get("/self-service/settings/api")
    assert response.status_code == 401
    assert response.json()["error"]["id"] == "session_inactive"
    assert response.json()["error"]["reason"] == (
        "This endpoint can only be accessed with a valid session. Please log in and try again."
    )


def test_flow_has_profile_and_password_forms(client: TestClient) -> None:
    """profile/strategy.go and password/settings.go PopulateSettingsMethod; settings/sort.go."""
    flow = new_flow(client, token_of(client))
    assert flow["state"] == "show_form" and flow["identity"]["traits"] == {"email": "ada@example.com"}
    nodes = [(n["group"], n["attributes"]["name"], n["attributes"].get("value")) for n in flow["ui"]["nodes"]]
    assert nodes == [
        ("default", "csrf_token", ""),
        ("profile", "traits.email", "ada@example.com"),
        ("profile", "traits.name.first", None),
        ("profile", "traits.name.last", None),
        ("profile", "method", "profile"),
        ("password", "password", None),
        ("password", "method", "password"),
    ]


def test_password_change_then_login_with_it(client: TestClient) -> None:
    """continueSettingsFlow then PostSettingsHook: state success with 1050001; the old password fails."""
    token = token_of(client)
    flow = new_flow(client, token)
    done = submit(client, flow["id"], token, {"method": "password", "password": "a new and long passphrase"})
    assert done.status_code == 200 and done.json()["state"] == "success"
    assert [m["id"] for m in done.json()["ui"]["messages"]] == [1050001]
    token_of(client, password="a new and long passphrase")
    flow = client.get("/self-service/login/api").json()
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD}
    assert client.post("/self-service/login", params={"flow": flow["id"]}, json=body).status_code == 400


@pytest.mark.parametrize(
    ("password", "message_id"),
    [(PASSWORD, 4000039), ("short", 4000032), ("ada@example.com", 4000031), ("", 4000002)],
)
def test_password_problems_are_flow_messages(client: TestClient, password: str, message_id: int) -> None:
    token = token_of(client)
    flow = new_flow(client, token)
    response = submit(client, flow["id"], token, {"method": "password", "password": password})
    assert response.status_code == 400
    node = next(n for n in response.json()["ui"]["nodes"] if n["attributes"]["name"] == "password")
    assert [m["id"] for m in node["messages"]] == [message_id]


def test_old_session_needs_refresh_then_succeeds(client: TestClient) -> None:
    """privileged_session_max_age (1h): 403 session_refresh_required; a refresh login renews
    authenticated_at (login/handler.go refresh) and the same flow then succeeds."""
    token = token_of(client)
    client.app.store.clock.advance("61m")  # type: ignore[attr-defined]
    flow = new_flow(client, token)
    body = {"method": "password", "password": "a new and long passphrase"}
    refused = submit(client, flow["id"], token, body)
    assert refused.status_code == 403
    error = refused.json()
    assert error["error"]["id"] == "session_refresh_required"
    assert error["redirect_browser_to"] == (
        "http://127.0.0.1:4434/self-service/login/browser?refresh=true&return_to="
        f"http%3A%2F%2F127.0.0.1%3A4434%2Fself-service%2Fsettings%3Fflow%3D{flow['id']}"
    )
    login = client.get("/self-service/login/api", params={"refresh": "true"}, headers={"X-Session-Token": token}).json()
    again = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD}
    renewed = client.post(
        "/self-service/login", params={"flow": login["id"]}, json=again, headers={"X-Session-Token": token}
    )
    assert renewed.status_code == 200
    assert submit(client, flow["id"], token, body).json()["state"] == "success"


def test_profile_change_and_protected_traits(client: TestClient) -> None:
    """profile/strategy.go: a name change is fine on an old session, the e-mail (an identifier
    and address) needs a privileged one; a taken e-mail is 4000007."""
    token = token_of(client)
    flow = new_flow(client, token)
    taken = submit(client, flow["id"], token, {"method": "profile", "traits": {"email": "bob@example.com"}})
    assert taken.status_code == 400 and [m["id"] for m in taken.json()["ui"]["messages"]] == [4000007]
    client.app.store.clock.advance("2h")  # type: ignore[attr-defined]
    flow = new_flow(client, token)
    named = {"email": "ada@example.com", "name": {"first": "Ada"}}
    done = submit(client, flow["id"], token, {"method": "profile", "traits": named})
    assert done.json()["state"] == "success" and done.json()["identity"]["traits"] == named
    moved = submit(
        client, new_flow(client, token)["id"], token, {"method": "profile", "traits": {"email": "ada@new.example"}}
    )
    assert moved.status_code == 403 and moved.json()["error"]["id"] == "session_refresh_required"
    assert client.get("/admin/identities").json()[0]["traits"]["email"] == "ada@example.com"


def test_invalid_traits_are_flow_messages(client: TestClient) -> None:
    token = token_of(client)
    flow = new_flow(client, token)
    response = submit(client, flow["id"], token, {"method": "profile", "traits": {"email": "not-an-email"}})
    assert response.status_code == 400
    node = next(n for n in response.json()["ui"]["nodes"] if n["attributes"]["name"] == "traits.email")
    assert [m["id"] for m in node["messages"]] == [4000040]


def test_another_identitys_flow_is_refused(client: TestClient) -> None:
    """settings/handler.go getSettingsFlow: 403 security_identity_mismatch."""
    ada, bob = token_of(client), token_of(client, "bob@example.com")
    flow = new_flow(client, ada)
    response = client.get("/self-service/settings/flows", params={"id": flow["id"]}, headers={"X-Session-Token": bob})
    assert response.status_code == 403 and response.json()["error"]["id"] == "security_identity_mismatch"
    no_session = client.get("/self-service/settings/flows", params={"id": flow["id"]}, headers=JSON)
    assert no_session.status_code == 401
    assert no_session.json()["error"]["reason"] == "A valid Ory Session Cookie or Ory Session Token is missing."


def test_browser_settings_without_a_session_go_to_login(client: TestClient) -> None:
    """createBrowserSettingsFlow: JSON → 401 (with the CredentialsMissing quirk), else a 303 to login."""
    response = client.get("/self-service/settings/browser", headers=JSON)
    assert response.status_code == 401 and response.json()["CredentialsMissing"] is False
    redirected = client.get("/self-service/settings/browser")
    assert redirected.status_code == 303
    assert redirected.headers["location"] == "http://127.0.0.1:4434/self-service/login/browser"


def test_browser_json_success_lists_where_to_go(client: TestClient) -> None:
    """PostSettingsHook for browser JSON requests: the flow with redirect_browser_to, and the cookie."""
    login = client.get("/self-service/login/browser", headers=JSON).json()
    csrf = next(n for n in login["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/self-service/login", params={"flow": login["id"]}, json=body, headers=JSON).status_code == 200
    flow = client.get("/self-service/settings/browser", headers=JSON).json()
    csrf = next(n for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
    change = {"method": "password", "password": "a new and long passphrase", "csrf_token": csrf}
    done = client.post("/self-service/settings", params={"flow": flow["id"]}, json=change, headers=JSON)
    assert done.status_code == 200 and done.json()["state"] == "success"
    [item] = done.json()["continue_with"]
    assert item == {
        "action": "redirect_browser_to",
        "redirect_browser_to": f"https://www.ory.sh/kratos/docs/fallback/settings?flow={flow['id']}",
    }
    assert any(c.startswith("ory_kratos_session=") for c in done.headers.get_list("set-cookie"))


def test_a_new_address_gets_a_verification_code_when_verification_is_on() -> None:
    """registry_default_settings.go PostSettingsPostPersistHooks puts the verifier first: a new
    (pending) address is mailed a code; the address left alone is not."""
    from mockserver.courier import Courier

    config = {"dev": True, "selfservice": {"flows": {"verification": {"enabled": True}}}}
    client = TestClient(create_app(seed=8, config=config), base_url="http://127.0.0.1:4434")
    body = {
        "schema_id": "default",
        "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    assert client.post("/admin/identities", json=body).status_code == 201
    token = token_of(client)
    flow = new_flow(client, token)
    done = submit(client, flow["id"], token, {"method": "profile", "traits": {"email": "ada@new.example"}})
    assert done.json()["state"] == "success"
    courier = Courier(client.app.store)  # type: ignore[attr-defined]
    assert [(m.recipient, m.template_type) for m in courier.messages()] == [
        ("ada@new.example", "verification_code_valid")
    ]
    [address] = client.get("/admin/identities").json()[0]["verifiable_addresses"]
    assert address["value"] == "ada@new.example" and address["status"] == "sent"


def test_submitting_without_a_session_or_to_an_unknown_flow(client: TestClient) -> None:
    """updateSettingsFlow: an unknown flow is 404 with Kratos' reason; without a session the api
    flow's error is session_inactive (WriteFlowError with ErrNoActiveSessionFound)."""
    token = token_of(client)
    flow = new_flow(client, token)
    unknown = client.post(
        "/self-service/settings",
        params={"flow": "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01"},
        json={"method": "password"},
        headers=JSON,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["reason"] == "The settings request could not be found. Please restart the flow."
    anonymous = client.post("/self-service/settings", params={"flow": flow["id"]}, json={"method": "password"})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["id"] == "session_inactive"
