"""Passwordless registration by code (selfservice/strategy/code/strategy_registration.go Register,
registrationSendEmail, registrationVerifyCode; PopulateRegistrationMethodCredentials at v26.2.0)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.courier import Courier

CODE: dict[str, Any] = {"dev": True, "selfservice": {"methods": {"code": {"passwordless_enabled": True}}}}
ADA = {"email": "ada@example.com"}


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(seed=10, config=CODE), base_url="http://127.0.0.1:4434", follow_redirects=False)


def submit(client: TestClient, flow_id: str, body: dict[str, Any]) -> Any:
    return client.post("/self-service/registration", params={"flow": flow_id}, json=body)


def messages(response: Any) -> list[int]:
    return [m["id"] for m in response.json()["ui"].get("messages", [])]


def code_of(client: TestClient) -> str:
    return Courier(client.app.store).last(template_type="registration_code_valid").code  # type: ignore[attr-defined]


def test_sign_up_by_code(client: TestClient) -> None:
    """Step one: 400 with the flow (sent_email, 1040005) and registration_code_valid; step two:
    the identity, its address verified, a code session (AMR ``code``)."""
    flow = client.get("/self-service/registration/api").json()
    sent = submit(client, flow["id"], {"method": "code", "traits": ADA})
    assert sent.status_code == 400 and sent.json()["state"] == "sent_email" and messages(sent) == [1040005]
    names = [(n["attributes"]["name"], n["attributes"].get("value")) for n in sent.json()["ui"]["nodes"]]
    assert ("traits.email", "ada@example.com") in names and ("code", None) in names and ("resend", "code") in names
    mail = Courier(client.app.store).last(to="ada@example.com")  # type: ignore[attr-defined]
    assert mail.template_type == "registration_code_valid"
    assert mail.subject == f"Use code {mail.code} to complete your account registration"
    done = submit(client, flow["id"], {"method": "code", "traits": ADA, "code": mail.code})
    assert done.status_code == 200, done.text
    identity = done.json()["identity"]
    assert identity["traits"] == ADA and identity["verifiable_addresses"][0]["verified"] is True
    assert client.get(f"/admin/identities/{identity['id']}").json()["state"] == "active"


def test_wrong_code_and_changed_traits(client: TestClient) -> None:
    """4040003 for a wrong code, 4000036 when the traits differ from step one."""
    flow = client.get("/self-service/registration/api").json()
    submit(client, flow["id"], {"method": "code", "traits": ADA})
    wrong = submit(client, flow["id"], {"method": "code", "traits": ADA, "code": "000000x"})
    assert wrong.status_code == 400 and messages(wrong) == [4040003]
    other = {"email": "eve@example.com"}
    changed = submit(client, flow["id"], {"method": "code", "traits": other, "code": code_of(client)})
    assert changed.status_code == 400 and messages(changed) == [4000036]


def test_resend_replaces_the_code(client: TestClient) -> None:
    flow = client.get("/self-service/registration/api").json()
    submit(client, flow["id"], {"method": "code", "traits": ADA})
    first = code_of(client)
    submit(client, flow["id"], {"method": "code", "traits": ADA, "resend": "code"})
    second = code_of(client)
    assert len(Courier(client.app.store).messages(template_type="registration_code_valid")) == 2  # type: ignore[attr-defined]
    if first != second:
        assert messages(submit(client, flow["id"], {"method": "code", "traits": ADA, "code": first})) == [4040003]
    assert submit(client, flow["id"], {"method": "code", "traits": ADA, "code": second}).status_code == 200


def test_taken_address_is_refused_at_the_end(client: TestClient) -> None:
    assert client.post("/admin/identities", json={"schema_id": "default", "traits": ADA}).status_code == 201
    flow = client.get("/self-service/registration/api").json()
    submit(client, flow["id"], {"method": "code", "traits": ADA})
    taken = submit(client, flow["id"], {"method": "code", "traits": ADA, "code": code_of(client)})
    assert taken.status_code == 400 and messages(taken) == [4000007]


def test_the_credential_step_offers_the_code(client: TestClient) -> None:
    """profile_first: after the profile step the code button (1040006) sits beside the password."""
    flow = client.get("/self-service/registration/api").json()
    step = submit(client, flow["id"], {"method": "profile", "traits": ADA})
    labels = {n["meta"].get("label", {}).get("id") for n in step.json()["ui"]["nodes"] if n["group"] == "code"}
    assert labels == {1040006}


def test_off_by_default() -> None:
    client = TestClient(create_app(seed=10), base_url="http://127.0.0.1:4434")
    flow = client.get("/self-service/registration/api").json()
    response = submit(client, flow["id"], {"method": "code", "traits": ADA})
    assert response.status_code == 400 and messages(response) == [4010003]
