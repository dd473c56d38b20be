"""The control plane under ``/__mock__`` (spec/control-plane.yaml) and the request journal."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app, values
from mockserver.app import KratosMockApp, Settings
from mockserver.clock import EPOCH, Entropy, ManualClock
from mockserver.control import JournalEntry, MockController, RequestJournal
from mockserver.export import dump_state
from mockserver.identity_schemas import SchemaRegistry, default_schemas
from mockserver.server import BackgroundServer
from mockserver.store import Store

from .conftest import assert_error, new_identity

BASE_URL = "http://127.0.0.1:4434"
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
MFA = FIXTURES_DIR / "examples" / "mfa.yaml"
ORGANIZATION = FIXTURES_DIR / "examples" / "organization.yaml"
ALAN, ADA = "3c1d0e52-7a4b-4f0e-8d2c-5b6a9e8f7a01", "3c1d0e52-7a4b-4f0e-8d2c-5b6a9e8f7a02"
KATHERINE = "5a7e9c1b-3d5f-4a7c-9e1b-2c4d6e8f0a01"
MFA_SESSION = "7e0a4b1c-2d3e-4f5a-8b6c-9d0e1f2a3b01"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def mfa(serve: Any) -> tuple[KratosMockApp, TestClient]:
    """A seeded app (frozen clock at 2026-01-01T00:00:00Z) with the MFA example loaded and sealed."""
    app, client = serve(seed=3, fixtures=[MFA])
    return app, client


def person(email: str, **extra: Any) -> dict[str, Any]:
    return {"schema_id": "default", "traits": {"email": email}, **extra}


def journal(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/__mock__/requests", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --- reset ---------------------------------------------------------------------------------------


def test_reset_returns_to_the_loaded_fixtures(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    start_state = client.get("/__mock__/state").json()
    first_new = new_identity(client, "later@example.com")
    assert client.delete(f"/admin/identities/{ALAN}").status_code == 204
    assert client.patch(f"/admin/identities/{ADA}", json=[{"op": "replace", "path": "/state", "value": "inactive"}])
    made = client.post("/__mock__/sessions", json={"identity": {"identifier": "later@example.com"}}).json()
    assert client.post("/__mock__/fixtures", json={"identities": [person("loaded@example.com")]}).status_code == 201
    assert client.post("/__mock__/clock", json={"advance": "25h"}).json()["now"] == "2026-01-02T01:00:00Z"
    assert len(journal(client)) == 3

    response = client.post("/__mock__/reset")
    assert response.status_code == 200
    assert response.json()["undone"] >= 5
    assert journal(client) == []  # emptied (and /__mock__ calls are never journaled)
    assert client.get("/__mock__/clock").json() == {"now": "2026-01-01T00:00:00Z", "frozen": True}
    assert client.get("/__mock__/state").json() == start_state
    assert_error(client.get(f"/admin/identities/{first_new['id']}"), 404)
    assert_error(client.get(f"/admin/sessions/{made['id']}"), 404)
    assert client.get(f"/admin/identities/{ALAN}").status_code == 200
    assert client.get(f"/admin/identities/{ADA}").json()["state"] == "active"
    assert client.get(f"/admin/sessions/{MFA_SESSION}").json()["active"] is True
    assert client.get("/admin/identities", params={"credentials_identifier": "loaded@example.com"}).json() == []
    # the random state is back too: the same request makes the same identity again
    assert new_identity(client, "later@example.com")["id"] == first_new["id"]


def test_reset_twice_and_reset_without_changes(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    assert client.post("/__mock__/reset").json() == {"undone": 0}
    new_identity(client, "x@example.com")
    assert client.post("/__mock__/reset").json() == {"undone": 1}
    assert client.post("/__mock__/reset").json() == {"undone": 0}
    assert len(client.get("/admin/identities").json()) == 2


def test_reset_restores_a_running_clock(serve: Any) -> None:
    app, client = serve(fixtures=[MFA])  # no seed: the real clock
    assert client.get("/__mock__/clock").json()["frozen"] is False
    client.post("/__mock__/clock", json={"advance": "240h"})
    assert app.store.clock.now() - datetime.now(UTC) > timedelta(days=9)
    client.post("/__mock__/clock", json={"freeze": True})
    client.post("/__mock__/reset")
    assert client.get("/__mock__/clock").json()["frozen"] is False
    assert abs(app.store.clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


# --- POST /__mock__/fixtures ---------------------------------------------------------------------


def test_post_fixtures_loads_and_counts(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    schema = default_schemas()["default"]
    document = {
        "schemas": {"customer": schema},
        "identities": [
            {"schema_id": "customer", "traits": {"email": "c1@example.com"}, "external_id": "c-1"},
            person("c2@example.com"),
        ],
        "sessions": [{"identity": {"external_id": "c-1"}, "authenticator_assurance_level": "aal2"}],
    }
    response = client.post("/__mock__/fixtures", json=document)
    assert response.status_code == 201, response.text
    assert response.json() == {"schemas": 1, "identities": 2, "sessions": 1, "flows": 0, "errors": 0}
    assert client.get("/schemas/customer").json() == schema
    loaded = client.get("/admin/identities/by/external/c-1").json()
    assert loaded["schema_id"] == "customer"
    [session] = client.get(f"/admin/identities/{loaded['id']}/sessions").json()
    assert session["authenticator_assurance_level"] == "aal2"
    assert client.post("/__mock__/fixtures", json={}).json() == {
        "schemas": 0,
        "identities": 0,
        "sessions": 0,
        "flows": 0,
        "errors": 0,
    }


@pytest.mark.parametrize(
    ("document", "where", "problem"),
    [
        (
            {"identities": [person("a@example.com"), person("b@example.com"), person("c@example.com", traits={})]},
            "$.identities[2]",
            "'email' is a required property",
        ),
        (
            {"identities": [person("ada@example.com")]},  # already in the MFA fixture
            "$.identities[0]",
            "conflicts",
        ),
        (
            {"identities": [person("a@example.com")], "sessions": [{"identity": {"identifier": "zed@example.com"}}]},
            "$.sessions[0].identity.identifier",
            "no identity with identifier 'zed@example.com'",
        ),
        (
            {"sessions": [{"identity": {"identifier": "ada@example.com"}, "authenticator_assurance_level": "aal7"}]},
            "$.sessions[0].authenticator_assurance_level",
            "expected one of",
        ),
        ({"schemas": {"bad": {"type": 12}}}, "$.schemas.bad", "not a valid JSON Schema"),
        ({"default_schema_id": "nope"}, "$.default_schema_id", "no schema 'nope'"),
    ],
    ids=["traits", "conflict", "unknown-identity", "aal", "json-schema", "default-schema"],
)
def test_post_broken_fixtures_is_a_400_naming_the_path_and_changes_nothing(
    mfa: tuple[KratosMockApp, TestClient], document: dict[str, Any], where: str, problem: str
) -> None:
    app, client = mfa
    before = client.get("/__mock__/state").json()
    entropy = app.store.entropy.state()
    response = client.post("/__mock__/fixtures", json=document)
    assert_error(response, 400, reason=f"{where}: ")
    assert problem in response.json()["error"]["reason"]
    assert client.get("/__mock__/state").json() == before
    assert app.store.entropy.state() == entropy


@pytest.mark.parametrize(
    "body",
    [
        b'{"identity": []}',  # unknown top-level key
        b'{"identities": {"a": 1}}',
        b'{"identities": null}',
        b'{"schemas": {"x": "schemas/default.schema.json"}}',  # no file paths over HTTP
        b"[1]",
        b"{not json",
    ],
)
def test_post_fixtures_rejects_malformed_documents(mfa: tuple[KratosMockApp, TestClient], body: bytes) -> None:
    _, client = mfa
    before = client.get("/__mock__/state").json()
    assert_error(client.post("/__mock__/fixtures", content=body, headers={"content-type": "application/json"}), 400)
    assert client.get("/__mock__/state").json() == before


def test_post_fixtures_with_a_malformed_uuid_names_the_path(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    response = client.post("/__mock__/fixtures", json={"identities": [person("u@example.com", id="not-a-uuid")]})
    assert_error(response, 400, reason="$.identities[0].id")


# --- GET /__mock__/state -------------------------------------------------------------------------


def test_get_state_is_the_whole_store_as_a_fixture(serve: Any) -> None:
    app, client = serve(seed=5, fixtures=[MFA, ORGANIZATION])
    new_identity(client, "state@example.com", metadata_public={"k": 1})
    response = client.get("/__mock__/state")
    assert response.status_code == 200
    state = response.json()
    assert state == json.loads(json.dumps(dump_state(app.store)))
    assert set(state) == {"default_schema_id", "schemas", "identities", "sessions"}
    assert state["default_schema_id"] == "employee" and set(state["schemas"]) == {"default", "employee"}
    assert len(state["identities"]) == 5 and len(state["sessions"]) == 3
    by_email = {i["traits"]["email"]: i for i in state["identities"]}
    assert by_email["state@example.com"]["metadata_public"] == {"k": 1}
    assert by_email["alan@example.com"]["credentials"]["password"]["config"]["hashed_password"].startswith("$2a$")
    assert by_email["katherine@corp.example"]["organization_id"] == "9b2d4f6a-8c0e-4a2b-b4d6-f8a0c2e4a6b8"

    # what GET /state returns, POST /fixtures takes: another mock ends up in the same state
    _, other = serve(seed=6)
    assert other.post("/__mock__/fixtures", json=state).status_code == 201
    assert other.get("/__mock__/state").json() == state


# --- POST /__mock__/sessions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        {"identifier": "alan@example.com"},
        {"identifier": " ALAN@Example.com"},
        {"id": ALAN},
        ALAN,
    ],
    ids=["identifier", "identifier-normalised", "id-object", "id-string"],
)
def test_create_session_by_reference(mfa: tuple[KratosMockApp, TestClient], reference: Any) -> None:
    _, client = mfa
    response = client.post("/__mock__/sessions", json={"identity": reference})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("ory_st_") and len(body["token"]) > 20
    assert body["identity"]["id"] == ALAN and body["active"] is True
    assert body["authenticator_assurance_level"] == "aal1"
    assert body["expires_at"] == "2026-01-02T00:00:00Z"  # the 24h lifespan
    fetched = client.get(f"/admin/sessions/{body['id']}", params={"expand": "identity"})
    assert fetched.status_code == 200
    assert fetched.json()["identity"]["id"] == ALAN
    assert body["id"] in [s["id"] for s in client.get(f"/admin/identities/{ALAN}/sessions").json()]


def test_create_session_by_external_id_with_details(serve: Any) -> None:
    _, client = serve(seed=3, fixtures=[ORGANIZATION])
    session_id = "abcdef01-2345-4678-9abc-def012345678"
    response = client.post(
        "/__mock__/sessions",
        json={
            "identity": {"external_id": "hr-1001"},
            "id": session_id,
            "authenticator_assurance_level": "aal2",
            "authentication_methods": [{"method": "saml", "aal": "aal1"}, {"method": "totp", "aal": "aal2"}],
            "devices": [{"ip_address": "192.0.2.1", "user_agent": "test"}],
            "authenticated_at": "2025-12-31T23:00:00Z",
            "expires_at": "2026-01-01T06:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == session_id and body["identity"]["id"] == KATHERINE
    assert body["devices"][0]["ip_address"] == "192.0.2.1"
    fetched = client.get(f"/admin/sessions/{session_id}", params={"expand": "devices"}).json()
    assert fetched["authenticator_assurance_level"] == "aal2"
    assert [m["method"] for m in fetched["authentication_methods"]] == ["saml", "totp"]
    assert (fetched["authenticated_at"], fetched["expires_at"]) == ("2025-12-31T23:00:00Z", "2026-01-01T06:00:00Z")
    assert fetched["devices"][0]["user_agent"] == "test"
    assert_error(client.post("/__mock__/sessions", json={"identity": KATHERINE, "id": session_id}), 409)


def test_create_session_tokens_differ(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    tokens = {client.post("/__mock__/sessions", json={"identity": ADA}).json()["token"] for _ in range(3)}
    assert len(tokens) == 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"identity": {"identifier": "nobody@example.com"}}, "$.identity.identifier: no identity"),
        ({"identity": {"external_id": "nope"}}, "$.identity.external_id: no identity"),
        ({"identity": {"id": UNKNOWN}}, "$.identity.id: no identity"),
        ({"identity": UNKNOWN}, "no identity"),
        ({"identity": "not-a-uuid"}, "not-a-uuid"),
        ({"identity": {}}, "expected exactly one of id, external_id or identifier"),
        ({"identity": {"identifier": "ada@example.com", "id": ADA}}, "expected exactly one"),
        ({"identity": {"identifier": 5}}, "expected a string"),
        ({}, "'identity' is a required property"),
        ({"identity": ADA, "authenticator_assurance_level": "aal9"}, "aal9"),
        ({"identity": ADA, "active": "yes"}, "active"),
        ({"identity": ADA, "expires_at": "tomorrow"}, "expires_at"),
        ({"identity": ADA, "id": "nope"}, "nope"),
    ],
)
def test_create_session_errors(mfa: tuple[KratosMockApp, TestClient], body: dict[str, Any], reason: str) -> None:
    app, client = mfa
    before = len(app.store.sessions())
    assert_error(client.post("/__mock__/sessions", json=body), 400, reason=reason)
    assert len(app.store.sessions()) == before


def test_create_session_in_the_past_is_inactive(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    body = client.post("/__mock__/sessions", json={"identity": ADA, "expires_at": "2025-12-31T00:00:00Z"}).json()
    assert body["active"] is False
    assert client.get(f"/admin/sessions/{body['id']}").json()["active"] is False
    disabled = client.post("/__mock__/sessions", json={"identity": ADA, "active": False}).json()
    assert client.get(f"/admin/sessions/{disabled['id']}").json()["active"] is False


def test_create_session_does_not_silently_ignore_aal(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    response = client.post("/__mock__/sessions", json={"identity": ADA, "aal": "aal2"})
    assert response.status_code == 400 or response.json()["authenticator_assurance_level"] == "aal2"


@pytest.fixture
def clean_time_cache() -> Iterator[None]:
    """values.fmt_time caches by datetime equality; never leave a non-UTC entry for later tests."""
    yield
    getattr(values._fmt_utc, "cache_clear", lambda: None)()


def test_create_session_times_with_an_offset_are_served_in_utc(
    mfa: tuple[KratosMockApp, TestClient], clean_time_cache: None
) -> None:
    _, client = mfa
    body = client.post("/__mock__/sessions", json={"identity": ADA, "expires_at": "2031-08-09T12:34:56+03:00"}).json()
    assert body["expires_at"] == "2031-08-09T09:34:56Z"


# --- clock ---------------------------------------------------------------------------------------


def test_clock_advance_expires_sessions(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    response = client.get("/__mock__/clock")
    assert response.status_code == 200
    assert response.json() == {"now": "2026-01-01T00:00:00Z", "frozen": True}
    assert client.get(f"/admin/sessions/{MFA_SESSION}").json()["active"] is True
    advanced = client.post("/__mock__/clock", json={"advance": "25h"})
    assert advanced.status_code == 200
    assert advanced.json() == {"now": "2026-01-02T01:00:00Z", "frozen": True}
    assert client.get(f"/admin/sessions/{MFA_SESSION}").json()["active"] is False
    assert client.get("/admin/sessions", params={"active": "true"}).json() == []
    assert client.post("/__mock__/clock", json={"advance": "1h30m"}).json()["now"] == "2026-01-02T02:30:00Z"
    assert client.post("/__mock__/clock", json={}).json()["now"] == "2026-01-02T02:30:00Z"  # nothing asked


def test_clock_set_freeze_and_unfreeze(mfa: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mfa
    assert client.post("/__mock__/clock", json={"set": "2030-05-01T12:00:00Z"}).json() == {
        "now": "2030-05-01T12:00:00Z",
        "frozen": True,
    }
    assert client.post("/__mock__/clock", json={"set": "2030-05-01T12:00:00+02:00"}).json()["now"] == (
        "2030-05-01T10:00:00Z"
    )
    assert client.get("/admin/sessions", params={"active": "true"}).json() == []  # long expired
    running = client.post("/__mock__/clock", json={"freeze": False}).json()
    assert running["frozen"] is False and running["now"].startswith("2030-05-01T10:00:0")
    first = app.store.clock.now()
    assert app.store.clock.now() > first  # it runs
    frozen = client.post("/__mock__/clock", json={"freeze": True, "set": "2027-03-04T05:06:07Z"}).json()
    assert frozen == {"now": "2027-03-04T05:06:07Z", "frozen": True}
    assert client.get("/__mock__/clock").json() == frozen
    both = client.post("/__mock__/clock", json={"set": "2027-01-01T00:00:00Z", "advance": "2h"}).json()
    assert both["now"] == "2027-01-01T02:00:00Z"
    # unfreeze and advance together: runs on from the advanced instant
    moved = client.post("/__mock__/clock", json={"freeze": False, "advance": "24h"}).json()
    assert moved["frozen"] is False and moved["now"].startswith("2027-01-02T02:00:0")
    refrozen = client.post("/__mock__/clock", json={"freeze": True}).json()
    assert refrozen["frozen"] is True and refrozen["now"].startswith("2027-01-02T02:00:0")


def test_a_real_clock_reports_now(serve: Any) -> None:
    _, client = serve()
    body = client.get("/__mock__/clock").json()
    assert body["frozen"] is False
    now = datetime.fromisoformat(body["now"].replace("Z", "+00:00"))
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
    later = client.post("/__mock__/clock", json={"advance": "48h"}).json()
    assert datetime.fromisoformat(later["now"].replace("Z", "+00:00")) - now >= timedelta(hours=48)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"advance": "soon"}, "Unable to parse"),
        ({"advance": "-1h"}, "must be result to a future time"),
        ({"set": "garbage"}, "set must be an RFC 3339 timestamp"),
        ({"freeze": "yes"}, "freeze"),
        ({"tick": 1}, "tick"),
    ],
)
def test_clock_errors(mfa: tuple[KratosMockApp, TestClient], body: dict[str, Any], reason: str) -> None:
    _, client = mfa
    assert_error(client.post("/__mock__/clock", json=body), 400, reason=reason)
    assert client.get("/__mock__/clock").json() == {"now": "2026-01-01T00:00:00Z", "frozen": True}


# --- the request journal -------------------------------------------------------------------------


def test_journal_records_kratos_calls(mfa: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mfa
    client.post("/admin/identities", json=person("j@example.com"))
    client.get("/identities", params=[("page_size", "2"), ("foo", "a"), ("foo", "b"), ("empty", "")])
    client.post("/__mock__/clock", json={"advance": "1s"})
    client.get(f"/admin/identities/{UNKNOWN}")
    client.post("/admin/identities", content=b"{not json", headers={"content-type": "application/json"})
    client.get("/nope")
    entries = journal(client)
    assert [(e["method"], e["path"], e["status"], e["operation_id"]) for e in entries] == [
        ("POST", "/admin/identities", 201, "createIdentity"),
        ("GET", "/admin/identities", 200, "listIdentities"),
        ("GET", f"/admin/identities/{UNKNOWN}", 404, "getIdentity"),
        ("POST", "/admin/identities", 400, "createIdentity"),
        ("GET", "/nope", 404, None),
    ]
    assert entries[0]["body"] == person("j@example.com") and entries[0]["query"] == {}
    assert entries[1]["query"] == {"page_size": ["2"], "foo": ["a", "b"], "empty": [""]}
    assert entries[1]["body"] is None
    assert entries[3]["body"] == "{not json"  # not JSON: the text
    assert entries[0]["time"] == "2026-01-01T00:00:00Z" and entries[2]["time"] == "2026-01-01T00:00:01Z"
    assert [e.as_json() for e in app.journal] == entries
    assert client.get("/__mock__/health").json()["journal"] == 5


def test_control_plane_calls_are_not_journaled(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    client.get("/__mock__/health")
    client.get("/__mock__/state")
    client.get("/__mock__/clock")
    client.post("/__mock__/sessions", json={"identity": ADA})
    client.post("/__mock__/fixtures", json={})
    client.get("/__mock__/requests")
    client.get("/__mock__/nope")
    assert journal(client) == []


def test_journal_filter_and_clear(mfa: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mfa
    new_identity(client, "f1@example.com")
    client.get("/admin/identities")
    new_identity(client, "f2@example.com")
    client.get(f"/admin/identities/{ADA}")
    created = journal(client, operation_id="createIdentity")
    assert [e["body"]["traits"]["email"] for e in created] == ["f1@example.com", "f2@example.com"]
    assert [e["path"] for e in journal(client, operation_id="getIdentity")] == [f"/admin/identities/{ADA}"]
    assert journal(client, operation_id="noSuchOperation") == []
    assert len(journal(client)) == 4
    cleared = client.delete("/__mock__/requests")
    assert cleared.status_code == 204 and cleared.content == b""
    assert journal(client) == [] and len(app.journal) == 0
    client.get("/admin/identities")
    assert [e["operation_id"] for e in journal(client)] == ["listIdentities"]


def test_request_journal_keeps_only_the_newest_entries() -> None:
    bounded = RequestJournal(maxlen=3)
    for n in range(5):
        bounded.record(JournalEntry("GET", f"/p{n}", b"", b"", 200, "op", EPOCH))
    assert [e.path for e in bounded] == ["/p2", "/p3", "/p4"] and len(bounded) == 3


def test_journal_size_setting_bounds_the_journal(serve: Any) -> None:
    app, client = serve(seed=1, settings=Settings(journal_size=5))
    for n in range(8):
        client.get(f"/admin/identities/{n}")
    assert [e["path"] for e in journal(client)] == [f"/admin/identities/{n}" for n in range(3, 8)]
    assert len(app.journal) == 5


def test_controller_keeps_the_journal_it_is_given() -> None:
    store = Store(SchemaRegistry(default_schemas()), clock=ManualClock(), entropy=Entropy(0))
    given = RequestJournal(maxlen=5)
    assert MockController(store, given).journal is given


def _entry(operation_id: str | None, path: str = "/x") -> JournalEntry:
    return JournalEntry("GET", path, b"", b"", 200, operation_id, EPOCH)


def test_assert_called_messages() -> None:
    empty = RequestJournal()
    with pytest.raises(AssertionError, match=r"^createIdentity was never called; calls: none$"):
        empty.assert_called("createIdentity")
    assert empty.assert_called("createIdentity", times=0) == []

    calls = RequestJournal()
    for entry in (_entry("createIdentity"), _entry("listIdentities"), _entry(None, "/nope"), _entry("createIdentity")):
        calls.record(entry)
    with pytest.raises(AssertionError) as caught:
        calls.assert_called("createIdentity", times=1)
    assert str(caught.value) == (
        "createIdentity was called 2 times, not 1; calls: createIdentity, listIdentities, GET /nope, createIdentity"
    )
    with pytest.raises(AssertionError, match=r"^getIdentity was never called; calls: createIdentity, listIdentities"):
        calls.assert_called("getIdentity")
    with pytest.raises(AssertionError, match=r"getIdentity was called 0 times, not 2"):
        calls.assert_called("getIdentity", times=2)
    found = calls.assert_called("createIdentity", times=2)
    assert [e.operation_id for e in found] == ["createIdentity", "createIdentity"]
    assert calls.assert_called("listIdentities") == [calls.entries()[1]]
    assert calls.count("createIdentity") == 2 and calls.count() == 4

    long = RequestJournal()
    for n in range(25):
        long.record(_entry(f"op{n}"))
    with pytest.raises(AssertionError) as caught:
        long.assert_called("op3", times=2)
    listed = str(caught.value).split("calls: ")[1].split(", ")
    assert listed == [f"op{n}" for n in range(5, 25)]  # the last 20


def test_assert_called_on_the_app_journal(mfa: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mfa
    new_identity(client, "a1@example.com")
    client.get("/admin/identities")
    client.post("/__mock__/sessions", json={"identity": ADA})  # not journaled
    [entry] = app.journal.assert_called("createIdentity", times=1)
    assert entry.body["traits"]["email"] == "a1@example.com" and entry.status == 201
    with pytest.raises(AssertionError, match=r"calls: createIdentity, listIdentities$"):
        app.journal.assert_called("createIdentity", times=3)


# --- health --------------------------------------------------------------------------------------


def test_health_reports_counts(mfa: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mfa
    assert client.get("/__mock__/health").json() == {"status": "ok", "identities": 2, "sessions": 2, "journal": 0}
    new_identity(client, "h@example.com")
    for _ in range(3):
        client.post("/__mock__/sessions", json={"identity": ADA})
    client.get("/admin/identities")
    response = client.get("/__mock__/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "identities": 3, "sessions": 5, "journal": 2}


def test_health_is_503_when_the_store_does_not_answer(mfa: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mfa
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with app.store.lock:
            held.set()
            done.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        held.wait(5)
        assert_error(client.get("/__mock__/health"), 503, reason="did not answer")
    finally:
        done.set()
        thread.join()
    assert client.get("/__mock__/health").status_code == 200


# --- control token -------------------------------------------------------------------------------

CONTROL_CALLS = [
    ("POST", "/__mock__/reset", None),
    ("POST", "/__mock__/fixtures", {}),
    ("POST", "/__mock__/baseline", None),
    ("GET", "/__mock__/state", None),
    ("POST", "/__mock__/sessions", {"identity": ADA}),
    ("GET", "/__mock__/clock", None),
    ("POST", "/__mock__/clock", {"advance": "1s"}),
    ("GET", "/__mock__/requests", None),
    ("DELETE", "/__mock__/requests", None),
    ("GET", "/__mock__/health", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CONTROL_CALLS, ids=[f"{m} {p}" for m, p, _ in CONTROL_CALLS])
def test_control_token_protects_every_control_endpoint(serve: Any, method: str, path: str, body: Any) -> None:
    app, client = serve(seed=1, fixtures=[MFA], settings=Settings(control_token="s3cret"))
    before = dump_state(app.store)
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "s3cret"},
        {"Authorization": "bearer s3cret"},
    ):
        assert_error(client.request(method, path, json=body, headers=headers), 401, reason="control-token")
    assert dump_state(app.store) == before and app.store.clock.now() == EPOCH
    response = client.request(method, path, json=body, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code in (200, 201, 204), response.text


def test_control_token_leaves_kratos_routes_alone(serve: Any) -> None:
    _, client = serve(seed=1, fixtures=[MFA], settings=Settings(control_token="s3cret"))
    assert client.get("/admin/identities").status_code == 200
    assert client.get(f"/admin/sessions/{MFA_SESSION}").status_code == 200
    assert new_identity(client, "open@example.com")["traits"]["email"] == "open@example.com"
    assert_error(client.get("/__mock__/nope"), 401)  # unknown control paths do not leak past the token
    auth = {"Authorization": "Bearer s3cret"}
    assert [e["operation_id"] for e in client.get("/__mock__/requests", headers=auth).json()] == [
        "listIdentities",
        "getSession",
        "createIdentity",
    ]


def test_control_token_over_a_real_socket() -> None:
    with BackgroundServer(
        lambda url: create_app(seed=1, settings=Settings(base_url=url, control_token="s3cret"))
    ) as srv:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{srv.url}/__mock__/health", timeout=5)
        assert caught.value.code == 401
        assert json.loads(caught.value.read())["error"]["code"] == 401
        caught.value.close()
        request = urllib.request.Request(f"{srv.url}/__mock__/health", headers={"Authorization": "Bearer s3cret"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read())["status"] == "ok"


# --- routing errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/__mock__/x", "/__mock__/", "/__mock__", "/__mock__/reset/now"])
def test_unknown_control_paths_are_404_envelopes(mfa: tuple[KratosMockApp, TestClient], path: str) -> None:
    _, client = mfa
    assert_error(client.get(path), 404)
    assert_error(client.post(path, json={}), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/__mock__/reset", "POST"),
        ("PUT", "/__mock__/reset", "POST"),
        ("GET", "/__mock__/fixtures", "POST"),
        ("POST", "/__mock__/state", "GET"),
        ("GET", "/__mock__/sessions", "POST"),
        ("DELETE", "/__mock__/clock", "GET, POST"),
        ("PATCH", "/__mock__/requests", "DELETE, GET"),
        ("POST", "/__mock__/health", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    mfa: tuple[KratosMockApp, TestClient], method: str, path: str, allow: str
) -> None:
    _, client = mfa
    response = client.request(method, path)
    assert_error(response, 405)
    assert response.headers["allow"] == allow
