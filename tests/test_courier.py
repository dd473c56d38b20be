"""The courier (courier/handler.go, persister_courier.go, the built-in templates at v26.2.0): what
the flows queue, the admin API that lists it, redaction unless dev, and the test's view of it
(``mockserver.courier``, ``GET /__mock__/courier``)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.courier import Courier
from mockserver.selfservice import messages

RECOVERY = {"selfservice": {"flows": {"recovery": {"enabled": True}}}}


def client_for(config: dict[str, Any]) -> TestClient:
    return TestClient(create_app(seed=3, config=config), base_url="http://127.0.0.1:4434")


def seed(client: TestClient, email: str) -> None:
    body = {"schema_id": "default", "traits": {"email": email}}
    assert client.post("/admin/identities", json=body).status_code == 201


def ask_recovery(client: TestClient, email: str) -> None:
    flow = client.get("/self-service/recovery/api").json()
    response = client.post(f"/self-service/recovery?flow={flow['id']}", json={"method": "code", "email": email})
    assert response.status_code == 200 and response.json()["state"] == "sent_email"


@pytest.fixture
def client() -> TestClient:
    c = client_for(RECOVERY)
    for email in ("ada@example.com", "bob@example.com", "cy@example.com"):
        seed(c, email)
        ask_recovery(c, email)
    return c


def test_messages_are_redacted_unless_dev(client: TestClient) -> None:
    """courier/handler.go listCourierMessages: subject and body replaced unless --dev."""
    listed = client.get("/admin/courier/messages").json()
    assert [m["recipient"] for m in listed] == ["cy@example.com", "bob@example.com", "ada@example.com"]
    assert {m["subject"] for m in listed} == {m["body"] for m in listed} == {"<redacted-unless-dev-mode>"}
    assert list(listed[0]) == [
        "id", "status", "type", "recipient", "body", "subject", "template_type", "channel", "send_count",
        "created_at", "updated_at",
    ]  # fmt: skip
    one = client.get(f"/admin/courier/messages/{listed[0]['id']}").json()
    assert one["subject"] == "<redacted-unless-dev-mode>" and one["template_type"] == "recovery_code_valid"


def test_dev_mode_shows_the_rendered_template() -> None:
    client = client_for({**RECOVERY, "dev": True})
    seed(client, "ada@example.com")
    ask_recovery(client, "ada@example.com")
    [message] = client.get("/admin/courier/messages").json()
    code = Courier(client.app.store).last(to="ada@example.com").code  # type: ignore[attr-defined]
    assert message["subject"] == f"Use code {code} to recover access to your account"
    assert message["body"] == (
        f"Recover access to your account by entering the following code:\n\n{code}\n\n"
        "If this was not you, do nothing. This code expires in 60 minutes.\n"
    )


def test_keyset_pages_and_filters(client: TestClient) -> None:
    """keysetpagination_v2: a first link always, a next link while more remain; exact filters."""
    first = client.get("/admin/courier/messages", params={"page_size": 2})
    assert [m["recipient"] for m in first.json()] == ["cy@example.com", "bob@example.com"]
    links = dict(
        (part.split('rel="')[1].rstrip('"'), part.split(">")[0].lstrip("<"))
        for part in first.headers["link"].split(",")
    )
    assert set(links) == {"first", "next"}
    second = client.get(links["next"])
    assert [m["recipient"] for m in second.json()] == ["ada@example.com"]
    assert 'rel="next"' not in second.headers["link"]
    only_bob = client.get("/admin/courier/messages", params={"recipient": "bob@example.com"}).json()
    assert [m["recipient"] for m in only_bob] == ["bob@example.com"]
    assert client.get("/admin/courier/messages", params={"status": "sent"}).json() == []


def test_bad_parameters_are_kratos_errors(client: TestClient) -> None:
    """parseMessagesFilter (ToMessageStatus) and getCourierMessage (uuid.FromString, then 404)."""
    bad_status = client.get("/admin/courier/messages", params={"status": "lost"})
    assert bad_status.status_code == 400
    assert bad_status.json()["error"]["reason"] == "Message status is not valid"
    malformed = client.get("/admin/courier/messages/abc")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["message"] == 'uuid: incorrect UUID length 3 in string "abc"'
    unknown = client.get("/admin/courier/messages/6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01")
    assert unknown.status_code == 404
    for token in ("%%%", "bm90LWFuLWlk"):  # not base64; base64 of no message id
        broken = client.get("/admin/courier/messages", params={"page_token": token})
        assert broken.status_code == 400 and broken.json()["error"]["code"] == 500  # WriteErrorCode(400, err)


def test_the_test_view_and_the_control_plane(client: TestClient) -> None:
    courier = Courier(client.app.store)  # type: ignore[attr-defined]
    bob = courier.last(to="bob@example.com")
    assert bob.template_type == "recovery_code_valid" and len(bob.code) == 6 and bob.code in bob.subject
    assert [m.recipient for m in courier.messages()] == ["ada@example.com", "bob@example.com", "cy@example.com"]
    with pytest.raises(LookupError, match=r"holds no login_code_valid to ada@example\.com; it holds: recovery_code"):
        courier.last(to="ada@example.com", template_type="login_code_valid")
    listed = client.get("/__mock__/courier", params={"recipient": "bob@example.com"}).json()
    assert [(m["recipient"], m["code"]) for m in listed] == [("bob@example.com", bob.code)]


def test_reset_forgets_the_messages(client: TestClient) -> None:
    assert len(Courier(client.app.store)) == 3  # type: ignore[attr-defined]
    client.post("/__mock__/reset")
    assert client.get("/admin/courier/messages").json() == []


def test_unknown_recipients_get_nothing_unless_notified() -> None:
    """code_sender.go SendRecoveryCode: unknown → ErrUnknownAddress, with notify_unknown_recipients a
    recovery_code_invalid notice."""
    quiet = client_for(RECOVERY)
    ask_recovery(quiet, "nobody@example.com")
    assert quiet.get("/admin/courier/messages").json() == []
    notify = {"selfservice": {"flows": {"recovery": {"enabled": True, "notify_unknown_recipients": True}}}}
    loud = client_for(notify)
    ask_recovery(loud, "nobody@example.com")
    [notice] = loud.get("/admin/courier/messages").json()
    assert notice["template_type"] == "recovery_code_invalid" and notice["recipient"] == "nobody@example.com"


@pytest.mark.parametrize("flow", ["recovery", "verification"])
@pytest.mark.parametrize("use", ["code", "link"])
def test_each_flow_and_method_names_its_unknown_recipient_notice(flow: str, use: str) -> None:
    """code_sender.go SendRecoveryCode/SendVerificationCode (``<flow>_code_invalid``) and
    link/sender.go SendRecoveryLink/SendVerificationLink (``<flow>_invalid``)."""
    config = {"selfservice": {"flows": {flow: {"enabled": True, "use": use, "notify_unknown_recipients": True}}}}
    client = client_for(config)
    started = client.get(f"/self-service/{flow}/api").json()
    answer = client.post(f"/self-service/{flow}?flow={started['id']}", json={"method": use, "email": "no@example.com"})
    assert answer.status_code == 200, answer.text
    [notice] = client.get("/admin/courier/messages").json()
    expected = f"{flow}_code_invalid" if use == "code" else f"{flow}_invalid"
    assert (notice["template_type"], notice["recipient"]) == (expected, "no@example.com")


def test_inline_template_overrides_from_kratos_yml() -> None:
    """courier.templates.recovery_code.valid.email.{subject,body.plaintext} given as base64:// URLs."""
    subject = "base64://" + base64.b64encode(b"Your code: {{ .RecoveryCode }}").decode()
    body = "base64://" + base64.b64encode(b"Hi {{ .To }}, {{ .RecoveryCode }} ({{ .ExpiresInMinutes }} min)").decode()
    templates = {"recovery_code": {"valid": {"email": {"subject": subject, "body": {"plaintext": body}}}}}
    client = client_for({**RECOVERY, "dev": True, "courier": {"templates": templates}})
    seed(client, "ada@example.com")
    ask_recovery(client, "ada@example.com")
    [message] = client.get("/admin/courier/messages").json()
    code = Courier(client.app.store).last().code  # type: ignore[attr-defined]
    assert message["subject"] == f"Your code: {code}"
    assert message["body"] == f"Hi ada@example.com, {code} (60 min)"


def test_render_fills_only_known_fields() -> None:
    rendered = messages.render("login_code_valid", "a@b.c", {"LoginCode": "123456", "ExpiresInMinutes": 15})
    assert rendered.subject == "Use code 123456 to log in" and "It expires in 15 minutes." in rendered.body
    odd = messages.render("login_code_valid", "a@b.c", {}, [("login_code_valid", "subject", "{{ .Nope }} x")])
    assert odd.subject == "{{ .Nope }} x"


def test_codes_come_from_the_seed() -> None:
    """Two mocks with the same seed mail the same codes (Entropy), a third seed another one."""

    def first_code(seed: int) -> str:
        client = TestClient(create_app(seed=seed, config=RECOVERY), base_url="http://127.0.0.1:4434")
        seed_identity = {"schema_id": "default", "traits": {"email": "ada@example.com"}}
        assert client.post("/admin/identities", json=seed_identity).status_code == 201
        ask_recovery(client, "ada@example.com")
        return Courier(client.app.store).last().code  # type: ignore[attr-defined]

    assert first_code(21) == first_code(21)
    assert {first_code(21), first_code(22), first_code(23)} != {first_code(21)}
