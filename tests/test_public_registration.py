"""Native registration flows, one test per Kratos v26.2.0 rule, each naming the Go function it
follows (selfservice/flow/registration/*.go, strategy/password/registration.go and validator.go,
strategy/profile/registration.go, hook/session_issuer.go)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from mockserver.app import KratosMockApp
from mockserver.kratos_config import PasswordPolicy
from mockserver.selfservice import passwords

PASSWORD = "correct horse battery staple"
BASE = "http://127.0.0.1:4434"


def start(client: TestClient) -> dict[str, Any]:
    response = client.get("/self-service/registration/api")
    assert response.status_code == 200, response.text
    return response.json()


def submit(client: TestClient, flow_id: str, body: dict[str, Any]) -> Any:
    return client.post("/self-service/registration", params={"flow": flow_id}, json=body)


def password_body(email: str = "ada@example.com", password: str = PASSWORD, **traits: Any) -> dict[str, Any]:
    return {"method": "password", "traits": {"email": email, **traits}, "password": password}


def names(flow: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(n["group"], n["attributes"]["name"], n["attributes"]["type"]) for n in flow["ui"]["nodes"]]


def node(flow: dict[str, Any], name: str) -> dict[str, Any]:
    return next(n for n in flow["ui"]["nodes"] if n["attributes"].get("name") == name)


def test_profile_first_flow_shape(client: TestClient) -> None:
    """registration/handler.go NewRegistrationFlow with style profile_first (the default): the
    profile strategy's form (traits from the identity schema, in schema order) and no password."""
    flow = start(client)
    assert flow["type"] == "api" and flow["state"] == "choose_method" and flow["organization_id"] is None
    assert "created_at" not in flow and "refresh" not in flow
    assert names(flow) == [
        ("default", "csrf_token", "hidden"),
        ("default", "traits.email", "email"),
        ("default", "traits.name.first", "text"),
        ("default", "traits.name.last", "text"),
        ("profile", "method", "submit"),
    ]
    email = node(flow, "traits.email")
    assert email["attributes"] == {
        "name": "traits.email",
        "type": "email",
        "required": True,
        "autocomplete": "email",
        "disabled": False,
        "node_type": "input",
    }
    assert node(flow, "method")["meta"]["label"] == {"id": 1040001, "text": "Sign up", "type": "info"}


def test_one_step_flow_shape(serve: Any) -> None:
    """registration/sort.go SortNodes with ui/node/helper.go PasswordLoginOrder: the password
    after the first trait (enable_legacy_one_step)."""
    _, client = serve(seed=1, config={"selfservice": {"flows": {"registration": {"enable_legacy_one_step": True}}}})
    assert names(start(client)) == [
        ("default", "csrf_token", "hidden"),
        ("default", "traits.email", "email"),
        ("password", "password", "password"),
        ("default", "traits.name.first", "text"),
        ("default", "traits.name.last", "text"),
        ("password", "method", "submit"),
    ]


def test_two_steps(client: TestClient) -> None:
    """profile/registration.go showCredentialsSelection (400 + flow, traits hidden, password form,
    "Back", 1040009) and returnToProfileForm (screen=previous)."""
    flow = start(client)
    step = submit(client, flow["id"], {"method": "profile", "traits": {"email": "ada@example.com"}})
    assert step.status_code == 400
    chosen = step.json()
    assert chosen["ui"]["messages"] == [
        {"id": 1040009, "text": "Please choose a credential to authenticate yourself with.", "type": "info"}
    ]
    assert node(chosen, "traits.email")["attributes"]["type"] == "hidden"
    assert node(chosen, "traits.email")["attributes"]["value"] == "ada@example.com"
    assert [n[1] for n in names(chosen)][-2:] == ["method", "screen"]
    back = submit(client, flow["id"], {"method": "profile", "screen": "previous", "traits": {"email": "a@b.c"}}).json()
    assert node(back, "traits.email")["attributes"]["type"] == "email"
    assert node(back, "traits.email")["attributes"]["value"] == "a@b.c"
    assert "messages" not in back["ui"] and names(back)[-1] == ("profile", "method", "submit")
    done = submit(client, flow["id"], password_body())
    assert done.status_code == 200 and done.json()["identity"]["traits"] == {"email": "ada@example.com"}


def test_success_without_session_hook(app: KratosMockApp, client: TestClient) -> None:
    """registration/hook.go PostRegistrationHook: the identity (active, with addresses), no session
    in the answer, yet a session is stored (it shows in the admin API)."""
    response = submit(client, start(client)["id"], password_body())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"identity", "continue_with"} and body["continue_with"] is None
    identity = body["identity"]
    assert identity["state"] == "active" and "credentials" not in identity
    assert identity["verifiable_addresses"][0]["value"] == "ada@example.com"
    sessions = client.get(f"/admin/identities/{identity['id']}/sessions").json()
    assert len(sessions) == 1 and sessions[0]["authentication_methods"][0]["method"] == "password"


def test_success_with_session_hook(serve: Any) -> None:
    """hook/session_issuer.go executePostRegistrationPostPersistHook (api): session_token, session,
    identity and a set_ory_session_token continue_with."""
    config = {"selfservice": {"flows": {"registration": {"after": {"hooks": [{"hook": "session"}]}}}}}
    _, client = serve(seed=1, config=config)
    body = submit(client, start(client)["id"], password_body()).json()
    assert list(body) == ["session_token", "session", "identity", "continue_with"]
    assert body["continue_with"] == [{"action": "set_ory_session_token", "ory_session_token": body["session_token"]}]
    whoami = client.get("/sessions/whoami", headers={"Authorization": f"Bearer {body['session_token']}"})
    assert whoami.json()["identity"]["id"] == body["identity"]["id"]


