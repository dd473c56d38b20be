"""Passwordless login by code (selfservice/strategy/code/strategy_login.go, strategy.go
populateChooseMethodFlow and populateEmailSentFlow; persister_code.go useOneTimeCode at v26.2.0)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.courier import Courier

JSON = {"Accept": "application/json"}
CODE: dict[str, Any] = {
    "dev": True,
    "selfservice": {"methods": {"code": {"passwordless_enabled": True, "config": {"lifespan": "15m"}}}},
}


@pytest.fixture
def client() -> TestClient:
    c = TestClient(create_app(seed=9, config=CODE), base_url="http://127.0.0.1:4434", follow_redirects=False)
    body = {"schema_id": "default", "traits": {"email": "ada@example.com"}}
    assert c.post("/admin/identities", json=body).status_code == 201
    return c


def submit(client: TestClient, flow_id: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/self-service/login", params={"flow": flow_id}, json=body, headers=headers)


def code_of(client: TestClient) -> str:
    return Courier(client.app.store).last(template_type="login_code_valid").code  # type: ignore[attr-defined]


def messages(response: Any) -> list[int]:
    return [m["id"] for m in response.json()["ui"].get("messages", [])]


def test_flow_offers_the_code_method(client: TestClient) -> None:
    """populateChooseMethodFlow: the shared identifier and "Send sign in code" (1010015)."""
    flow = client.get("/self-service/login/api").json()
    nodes = [(n["group"], n["attributes"]["name"], n["attributes"].get("value")) for n in flow["ui"]["nodes"]]
    assert nodes == [
        ("default", "csrf_token", ""),
        ("default", "identifier", ""),
        ("code", "method", "code"),
        ("password", "password", None),
        ("password", "method", "password"),
    ]
    assert flow["ui"]["nodes"][2]["meta"]["label"]["id"] == 1010015


def test_off_by_default_the_method_is_unknown() -> None:
    client = TestClient(create_app(seed=9), base_url="http://127.0.0.1:4434")
    flow = client.get("/self-service/login/api").json()
    response = submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com"})
    assert response.status_code == 400 and messages(response) == [4010002]


def test_wrong_tries_count_and_the_sixth_is_refused(client: TestClient) -> None:
    """useOneTimeCode: max_submissions (5) counts wrong codes; the 6th try fails even with the
    right code (4000001 "submitted too often")."""
    flow = client.get("/self-service/login/api").json()
    assert submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com"}).status_code == 400
    code = code_of(client)
    for _ in range(5):
        wrong = submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com", "code": "0"})
        assert messages(wrong) == [4010008]
    refused = submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com", "code": code})
    assert refused.status_code == 400
    assert (
        refused.json()["ui"]["messages"][0]["text"]
        == "The request was submitted too often. Please request another code."
    )


def test_an_expired_code_is_refused(client: TestClient) -> None:
    """LoginCode.Validate: past code.config.lifespan (15m here) the code is unknown (4010008)."""
    flow = client.get("/self-service/login/api").json()
    submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com"})
    client.app.store.clock.advance("16m")  # type: ignore[attr-defined]
    late = submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com", "code": code_of(client)})
    assert late.status_code == 400 and messages(late) == [4010008]


def test_browser_code_login_sets_the_session_cookie(client: TestClient) -> None:
    """Browser flows: the CSRF token in both steps; non-JSON step one is a 303 to the login UI;
    success is a 303 to the return URL with the session cookie."""
    flow = client.get("/self-service/login/browser", headers=JSON).json()
    token = next(n for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
    body = {"method": "code", "identifier": "ada@example.com", "csrf_token": token}
    step_one = client.post("/self-service/login", params={"flow": flow["id"]}, data=body)
    assert step_one.status_code == 303
    assert step_one.headers["location"] == f"https://www.ory.sh/kratos/docs/fallback/login?flow={flow['id']}"
    sent = client.get("/self-service/login/flows", params={"id": flow["id"]}).json()
    assert sent["state"] == "sent_email" and [m["id"] for m in sent["ui"]["messages"]] == [1010014]
    token = next(n for n in sent["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
    body = {"method": "code", "identifier": "ada@example.com", "code": code_of(client), "csrf_token": token}
    done = client.post("/self-service/login", params={"flow": flow["id"]}, data=body)
    assert done.status_code == 303 and done.headers["location"] == "http://127.0.0.1:4455/"
    assert any(c.startswith("ory_kratos_session=") for c in done.headers.get_list("set-cookie"))
    assert client.get("/sessions/whoami").json()["authentication_methods"][0]["method"] == "code"


def test_login_by_code_verifies_the_address(client: TestClient) -> None:
    """loginVerifyCode: the address the code went to is verified by the login."""
    flow = client.get("/self-service/login/api").json()
    submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com"})
    done = submit(client, flow["id"], {"method": "code", "identifier": "ada@example.com", "code": code_of(client)})
    assert done.status_code == 200 and done.json()["session_token"].startswith("ory_st_")
    assert client.get("/admin/identities").json()[0]["verifiable_addresses"][0]["verified"] is True
