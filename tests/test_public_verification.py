"""Verification flows with the code method, api and browser, and the verification a registration
sends (selfservice/flow/verification/handler.go, error.go; strategy/code/strategy_verification.go;
code_sender.go SendVerificationCode; hook/verification.go; hook/show_verification_ui.go at v26.2.0)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.courier import Courier

ON: dict[str, Any] = {"dev": True, "selfservice": {"flows": {"verification": {"enabled": True}}}}
JSON = {"Accept": "application/json"}


def make(config: dict[str, Any] = ON) -> TestClient:
    return TestClient(create_app(seed=4, config=config), base_url="http://127.0.0.1:4434")


@pytest.fixture
def client() -> TestClient:
    c = make()
    body = {"schema_id": "default", "traits": {"email": "ada@example.com"}}
    assert c.post("/admin/identities", json=body).status_code == 201
    return c


def courier(client: TestClient) -> Courier:
    return Courier(client.app.store)  # type: ignore[attr-defined]


def names(flow: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (n["attributes"].get("name", n["attributes"].get("id")), n["attributes"].get("value"))
        for n in flow["ui"]["nodes"]
    ]


def submit(client: TestClient, flow_id: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/self-service/verification", params={"flow": flow_id}, json=body, headers=headers)


def test_disabled_by_default() -> None:
    """verification/handler.go createNativeVerificationFlow: the 400 is forwarded (errorx
    Forward): JSON requests get it, others go to the error UI."""
    client = make({})
    response = client.get("/self-service/verification/api", headers=JSON)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "Verification is not allowed because it was disabled."
    redirected = client.get("/self-service/verification/api", follow_redirects=False)
    assert redirected.status_code == 303 and "/fallback/error?id=" in redirected.headers["location"]


def test_api_flow_has_the_email_form_without_csrf(client: TestClient) -> None:
    """code/strategy.go PopulateMethod: email and "Continue"; the CSRF node only on browser flows."""
    flow = client.get("/self-service/verification/api").json()
    assert flow["active"] == "code" and flow["state"] == "choose_method"
    assert names(flow) == [("email", None), ("method", "code")]
    assert [n["meta"]["label"]["id"] for n in flow["ui"]["nodes"]] == [1070007, 1070009]


def test_code_round_trip_verifies_the_address(client: TestClient) -> None:
    """verificationHandleFormSubmission then verificationUseCode: sent_email (1080003), the
    address ``sent``, then passed_challenge (1080002) and the address ``completed``."""
    flow = client.get("/self-service/verification/api").json()
    sent = submit(client, flow["id"], {"method": "code", "email": "ada@example.com"})
    assert sent.status_code == 200 and sent.json()["state"] == "sent_email"
    assert [m["id"] for m in sent.json()["ui"]["messages"]] == [1080003]
    assert names(sent.json()) == [("method", "code"), ("code", None), ("method", "code"), ("email", "ada@example.com")]
    [address] = client.get("/admin/identities").json()[0]["verifiable_addresses"]
    assert address["status"] == "sent" and address["verified"] is False
    code = courier(client).last(to="ada@example.com").code
    wrong = submit(client, flow["id"], {"method": "code", "code": "x" + code})
    assert wrong.status_code == 200 and [m["id"] for m in wrong.json()["ui"]["messages"]] == [4070006]
    done = submit(client, flow["id"], {"method": "code", "code": code})
    assert done.json()["state"] == "passed_challenge" and done.json()["ui"]["method"] == "GET"
    assert [m["id"] for m in done.json()["ui"]["messages"]] == [1080002]
    [address] = client.get("/admin/identities").json()[0]["verifiable_addresses"]
    assert address["status"] == "completed" and address["verified"] is True and address["verified_at"]


def test_a_passed_flow_cannot_be_submitted_again(client: TestClient) -> None:
    """Verify: StatePassedChallenge → retryVerificationFlowWithMessage: JSON gets 410
    self_service_flow_replaced with the new flow (4070002)."""
    flow = client.get("/self-service/verification/api").json()
    submit(client, flow["id"], {"method": "code", "email": "ada@example.com"})
    submit(client, flow["id"], {"method": "code", "code": courier(client).last().code})
    again = submit(client, flow["id"], {"method": "code", "code": "123456"}, **JSON)
    assert again.status_code == 410 and again.json()["error"]["id"] == "self_service_flow_replaced"
    replacement = client.get("/self-service/verification/flows", params={"id": again.json()["use_flow_id"]}).json()
    assert [m["id"] for m in replacement["ui"]["messages"]] == [4070002]


def test_unknown_addresses_get_the_same_answer_and_no_mail(client: TestClient) -> None:
    flow = client.get("/self-service/verification/api").json()
    sent = submit(client, flow["id"], {"method": "code", "email": "nobody@example.com"})
    assert sent.json()["state"] == "sent_email" and len(courier(client)) == 0


def test_missing_email_is_a_flow_message(client: TestClient) -> None:
    flow = client.get("/self-service/verification/api").json()
    response = submit(client, flow["id"], {"method": "code"})
    assert response.status_code == 400
    email = next(n for n in response.json()["ui"]["nodes"] if n["attributes"]["name"] == "email")
    assert [m["id"] for m in email["messages"]] == [4000002]


def test_expired_flow_sends_the_client_to_a_new_one(client: TestClient) -> None:
    """verification/error.go WriteFlowError with an ExpiredError: a new flow with 4070005; api
    flows are redirected (303) to it."""
    flow = client.get("/self-service/verification/api").json()
    client.app.store.clock.advance("61m")  # type: ignore[attr-defined]
    body = {"method": "code", "email": "ada@example.com"}
    response = client.post("/self-service/verification", params={"flow": flow["id"]}, json=body, follow_redirects=False)
    assert response.status_code == 303
    fresh = client.get(response.headers["location"]).json()
    assert fresh["id"] != flow["id"] and [m["id"] for m in fresh["ui"]["messages"]] == [4070005]


def test_browser_flow_needs_the_csrf_token(client: TestClient) -> None:
    """Browser flows: the CSRF cookie at creation, the token in the body (flow.EnsureCSRF)."""
    flow = client.get("/self-service/verification/browser", headers=JSON).json()
    token = dict(names(flow))["csrf_token"]
    refused = submit(client, flow["id"], {"method": "code", "email": "ada@example.com"}, **JSON)
    assert refused.status_code == 403 and refused.json()["error"]["id"] == "security_csrf_violation"
    sent = submit(client, flow["id"], {"method": "code", "email": "ada@example.com", "csrf_token": token}, **JSON)
    assert sent.status_code == 200 and sent.json()["state"] == "sent_email"
    redirected = client.get("/self-service/verification/browser", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("https://www.ory.sh/kratos/docs/fallback/verification?flow=")


def test_registration_sends_the_verification() -> None:
    """hook/verification.go do: a verification flow in sent_email for the first unverified
    address, its code mailed; show_verification_ui lists it in continue_with (no url for api)."""
    hooks = {"after": {"password": {"hooks": [{"hook": "show_verification_ui"}]}}}
    config = {**ON, "selfservice": {"flows": {**ON["selfservice"]["flows"], "registration": hooks}}}
    client = make(config)
    flow = client.get("/self-service/registration/api").json()
    body = {"method": "password", "traits": {"email": "ada@example.com"}, "password": "correct horse battery staple"}
    done = client.post("/self-service/registration", params={"flow": flow["id"]}, json=body).json()
    [item] = done["continue_with"]
    assert item["action"] == "show_verification_ui" and item["flow"]["verifiable_address"] == "ada@example.com"
    assert "url" not in item["flow"]
    pending = client.get("/self-service/verification/flows", params={"id": item["flow"]["id"]}).json()
    assert pending["state"] == "sent_email"
    code = courier(client).last(to="ada@example.com", template_type="verification_code_valid").code
    verified = submit(client, pending["id"], {"method": "code", "code": code})
    assert verified.json()["state"] == "passed_challenge"


def test_registration_without_the_hook_still_mails_but_lists_nothing() -> None:
    client = make()
    flow = client.get("/self-service/registration/api").json()
    body = {"method": "password", "traits": {"email": "ada@example.com"}, "password": "correct horse battery staple"}
    done = client.post("/self-service/registration", params={"flow": flow["id"]}, json=body).json()
    assert done["continue_with"] is None
    assert courier(client).last(to="ada@example.com").template_type == "verification_code_valid"


def test_too_many_codes_replace_the_flow(client: TestClient) -> None:
    """useOneTimeCode: the 6th submission (max_submissions 5) → retryVerificationFlowWithError."""
    flow = client.get("/self-service/verification/api").json()
    submit(client, flow["id"], {"method": "code", "email": "ada@example.com"})
    for _ in range(5):
        assert submit(client, flow["id"], {"method": "code", "code": "1"}).status_code == 200
    response = submit(client, flow["id"], {"method": "code", "code": courier(client).last().code}, **JSON)
    assert response.status_code == 410 and response.json()["error"]["id"] == "self_service_flow_replaced"
    fresh = client.get("/self-service/verification/flows", params={"id": response.json()["use_flow_id"]}).json()
    assert fresh["ui"]["messages"][0]["text"] == "The request was submitted too often. Please request another code."


def test_link_method_mails_a_link_whose_token_verifies() -> None:
    """strategy/link/strategy_verification.go: verification_valid with ?flow=&token=; the token
    verifies the address; a used token starts a new flow (4070001)."""
    cfg: dict[str, Any] = {
        "dev": True,
        "selfservice": {
            "flows": {"verification": {"enabled": True, "use": "link"}},
            "methods": {"link": {"enabled": True}},
        },
    }
    client = make(cfg)
    body = {"schema_id": "default", "traits": {"email": "ada@example.com"}}
    assert client.post("/admin/identities", json=body).status_code == 201
    flow = client.get("/self-service/verification/api").json()
    assert flow["active"] == "link" and dict(names(flow))["method"] == "link"
    sent = submit(client, flow["id"], {"method": "link", "email": "ada@example.com"})
    assert sent.json()["state"] == "sent_email" and [m["id"] for m in sent.json()["ui"]["messages"]] == [1080001]
    mail = courier(client).last(to="ada@example.com")
    assert mail.template_type == "verification_valid" and mail.link in mail.body
    done = client.post(mail.link, json={"method": "link"})
    assert done.json()["state"] == "passed_challenge"
    assert client.get("/admin/identities").json()[0]["verifiable_addresses"][0]["verified"] is True
    again = client.post(mail.link, json={"method": "link"}, headers=JSON)
    assert again.status_code == 410
    fresh = client.get("/self-service/verification/flows", params={"id": again.json()["use_flow_id"]}).json()
    assert [m["id"] for m in fresh["ui"]["messages"]] == [4070001]


def test_browser_registration_hands_the_verification_flow_its_csrf_cookie() -> None:
    """hook/verification.go regenerates the CSRF token for a browser registration; the new cookie
    goes out with the response, so the same browser can open and submit the verification flow."""
    hooks = {"after": {"password": {"hooks": [{"hook": "session"}, {"hook": "show_verification_ui"}]}}}
    config = {**ON, "selfservice": {"flows": {**ON["selfservice"]["flows"], "registration": hooks}}}
    client = make(config)
    flow = client.get("/self-service/registration/browser", headers=JSON).json()
    token = dict(names(flow))["csrf_token"]
    body = {
        "method": "password",
        "traits": {"email": "ada@example.com"},
        "password": "correct horse battery staple",
        "csrf_token": token,
    }
    done = client.post("/self-service/registration", params={"flow": flow["id"]}, json=body, headers=JSON)
    assert done.status_code == 200, done.text
    show, redirect = done.json()["continue_with"]
    assert show["action"] == "show_verification_ui" and redirect["action"] == "redirect_browser_to"
    assert show["flow"]["url"] == f"https://www.ory.sh/kratos/docs/fallback/verification?flow={show['flow']['id']}"
    pending = client.get("/self-service/verification/flows", params={"id": show["flow"]["id"]}, headers=JSON)
    assert pending.status_code == 200, pending.text
    code = courier(client).last(to="ada@example.com").code
    body = {"method": "code", "code": code, "csrf_token": dict(names(pending.json()))["csrf_token"]}
    verified = submit(client, show["flow"]["id"], body, **JSON)
    assert verified.status_code == 200 and verified.json()["state"] == "passed_challenge"
    assert client.get("/sessions/whoami").status_code == 200