def test_duplicate_registration(client: TestClient) -> None:
    """identity/manager.go Create → schema/errors.go NewDuplicateCredentialsError: 4000007."""
    assert submit(client, start(client)["id"], password_body()).status_code == 200
    response = submit(client, start(client)["id"], password_body("ADA@example.com"))
    assert response.status_code == 400
    assert response.json()["ui"]["messages"] == [
        {
            "id": 4000007,
            "text": "An account with the same identifier (email, phone, username, ...) exists already.",
            "type": "error",
        }
    ]
    assert node(response.json(), "traits.email")["attributes"]["value"] == "ADA@example.com"


def test_short_password(client: TestClient) -> None:
    """password/validator.go validate: 4000032 on ``password`` (a new text node in group default,
    as the profile-first form has no password input: container.go AddMessage)."""
    answered = submit(client, start(client)["id"], password_body(password="short")).json()
    password = node(answered, "password")
    assert password["group"] == "default" and password["attributes"]["type"] == "text"
    assert password["messages"] == [
        {
            "id": 4000032,
            "text": "The password must be at least 8 characters long, but got 5.",
            "type": "error",
            "context": {"min_length": 8, "actual_length": 5},
        }
    ]
    assert [n[1] for n in names(answered)][:3] == ["csrf_token", "traits.email", "password"]


def test_password_too_similar_to_identifier(client: TestClient) -> None:
    """password/validator.go validate: Levenshtein distance < 5 or common substring > 50%."""
    answered = submit(client, start(client)["id"], password_body(password="ada@example.com1")).json()
    assert node(answered, "password")["messages"][0]["id"] == 4000031


def test_password_policy_rules() -> None:
    """validator.go validate: lengths in bytes; the breach check as without network."""
    policy = PasswordPolicy()
    short = passwords.policy_violation("ada@example.com", "ünïc", policy)
    assert short is not None and short["context"] == {"min_length": 8, "actual_length": 6}  # 4 runes, 6 bytes
    assert passwords.policy_violation("ada@example.com", "ünïcödé!", policy) is None
    assert passwords.policy_violation("ada@example.com", PASSWORD, policy) is None
    offline = PasswordPolicy(ignore_network_errors=False)
    assert passwords.policy_violation("ada@example.com", PASSWORD, offline)["id"] == 4000005  # type: ignore[index]
    assert passwords.policy_violation("", "x" * 8, PasswordPolicy(haveibeenpwned_enabled=False)) is None
    assert passwords.bcrypt_violation("x" * 73)["id"] == 4000033  # type: ignore[index]


def test_trait_validation(client: TestClient) -> None:
    """registration/decoder.go DecodeBody + container.go translateValidationError."""
    answered = submit(client, start(client)["id"], {"method": "password", "traits": {}, "password": PASSWORD}).json()
    assert node(answered, "traits.email")["messages"] == [
        {"id": 4000002, "text": "Property email is missing.", "type": "error", "context": {"property": "email"}}
    ]
    answered = submit(client, start(client)["id"], password_body("not-an-email")).json()
    assert node(answered, "traits.email")["messages"] == [
        {"id": 4000040, "text": "Enter a valid email address", "type": "error", "context": {"value": "not-an-email"}}
    ]


def test_unknown_method_and_disabled_registration(client: TestClient, serve: Any) -> None:
    """registration/handler.go: 4010003 without a responsible strategy; registration/error.go
    ErrRegistrationDisabled at init."""
    answered = submit(client, start(client)["id"], {"method": "magic"}).json()
    assert [m["id"] for m in answered["ui"]["messages"]] == [4010003]
    _, disabled = serve(seed=1, config={"selfservice": {"flows": {"registration": {"enabled": False}}}})
    response = disabled.get("/self-service/registration/api")
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "self_service_flow_disabled"
    assert response.json()["error"]["reason"] == "Registration is not allowed because it was disabled."


def test_expired_registration_flow(app: KratosMockApp, client: TestClient) -> None:
    """registration/handler.go getRegistrationFlow (410) and registration/error.go's replacement."""
    flow = start(client)
    app.store.clock.advance(timedelta(hours=2))
    gone = client.get("/self-service/registration/flows", params={"id": flow["id"]})
    assert gone.status_code == 410 and gone.json()["error"]["details"] == {
        "api": f"{BASE}/self-service/registration/api"
    }
    response = submit(client, flow["id"], password_body())
    assert response.status_code == 410
    fresh = client.get("/self-service/registration/flows", params={"id": response.json()["use_flow_id"]}).json()
    assert fresh["ui"]["messages"][0]["id"] == 4040001
    assert fresh["ui"]["messages"][0]["text"] == "The registration flow expired 60.00 minutes ago, please try again."


def test_logged_in_cannot_register(client: TestClient) -> None:
    """registration/handler.go: IsNotAuthenticated on init (400 session_already_available) and on
    submit (JSON requests: the same envelope)."""
    config_body = password_body()
    flow = start(client)
    submit(client, flow["id"], config_body)
    login = client.get("/self-service/login/api").json()
    token = client.post(
        "/self-service/login",
        params={"flow": login["id"]},
        json={"method": "password", "identifier": "ada@example.com", "password": PASSWORD},
    ).json()["session_token"]
    init = client.get("/self-service/registration/api", headers={"X-Session-Token": token})
    assert init.status_code == 400
    assert init.json()["error"]["reason"] == "A valid session was detected and thus registration is not possible."
    again = client.post(
        "/self-service/registration",
        params={"flow": start(client)["id"]},
        json=config_body,
        headers={"X-Session-Token": token},
    )
    assert again.status_code == 400 and again.json()["error"]["id"] == "session_already_available"
