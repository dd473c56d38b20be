"""Recovery flows, code and link, api and browser (selfservice/flow/recovery/handler.go;
strategy/code/strategy_recovery.go Recover, recoveryHandleFormSubmission, recoveryUseCode,
recoveryIssueSession; strategy/link/strategy_recovery.go; strategy_recovery_admin.go at v26.2.0)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.courier import Courier

PASSWORD = "correct horse battery staple"
JSON = {"Accept": "application/json"}


def config(**recovery: Any) -> dict[str, Any]:
    return {"dev": True, "selfservice": {"flows": {"recovery": {"enabled": True, **recovery}}}}


def make(cfg: dict[str, Any]) -> TestClient:
    client = TestClient(create_app(seed=6, config=cfg), base_url="http://127.0.0.1:4434", follow_redirects=False)
    body = {
        "schema_id": "default",
        "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    assert client.post("/admin/identities", json=body).status_code == 201
    return client


@pytest.fixture
def client() -> TestClient:
    return make(config())


def submit(client: TestClient, flow_id: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/self-service/recovery", params={"flow": flow_id}, json=body, headers=headers)


def last_code(client: TestClient) -> str:
    return Courier(client.app.store).last(template_type="recovery_code_valid").code  # type: ignore[attr-defined]


def ask(client: TestClient, flow: dict[str, Any], **headers: str) -> dict[str, Any]:
    token = next(
        (n["attributes"].get("value") for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token"), ""
    )
    response = submit(
        client, flow["id"], {"method": "code", "email": "ada@example.com", "csrf_token": token}, **headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_api_flow_has_the_code_form(client: TestClient) -> None:
    """PopulateRecoveryMethod: csrf_token (empty for api), email, method=code "Continue"."""
    flow = client.get("/self-service/recovery/api").json()
    assert flow["active"] == "code" and flow["state"] == "choose_method"
    assert [(n["attributes"]["name"], n["attributes"].get("value")) for n in flow["ui"]["nodes"]] == [
        ("csrf_token", ""),
        ("email", None),
        ("method", "code"),
    ]


def test_sent_email_form(client: TestClient) -> None:
    """recoveryHandleFormSubmission: the code input (pattern, maxlength 6), resend button, 1060003."""
    flow = client.get("/self-service/recovery/api").json()
    sent = ask(client, flow)
    assert sent["state"] == "sent_email" and [m["id"] for m in sent["ui"]["messages"]] == [1060003]
    code = next(n for n in sent["ui"]["nodes"] if n["attributes"]["name"] == "code")["attributes"]
    assert code == {
        "name": "code", "type": "text", "required": True, "pattern": "[0-9]+", "disabled": False, "maxlength": 6,
        "node_type": "input",
    }  # fmt: skip
    resend = sent["ui"]["nodes"][-1]
    assert resend["attributes"]["name"] == "email" and resend["attributes"]["value"] == "ada@example.com"


def test_without_transitions_json_gets_422_to_the_settings_ui(client: TestClient) -> None:
    """recoveryIssueSession without use_continue_with_transitions: JSON → 422
    browser_location_change_required pointing at the settings UI; the recovery address verified."""
    flow = client.get("/self-service/recovery/api").json()
    ask(client, flow)
    response = submit(client, flow["id"], {"method": "code", "code": last_code(client)}, **JSON)
    assert response.status_code == 422
    error = response.json()
    assert error["error"]["id"] == "browser_location_change_required"
    assert error["redirect_browser_to"].startswith("https://www.ory.sh/kratos/docs/fallback/settings?flow=")
    [address] = client.get("/admin/identities").json()[0]["verifiable_addresses"]
    assert address["verified"] is True  # markRecoveryAddressVerified


def test_wrong_code_stays_on_the_flow(client: TestClient) -> None:
    flow = client.get("/self-service/recovery/api").json()
    ask(client, flow)
    wrong = submit(client, flow["id"], {"method": "code", "code": "12345x"})
    assert wrong.status_code == 200 and [m["id"] for m in wrong.json()["ui"]["messages"]] == [4060006]


def test_disabled_and_logged_in() -> None:
    """createNativeRecoveryFlow: disabled → 400; a session → session_already_available."""
    off = TestClient(create_app(seed=6), base_url="http://127.0.0.1:4434")
    disabled = off.get("/self-service/recovery/api", headers=JSON)
    assert disabled.json()["error"]["reason"] == "Recovery is not allowed because it was disabled."
    client = make(config())
    flow = client.get("/self-service/login/api").json()
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD}
    token = client.post("/self-service/login", params={"flow": flow["id"]}, json=body).json()["session_token"]
    refused = client.get("/self-service/recovery/api", headers={"X-Session-Token": token})
    assert refused.status_code == 400 and refused.json()["error"]["id"] == "session_already_available"


def test_browser_recovery_logs_in_with_a_cookie_and_redirects_to_settings() -> None:
    """Browser flows: the CSRF token is required, success sets the session cookie and sends the
    browser (non-JSON) to the settings UI with a 303."""
    client = make(config())
    client.cookies.clear()
    flow = client.get("/self-service/recovery/browser", headers=JSON).json()
    sent = ask(client, flow, **JSON)
    token = next(n for n in sent["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
    body = {"method": "code", "code": last_code(client), "csrf_token": token}
    response = client.post("/self-service/recovery", params={"flow": flow["id"]}, data=body)
    assert response.status_code == 303
    assert response.headers["location"].startswith("https://www.ory.sh/kratos/docs/fallback/settings?flow=")
    assert any(c.startswith("ory_kratos_session=") for c in response.headers.get_list("set-cookie"))
    whoami = client.get("/sessions/whoami")
    assert whoami.status_code == 200
    assert [m["method"] for m in whoami.json()["authentication_methods"]] == ["code_recovery"]


def test_admin_code_flow_skips_csrf_and_takes_the_code(client: TestClient) -> None:
    """createRecoveryCodeForIdentity: a browser flow in sent_email whose CSRF check is skipped."""
    ada = client.get("/admin/identities").json()[0]["id"]
    grant = client.post("/admin/recovery/code", json={"identity_id": ada}).json()
    flow_id = grant["recovery_link"].split("flow=")[1]
    flow = client.get("/self-service/recovery/flows", params={"id": flow_id})
    assert flow.status_code == 403  # the browser flow's CSRF token is not this client's
    response = submit(client, flow_id, {"method": "code", "code": grant["recovery_code"]}, **JSON)
    assert response.status_code == 422 and response.json()["error"]["id"] == "browser_location_change_required"


def test_link_method_mails_a_link_whose_token_recovers() -> None:
    """strategy/link: recovery_valid with <public>/self-service/recovery?flow=&token=; the token,
    submitted, recovers the account (a link_recovery session)."""
    cfg = config(use="link")
    cfg["selfservice"]["methods"] = {"link": {"enabled": True}}
    cfg["feature_flags"] = {"use_continue_with_transitions": True}
    client = make(cfg)
    flow = client.get("/self-service/recovery/api").json()
    assert flow["active"] == "link"
    sent = submit(client, flow["id"], {"method": "link", "email": "ada@example.com", "csrf_token": ""})
    assert sent.json()["state"] == "sent_email" and [m["id"] for m in sent.json()["ui"]["messages"]] == [1060002]
    mail = Courier(client.app.store).last(to="ada@example.com")  # type: ignore[attr-defined]
    assert mail.template_type == "recovery_valid" and mail.link in mail.body
    assert mail.link.startswith(f"http://127.0.0.1:4434/self-service/recovery?flow={flow['id']}&token=")
    done = client.post(mail.link, json={"method": "link"})
    assert done.status_code == 200 and done.json()["state"] == "passed_challenge"
    actions = [item["action"] for item in done.json()["continue_with"]]
    assert actions == ["set_ory_session_token", "show_settings_ui"]


def test_browser_recovery_then_settings_with_the_new_csrf_cookie() -> None:
    """recoveryIssueSession regenerates the CSRF token; the settings flow carries the new one, so
    the browser can fetch and submit it with the cookies it just got."""
    client = make(config())
    client.cookies.clear()
    flow = client.get("/self-service/recovery/browser", headers=JSON).json()
    sent = ask(client, flow, **JSON)
    token = next(n for n in sent["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
    done = submit(client, flow["id"], {"method": "code", "code": last_code(client), "csrf_token": token}, **JSON)
    assert done.status_code == 422
    settings_id = done.json()["redirect_browser_to"].split("flow=")[1]
    settings = client.get("/self-service/settings/flows", params={"id": settings_id}, headers=JSON)
    assert settings.status_code == 200, settings.text
    assert [m["id"] for m in settings.json()["ui"]["messages"]] == [1060001]
    csrf = next(n for n in settings.json()["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")
    change = {"method": "password", "password": "a new and long passphrase", "csrf_token": csrf["attributes"]["value"]}
    changed = client.post("/self-service/settings", params={"flow": settings_id}, json=change, headers=JSON)
    assert changed.status_code == 200 and changed.json()["state"] == "success"


def test_admin_recovery_link_recovers(client: TestClient) -> None:
    """createRecoveryLinkForIdentity: the link's flow takes its token (a link_recovery session)."""
    ada = client.get("/admin/identities").json()[0]["id"]
    link = client.post("/admin/recovery/link", json={"identity_id": ada}).json()["recovery_link"]
    assert link.startswith("http://127.0.0.1:4434/self-service/recovery?flow=")
    done = client.post(link, json={"method": "link"}, headers=JSON)
    assert done.status_code == 422 and done.json()["error"]["id"] == "browser_location_change_required"
    reused = client.post(link, json={"method": "link"}, headers=JSON)
    assert reused.status_code == 303  # retryRecoveryFlow: the token was used (4060004 on the new flow)
    fresh_id = reused.headers["location"].split("id=")[1]  # a browser flow: read it from the store
    fresh = client.app.store.find_flow(fresh_id).document  # type: ignore[attr-defined]
    assert [m["id"] for m in fresh["ui"]["messages"]] == [4060004]


def test_an_expired_flow_is_410_without_an_error_id(client: TestClient) -> None:
    """recovery/handler.go getRecoveryFlow: ErrGone with the init URL, no id (login's has one)."""
    flow = client.get("/self-service/recovery/api").json()
    client.app.store.clock.advance("61m")  # type: ignore[attr-defined]
    gone = client.get("/self-service/recovery/flows", params={"id": flow["id"]})
    assert gone.status_code == 410
    error = gone.json()["error"]
    assert "id" not in error and error["details"] == {"api": "http://127.0.0.1:4434/self-service/recovery/api"}
    assert error["reason"] == (
        "The recovery flow has expired. Call the recovery flow init API endpoint to initialize a new recovery flow."
    )
