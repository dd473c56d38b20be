"""Fixture documents: the shipped examples, atomic loading, error messages (file, JSON path, problem),
pinned ids and timestamps, identity references, ``dump_state`` round trips, determinism, a large document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mockserver import create_app, values
from mockserver.app import Settings
from mockserver.cli import main
from mockserver.clock import Entropy, ManualClock
from mockserver.export import dump_state
from mockserver.fixtures import FixtureError, as_document, load_fixtures, read_fixture, validate_files
from mockserver.identity_schemas import SchemaRegistry, default_schemas
from mockserver.server import BackgroundServer
from mockserver.store import SessionSeed, Store

from .conftest import assert_error

BASE_URL = "http://127.0.0.1:4434"
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
SHIPPED = [FIXTURES_DIR / "default.yaml", *sorted((FIXTURES_DIR / "examples").glob("*.yaml"))]
ORG_ID = "9b2d4f6a-8c0e-4a2b-b4d6-f8a0c2e4a6b8"
ALAN, ADA = "3c1d0e52-7a4b-4f0e-8d2c-5b6a9e8f7a01", "3c1d0e52-7a4b-4f0e-8d2c-5b6a9e8f7a02"
GRACE, LINUS = "0f6b1c9e-5d2a-4c1e-9a57-3e2f7a1b0c01", "0f6b1c9e-5d2a-4c1e-9a57-3e2f7a1b0c02"
KATHERINE, DOROTHY = "5a7e9c1b-3d5f-4a7c-9e1b-2c4d6e8f0a01", "5a7e9c1b-3d5f-4a7c-9e1b-2c4d6e8f0a02"
MFA_SESSION = "7e0a4b1c-2d3e-4f5a-8b6c-9d0e1f2a3b01"
BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"


def fresh_store(seed: int = 0) -> Store:
    return Store(SchemaRegistry(default_schemas()), clock=ManualClock(), entropy=Entropy(seed))


def person(email: str, **extra: Any) -> dict[str, Any]:
    return {"schema_id": "default", "traits": {"email": email}, **extra}


def write_yaml(path: Path, document: Any) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


# --- the shipped fixtures ------------------------------------------------------------------------


def test_the_shipped_fixture_files_are_all_found() -> None:
    assert {p.name for p in SHIPPED} >= {"default.yaml", "mfa.yaml", "organization.yaml", "social-sign-in.yaml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_each_shipped_fixture_validates_and_loads_completely(path: Path) -> None:
    assert validate_files([path]) == []
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    store = fresh_store()
    counts = load_fixtures(store, [path])
    assert counts == {
        "schemas": len(raw.get("schemas") or {}),
        "identities": len(raw.get("identities") or []),
        "sessions": len(raw.get("sessions") or []),
        "flows": len(raw.get("flows") or []),
        "errors": len(raw.get("errors") or []),
    }
    assert len(store) == counts["identities"] and len(store.sessions()) == counts["sessions"]
    for item in raw.get("identities") or []:
        if "id" in item:
            assert store.find_identity(item["id"]) is not None
    if raw.get("default_schema_id"):
        assert store.schemas.default_id == raw["default_schema_id"]


def test_all_shipped_fixtures_load_together_and_the_cli_accepts_them(capsys: pytest.CaptureFixture[str]) -> None:
    store = fresh_store()
    counts = load_fixtures(store, SHIPPED)
    assert counts == {"schemas": 2, "identities": 6, "sessions": 4, "flows": 0, "errors": 0}
    assert main(["fixtures", "validate", *map(str, SHIPPED)], env={}) == 0
    assert f"{len(SHIPPED)} of {len(SHIPPED)} fixture files are valid" in capsys.readouterr().err


def test_default_fixture_serves_its_schema_from_a_path_relative_to_the_file(
    serve: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `schemas/default.schema.json` must resolve against the fixture, not the cwd
    app, client = serve(seed=1, fixtures=[FIXTURES_DIR / "default.yaml"])
    schema = client.get("/schemas/default").json()
    assert schema["$id"] == "https://schemas.kratos-mock.local/default.schema.json"
    assert [s["id"] for s in client.get("/schemas").json()] == ["default"]
    assert app.store.schemas.default_id == "default"
    created = client.post("/admin/identities", json=person("new@example.com"))
    assert created.status_code == 201, created.text
    assert client.get("/admin/identities").json()[0]["traits"] == {"email": "new@example.com"}


def test_social_sign_in_fixture(serve: Any) -> None:
    _, client = serve(seed=1, fixtures=[FIXTURES_DIR / "examples" / "social-sign-in.yaml"])
    found = client.get("/admin/identities", params={"credentials_identifier": "google:108234567890123456789"}).json()
    assert [i["id"] for i in found] == [GRACE]
    assert found[0]["traits"] == {"email": "grace@example.com", "name": {"first": "Grace", "last": "Hopper"}}
    assert found[0]["verifiable_addresses"][0]["verified"] is True
    assert found[0]["verifiable_addresses"][0]["status"] == "completed"
    by_github = client.get("/admin/identities", params={"credentials_identifier": "github:1024025"}).json()
    by_email = client.get("/admin/identities", params={"credentials_identifier": "linus@example.com"}).json()
    assert [i["id"] for i in by_github] == [i["id"] for i in by_email] == [LINUS]

    sessions = client.get(f"/admin/identities/{GRACE}/sessions").json()
    assert len(sessions) == 1
    session = client.get(f"/admin/sessions/{sessions[0]['id']}", params=[("expand", "identity"), ("expand", "devices")])
    body = session.json()
    assert body["identity"]["id"] == GRACE and body["active"] is True
    assert body["authenticator_assurance_level"] == "aal1"
    assert body["authentication_methods"] == [
        {"method": "oidc", "aal": "aal1", "provider": "google", "completed_at": "2026-01-01T00:00:00Z"}
    ]
    [device] = body["devices"]
    assert (device["ip_address"], device["location"]) == ("203.0.113.10", "Berlin, DE")
    assert device["user_agent"].startswith("Mozilla/5.0")
    assert client.get(f"/admin/identities/{LINUS}/sessions").json() == []


def test_mfa_fixture(serve: Any) -> None:
    _, client = serve(seed=1, fixtures=[FIXTURES_DIR / "examples" / "mfa.yaml"])
    mfa = client.get(f"/admin/sessions/{MFA_SESSION}", params={"expand": "identity"}).json()
    assert mfa["authenticator_assurance_level"] == "aal2"
    assert mfa["identity"]["id"] == ALAN and mfa["active"] is True
    assert [(m["method"], m["aal"]) for m in mfa["authentication_methods"]] == [("password", "aal1"), ("totp", "aal2")]
    [ada_session] = client.get(f"/admin/identities/{ADA}/sessions").json()
    assert ada_session["authenticator_assurance_level"] == "aal1"
    alan = client.get(f"/admin/identities/{ALAN}", params={"include_credential": "password"}).json()
    assert alan["credentials"]["password"]["config"]["hashed_password"] == BCRYPT  # imported hash kept verbatim
    ada = client.get(f"/admin/identities/{ADA}", params={"include_credential": "password"}).json()
    hashed = ada["credentials"]["password"]["config"]["hashed_password"]
    assert hashed and "s3cret!" not in hashed  # a plaintext import is stored hashed
    assert ada["credentials"]["password"]["identifiers"] == ["ada@example.com"]


def test_organization_fixture(serve: Any) -> None:
    app, client = serve(seed=1, fixtures=[FIXTURES_DIR / "examples" / "organization.yaml"])
    members = client.get("/admin/identities", params={"organization_id": ORG_ID}).json()
    assert [m["id"] for m in members] == [KATHERINE, DOROTHY]
    assert all(m["organization_id"] == ORG_ID and m["schema_id"] == "employee" for m in members)
    assert [m["state"] for m in members] == ["active", "inactive"]
    katherine = client.get("/admin/identities/by/external/hr-1001").json()
    assert katherine["id"] == KATHERINE and katherine["metadata_admin"] == {"cost_center": "4711"}
    assert client.get("/admin/identities", params={"credentials_identifier": "corp-idp:katherine"}).json()[0]["id"] == (
        KATHERINE
    )
    [session] = client.get(f"/admin/identities/{KATHERINE}/sessions").json()
    assert session["authentication_methods"][0]["method"] == "saml"
    assert app.store.schemas.default_id == "employee"
    assert client.get("/__mock__/state").json()["default_schema_id"] == "employee"

    # the employee schema validates `department`
    bad = client.post(
        "/admin/identities",
        json={"schema_id": "employee", "traits": {"email": "x@corp.example", "department": "legal"}},
    )
    assert_error(bad, 400, reason="department")
    missing = client.post("/admin/identities", json={"schema_id": "employee", "traits": {"email": "y@corp.example"}})
    assert_error(missing, 400, reason="'department' is a required property")
    good = client.post(
        "/admin/identities",
        json={"schema_id": "employee", "traits": {"email": "z@corp.example", "department": "support"}},
    )
    assert good.status_code == 201, good.text
    assert good.json()["schema_id"] == "employee"


# --- atomicity -----------------------------------------------------------------------------------


BROKEN_THIRD = {
    "default_schema_id": "extra",
    "schemas": {"extra": default_schemas()["default"]},
    "identities": [person("one@example.com"), person("two@example.com"), person("three@example.com", traits={})],
    "sessions": [{"identity": {"identifier": "one@example.com"}}],
}


def test_a_failing_document_leaves_nothing_behind() -> None:
    store = fresh_store()
    before = dump_state(store)
    with pytest.raises(FixtureError) as caught:
        load_fixtures(store, [BROKEN_THIRD])
    assert caught.value.path == "$.identities[2]"
    assert len(store) == 0 and store.sessions() == []
    assert store.schemas.get("extra") is None and store.schemas.default_id == "default"
    assert dump_state(store) == before
    assert store.list_identities(credentials_identifier="one@example.com").items == []


def test_a_failing_document_keeps_existing_data_exactly() -> None:
    store, twin = fresh_store(3), fresh_store(3)
    for target in (store, twin):
        load_fixtures(target, SHIPPED)
    before = dump_state(store)
    unknown = {"id": "00000000-0000-4000-8000-000000000000"}
    for broken in (
        BROKEN_THIRD,
        {"sessions": [{"identity": {"identifier": "ada@example.com"}}, {"identity": unknown}]},
    ):
        with pytest.raises(FixtureError):
            load_fixtures(store, [broken])
        assert dump_state(store) == before
    assert store.schemas.default_id == twin.schemas.default_id
    # the random state is rolled back as well: the next generated ids match a store that saw no failure
    first = load_fixtures(store, [{"identities": [person("after@example.com")]}])
    load_fixtures(twin, [{"identities": [person("after@example.com")]}])
    assert first["identities"] == 1
    assert dump_state(store) == dump_state(twin)


def test_documents_load_all_or_none() -> None:
    store = fresh_store()
    good = {"identities": [person("good@example.com")]}
    clashing = {"identities": [person("fine@example.com"), person("GOOD@example.com")]}
    with pytest.raises(FixtureError) as caught:
        load_fixtures(store, [good, clashing])
    assert caught.value.path == "$.identities[1]" and "conflicts" in caught.value.problem
    assert len(store) == 0


# --- error messages ------------------------------------------------------------------------------

BROKEN: list[tuple[str, Any, str, str]] = [
    # (id, document or raw YAML text, JSON path, a part of the problem)
    ("unknown-top-level-key", {"identity": []}, "$.identity", "unknown key"),
    ("top-level-not-object", ["a", "b"], "$", "expected an object"),
    ("identities-not-a-list", {"identities": {"a": 1}}, "$.identities", "expected a list"),
    ("sessions-not-a-list", {"sessions": "none"}, "$.sessions", "expected a list"),
    ("identity-not-an-object", {"identities": ["ada"]}, "$.identities[0]", "expected an identity object"),
    (
        "traits-fail-the-schema",
        {"identities": [person("a@example.com"), person("b@example.com"), person("c", traits={"email": 5})]},
        "$.identities[2]",
        "5 is not of type 'string'",
    ),
    (
        "traits-miss-a-required-property",
        {"identities": [person("a@example.com"), {"schema_id": "default", "traits": {"name": {}}}]},
        "$.identities[1]",
        "'email' is a required property",
    ),
    (
        "duplicate-email",
        {"identities": [person("ada@example.com"), person("ADA@example.com")]},
        "$.identities[1]",
        "conflicts with an identity loaded before",
    ),
    (
        "duplicate-external-id",
        {"identities": [person("a@example.com", external_id="x"), person("b@example.com", external_id="x")]},
        "$.identities[1]",
        "conflicts",
    ),
    ("unknown-identity-field", {"identities": [person("a@example.com", age=3)]}, "$.identities[0]", '"age"'),
    (
        "unknown-schema-id",
        {"identities": [{"schema_id": "nope", "traits": {}}]},
        "$.identities[0]",
        "Unable to find JSON Schema ID: nope",
    ),
    (
        "bad-timestamp",
        {"identities": [person("a@example.com", created_at="yesterday")]},
        "$.identities[0].created_at",
        "expected an RFC 3339 timestamp (2006-01-02T15:04:05Z) between years 1 and 9000, got 'yesterday'",
    ),
    (
        "session-for-an-unknown-identifier",
        {"sessions": [{"identity": {"identifier": "nobody@example.com"}}]},
        "$.sessions[0].identity.identifier",
        "no identity with identifier 'nobody@example.com' is loaded",
    ),
    (
        "session-for-an-unknown-external-id",
        {"sessions": [{"identity": {"external_id": "hr-0"}}]},
        "$.sessions[0].identity.external_id",
        "no identity with external_id 'hr-0'",
    ),
    (
        "session-with-two-references",
        {
            "identities": [person("a@example.com")],
            "sessions": [{"identity": {"identifier": "a@example.com", "id": "x"}}],
        },
        "$.sessions[0].identity",
        "expected exactly one of id, external_id or identifier",
    ),
    (
        "session-with-bad-aal",
        {
            "identities": [person("a@example.com")],
            "sessions": [{"identity": {"identifier": "a@example.com"}, "aal": "9"}],
        },
        "$.sessions[0].authenticator_assurance_level",
        "expected one of aal0, aal1, aal2, aal3",
    ),
    (
        "session-with-unknown-key",
        {"identities": [person("a@example.com")], "sessions": [{"identity": {"identifier": "a@example.com"}, "t": 1}]},
        "$.sessions[0].t",
        "unknown key",
    ),
    (
        "session-with-bad-active",
        {
            "identities": [person("a@example.com")],
            "sessions": [{"identity": {"identifier": "a@example.com"}, "active": "y"}],
        },
        "$.sessions[0].active",
        "expected true or false",
    ),
    (
        "session-with-bad-expiry",
        {
            "identities": [person("a@example.com")],
            "sessions": [{"identity": {"identifier": "a@example.com"}, "expires_at": "soon"}],
        },
        "$.sessions[0].expires_at",
        "RFC 3339",
    ),
    ("schema-path-does-not-exist", {"schemas": {"x": "missing/x.json"}}, "$.schemas.x", "No such file"),
    ("schema-not-an-object-or-path", {"schemas": {"x": 5}}, "$.schemas.x", "expected an inline JSON Schema"),
    ("invalid-json-schema", {"schemas": {"x": {"type": "objekt"}}}, "$.schemas.x", "not a valid JSON Schema"),
    ("unknown-default-schema", {"default_schema_id": "nope"}, "$.default_schema_id", "no schema 'nope' is loaded"),
    ("default-schema-not-a-string", {"default_schema_id": 5}, "$.default_schema_id", "expected a string"),
    ("bad-yaml", "identities: [\n  {schema_id: default\n", "$", "not valid YAML or JSON"),
    ("tab-indented-yaml", "identities:\n\t- {}\n", "$", "not valid YAML or JSON"),
]


@pytest.mark.parametrize(("document", "where", "problem"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_errors_name_the_file_the_json_path_and_the_problem(
    tmp_path: Path, document: Any, where: str, problem: str
) -> None:
    path = tmp_path / "broken.yaml"
    if isinstance(document, str):
        path.write_text(document, encoding="utf-8")
    else:
        write_yaml(path, document)
    store = fresh_store()
    with pytest.raises(FixtureError) as caught:
        load_fixtures(store, [path])
    error = caught.value
    assert (error.source, error.path) == (str(path), where)
    assert problem in error.problem, error.problem
    assert str(error) == f"{path}: {where}: {error.problem}"
    assert len(store) == 0 and store.sessions() == []
    assert validate_files([path]) == [str(error)]


def test_schema_path_error_names_the_resolved_file(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "f.yaml", {"schemas": {"x": "schemas/x.json"}})
    schema_file = tmp_path / "schemas" / "x.json"
    for content, problem in [
        (None, f"cannot read {schema_file}: No such file or directory"),
        ("{not json", f"{schema_file} is not JSON: "),
        ("[1]", f"{schema_file} does not hold a JSON object"),
    ]:
        if content is not None:
            schema_file.parent.mkdir(exist_ok=True)
            schema_file.write_text(content, encoding="utf-8")
        with pytest.raises(FixtureError) as caught:
            read_fixture(path)
        assert (caught.value.source, caught.value.path) == (str(path), "$.schemas.x")
        assert caught.value.problem.startswith(problem), caught.value.problem


def test_unreadable_fixture_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(FixtureError) as caught:
        read_fixture(missing)
    assert (caught.value.source, caught.value.path) == (str(missing), "$")
    assert "cannot read the file" in caught.value.problem


def test_cli_validate_reports_each_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_yaml(tmp_path / "good.yaml", {"identities": [person("a@example.com")]})
    bad = write_yaml(tmp_path / "bad.yaml", {"identities": [person("b@example.com"), person("b@example.com")]})
    assert main(["fixtures", "validate", str(good), str(bad)], env={}) == 1
    err = capsys.readouterr().err
    assert f"{bad}: $.identities[1]: conflicts" in err
    assert "1 of 2 fixture files are valid" in err
    assert str(good) + ":" not in err


def test_create_app_refuses_a_broken_fixture(tmp_path: Path) -> None:
    bad = write_yaml(tmp_path / "bad.yaml", {"sessions": [{"identity": {"identifier": "ghost@example.com"}}]})
    with pytest.raises(FixtureError, match=r"bad\.yaml: \$\.sessions\[0\]\.identity\.identifier: no identity"):
        create_app(seed=1, fixtures=[bad])


BAD_UUIDS = [
    ("identity-id", {"identities": [person("a@example.com", id="not-a-uuid")]}, "$.identities[0].id"),
    (
        "session-id",
        {
            "identities": [person("a@example.com")],
            "sessions": [{"id": "zz", "identity": {"identifier": "a@example.com"}}],
        },
        "$.sessions[0].id",
    ),
    ("session-identity-id", {"sessions": [{"identity": "not-a-uuid"}]}, "$.sessions[0].identity.id"),
]


@pytest.mark.parametrize(("document", "where"), [b[1:] for b in BAD_UUIDS], ids=[b[0] for b in BAD_UUIDS])
def test_malformed_uuids_are_fixture_errors(tmp_path: Path, document: Any, where: str) -> None:
    path = write_yaml(tmp_path / "uuid.yaml", document)
    with pytest.raises(FixtureError) as caught:
        load_fixtures(fresh_store(), [path])
    assert (caught.value.source, caught.value.path) == (str(path), where)
    assert "not-a-uuid" in caught.value.problem or "zz" in caught.value.problem
    assert len(validate_files([path])) == 1


def test_default_schema_id_may_name_a_schema_loaded_earlier() -> None:
    store = fresh_store()
    load_fixtures(store, [FIXTURES_DIR / "examples" / "organization.yaml"])
    assert store.schemas.default_id == "employee"
    assert load_fixtures(store, [{"default_schema_id": "default"}]) == {
        "schemas": 0,
        "identities": 0,
        "sessions": 0,
        "flows": 0,
        "errors": 0,
    }
    assert store.schemas.default_id == "default"
    with pytest.raises(FixtureError):
        load_fixtures(store, [{"default_schema_id": "employee", "identities": [{"schema_id": "nope", "traits": {}}]}])
    assert store.schemas.default_id == "default"  # rolled back with the rest


# --- what fixtures pin ---------------------------------------------------------------------------


def test_fixed_ids_and_timestamps_are_kept(serve: Any) -> None:
    identity_id, session_id = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    doc = {
        "identities": [
            person(
                "pinned@example.com",
                id=identity_id,
                created_at="2020-01-02T03:04:05Z",
                updated_at="2021-02-03T04:05:06.5Z",
                state_changed_at="2020-06-01T00:00:00Z",
            )
        ],
        "sessions": [
            {
                "id": session_id,
                "identity": identity_id,
                "authenticated_at": "2025-12-31T22:00:00Z",
                "issued_at": "2025-12-31T22:00:01Z",
                "expires_at": "2026-01-05T00:00:00Z",
                "active": True,
            }
        ],
    }
    _, client = serve(seed=1, fixtures=[doc])
    identity = client.get(f"/admin/identities/{identity_id}").json()
    assert identity["created_at"] == "2020-01-02T03:04:05Z"
    assert identity["updated_at"] == "2021-02-03T04:05:06.5Z"
    assert identity["state_changed_at"] == "2020-06-01T00:00:00Z"
    session = client.get(f"/admin/sessions/{session_id}").json()
    assert (session["authenticated_at"], session["issued_at"], session["expires_at"]) == (
        "2025-12-31T22:00:00Z",
        "2025-12-31T22:00:01Z",
        "2026-01-05T00:00:00Z",
    )
    assert session["active"] is True
    assert session["authentication_methods"][0]["completed_at"] == "2025-12-31T22:00:00Z"


def test_unpinned_timestamps_come_from_the_clock(serve: Any) -> None:
    _, client = serve(seed=1, fixtures=[{"identities": [person("now@example.com")]}])
    [identity] = client.get("/admin/identities").json()
    assert identity["created_at"] == identity["updated_at"] == "2026-01-01T00:00:00Z"


@pytest.fixture
def clean_time_cache() -> Iterator[None]:
    """values.fmt_time caches by datetime equality; never leave a non-UTC entry for later tests."""
    yield
    getattr(values._fmt_utc, "cache_clear", lambda: None)()


def test_timestamps_with_an_offset_are_served_in_utc(serve: Any, clean_time_cache: None) -> None:
    identity_id, session_id = "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"
    doc = {
        "identities": [person("offset@example.com", id=identity_id, created_at="2019-07-04T17:16:17+02:00")],
        "sessions": [
            {
                "id": session_id,
                "identity": identity_id,
                "authenticated_at": "2019-07-04T14:16:17-01:00",  # 15:16:17Z
                "issued_at": "2019-07-04T15:16:17Z",
            }
        ],
    }
    _, client = serve(seed=1, fixtures=[doc])
    assert client.get(f"/admin/identities/{identity_id}").json()["created_at"] == "2019-07-04T15:16:17Z"
    session = client.get(f"/admin/sessions/{session_id}").json()
    assert session["authenticated_at"] == session["issued_at"] == "2019-07-04T15:16:17Z"


def test_sessions_reference_identities_by_id_external_id_and_identifier(serve: Any) -> None:
    identity_id = "55555555-5555-4555-8555-555555555555"
    doc = {
        "identities": [person("Ref@Example.com", id=identity_id, external_id="crm-7"), person("other@example.com")],
        "sessions": [
            {"id": "66666666-6666-4666-8666-000000000001", "identity": identity_id},
            {"id": "66666666-6666-4666-8666-000000000002", "identity": {"id": identity_id}},
            {"id": "66666666-6666-4666-8666-000000000003", "identity": {"external_id": "crm-7"}},
            {"id": "66666666-6666-4666-8666-000000000004", "identity": {"identifier": "ref@example.com"}},
            {"id": "66666666-6666-4666-8666-000000000005", "identity": {"identifier": "  REF@example.COM "}},
            {
                "id": "66666666-6666-4666-8666-000000000006",
                "identity": {"identifier": "other@example.com"},
                "aal": "aal2",
            },
        ],
    }
    _, client = serve(seed=1, fixtures=[doc])
    mine = client.get(f"/admin/identities/{identity_id}/sessions").json()
    assert sorted(s["id"] for s in mine) == [f"66666666-6666-4666-8666-00000000000{n}" for n in range(1, 6)]
    other = client.get("/admin/sessions/66666666-6666-4666-8666-000000000006", params={"expand": "identity"}).json()
    assert other["identity"]["traits"]["email"] == "other@example.com"
    assert other["authenticator_assurance_level"] == "aal2"  # `aal` is an alias


def test_schema_paths_are_relative_to_the_fixture_file(
    serve: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = tmp_path / "fixtures" / "team"
    (nested / "schemas").mkdir(parents=True)
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "username": {
                        "type": "string",
                        "minLength": 3,
                        "ory.sh/kratos": {"credentials": {"password": {"identifier": True}}},
                    }
                },
                "required": ["username"],
            }
        },
    }
    (nested / "schemas" / "user.json").write_text(json.dumps(schema), encoding="utf-8")
    absolute = tmp_path / "elsewhere.json"
    absolute.write_text(json.dumps(schema), encoding="utf-8")
    path = write_yaml(
        nested / "users.yaml",
        {
            "default_schema_id": "user",
            "schemas": {"user": "schemas/user.json", "user2": str(absolute)},
            "identities": [{"schema_id": "user", "traits": {"username": "grace"}}],
            "sessions": [{"identity": {"identifier": "grace"}}],
        },
    )
    monkeypatch.chdir(tmp_path)  # neither the cwd nor the cwd-relative path may matter
    app, client = serve(seed=1, fixtures=[path])
    assert client.get("/schemas/user").json() == schema
    assert client.get("/schemas/user2").json() == schema
    assert app.store.schemas.default_id == "user"
    assert client.get("/admin/identities", params={"credentials_identifier": "grace"}).json()[0]["schema_id"] == "user"
    short = client.post("/admin/identities", json={"schema_id": "user", "traits": {"username": "ab"}})
    assert_error(short, 400, reason="too short")
    # a document given as data has no file to be relative to: this path is not found (from the cwd)
    with pytest.raises(FixtureError) as caught:
        as_document({"schemas": {"user": "schemas/user.json"}})
    assert caught.value.path == "$.schemas.user"


# --- dump_state round trip -------------------------------------------------------------------


def _rich_store(seed: int) -> Store:
    """Shipped fixtures plus API-shaped data: metadata, external ids, imported hashes, OIDC, devices."""
    store = fresh_store(seed)
    load_fixtures(store, SHIPPED)
    load_fixtures(
        store,
        [
            {
                "identities": [
                    person(
                        "rich@example.com",
                        external_id="ext-rich",
                        organization_id=ORG_ID,
                        metadata_public={"plan": "pro"},
                        metadata_admin={"notes": ["a", "b"]},
                        state="inactive",
                        credentials={
                            "password": {"config": {"password": "hunter22"}},
                            "oidc": {"config": {"providers": [{"provider": "apple", "subject": "s-1"}]}},
                        },
                        verifiable_addresses=[
                            {"value": "rich@example.com", "via": "email", "verified": True, "status": "completed"}
                        ],
                    ),
                    {"schema_id": "employee", "traits": {"email": "e@corp.example", "department": "sales"}},
                ],
                "sessions": [
                    {
                        "identity": {"external_id": "ext-rich"},
                        "active": False,
                        "aal": "aal2",
                        "devices": [{"ip_address": "198.51.100.1", "user_agent": "ua"}],
                    }
                ],
            }
        ],
    )
    return store


def test_dump_state_round_trips_into_a_fresh_store(tmp_path: Path) -> None:
    dumped = dump_state(_rich_store(seed=11))
    assert len(dumped["identities"]) == 8 and len(dumped["sessions"]) == 5
    rich = next(i for i in dumped["identities"] if i.get("external_id") == "ext-rich")
    assert rich["credentials"]["password"]["config"]["hashed_password"].startswith("$")
    assert rich["credentials"]["oidc"]["config"]["providers"] == [{"subject": "s-1", "provider": "apple"}]
    alan = next(i for i in dumped["identities"] if i["id"] == ALAN)
    assert alan["credentials"]["password"]["config"]["hashed_password"] == BCRYPT

    # as Python data, through JSON (GET /__mock__/state) and through a YAML file (an exported fixture)
    via_json = json.loads(json.dumps(dumped))
    via_file = write_yaml(tmp_path / "state.yaml", dumped)
    for source in (dumped, via_json, via_file):
        fresh = fresh_store(seed=99)  # another seed: nothing in the dump may depend on the random state
        load_fixtures(fresh, [source])
        again = dump_state(fresh)
        assert again == dumped
    assert validate_files([via_file]) == []


def test_dump_state_round_trip_keeps_the_order_of_sessions_made_at_different_times(serve: Any) -> None:
    app, client = serve(seed=4, fixtures=SHIPPED)
    store = app.store
    store.clock.advance(timedelta(hours=1))
    store.create_session(ADA, SessionSeed(id="00000000-0000-4000-8000-000000000001"))
    dumped = client.get("/__mock__/state").json()
    order = [s["id"] for s in client.get("/admin/sessions").json()]
    _, other = serve(seed=5)
    assert other.post("/__mock__/fixtures", json=dumped).status_code == 201
    assert other.get("/__mock__/state").json() == dumped
    assert [s["id"] for s in other.get("/admin/sessions").json()] == order


def test_exported_fixture_loads_into_a_fresh_mock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``kratos-mock fixtures export`` against a real port, then the file loads and matches,
    sessions included (paged through ``GET /admin/sessions?expand=identity``)."""
    output = tmp_path / "export.yaml"
    with BackgroundServer(lambda url: create_app(seed=2, fixtures=SHIPPED, settings=Settings(base_url=url))) as server:
        store = server.app.store
        ada = store.list_identities().items[0].id
        store.create_session(ada, SessionSeed(active=False, aal="aal2", devices=({"ip_address": "203.0.113.7"},)))
        store.create_session(ada)
        sessions = len(store.sessions())
        assert main(["fixtures", "export", "--base-url", server.url, "-o", str(output)], env={}) == 0
        source_state = dump_state(store)
    assert f"exported 6 identities, {sessions} sessions and 2 schemas" in capsys.readouterr().err
    assert validate_files([output]) == []
    fresh = fresh_store(seed=8)
    assert load_fixtures(fresh, [output]) == {
        "schemas": 2,
        "identities": 6,
        "sessions": sessions,
        "flows": 0,
        "errors": 0,
    }
    assert dump_state(fresh)["identities"] == source_state["identities"]
    by_id = {s["id"]: s for s in source_state["sessions"]}
    assert {s["id"]: s for s in dump_state(fresh)["sessions"]} == by_id


def test_cli_validate_checks_the_files_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each file alone is valid; loaded together (as ``run --fixtures a --fixtures b``) they conflict."""
    first = write_yaml(tmp_path / "a.yaml", {"identities": [person("a@example.com")]})
    second = write_yaml(tmp_path / "b.yaml", {"identities": [person("a@example.com")]})
    sessions = write_yaml(tmp_path / "c.yaml", {"sessions": [{"identity": {"identifier": "a@example.com"}}]})
    assert main(["fixtures", "validate", str(first), str(sessions)], env={}) == 0  # c refers to a's identity
    assert "2 of 2 fixture files are valid (loaded together, in this order)" in capsys.readouterr().err
    assert main(["fixtures", "validate", str(first), str(second)], env={}) == 1
    err = capsys.readouterr().err
    assert f"{second}: $.identities[0]: conflicts with an identity loaded before" in err
    assert "1 of 2 fixture files are valid" in err


def test_a_json_fixture_is_read_as_json_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trailing comma is YAML that loads, but not JSON: the control plane would refuse it."""
    path = tmp_path / "users.json"
    path.write_text('{"identities": [{"schema_id": "default", "traits": {"email": "a@example.com"}},]}')
    with pytest.raises(FixtureError, match=r"users\.json: \$: not valid JSON: Expecting value: line 1"):
        read_fixture(path)
    assert main(["fixtures", "validate", str(path)], env={}) == 1
    assert "not valid JSON" in capsys.readouterr().err
    (tmp_path / "users.yaml").write_text(path.read_text())
    assert read_fixture(tmp_path / "users.yaml").data["identities"][0]["traits"] == {"email": "a@example.com"}


# --- determinism ---------------------------------------------------------------------------------


def _script(client: TestClient) -> list[tuple[int, bytes]]:
    out = []

    def record(response: Any) -> Any:
        out.append((response.status_code, response.content))
        return response

    made = record(client.post("/admin/identities", json=person("det@example.com", credentials={
        "password": {"config": {"password": "pw-123456"}}}))).json()  # fmt: skip
    record(client.post("/admin/identities", json=person("det2@example.com")))
    record(client.get("/admin/identities"))
    record(client.post("/admin/recovery/code", json={"identity_id": made["id"]}))
    record(client.post("/admin/recovery/link", json={"identity_id": made["id"]}))
    session = record(client.post("/__mock__/sessions", json={"identity": {"identifier": "det@example.com"}})).json()
    record(client.post("/__mock__/clock", json={"advance": "1h"}))
    record(client.patch(f"/admin/sessions/{session['id']}/extend"))
    record(client.patch(f"/admin/identities/{made['id']}", json=[{"op": "add", "path": "/traits/name", "value": {}}]))
    record(client.get("/admin/sessions", params=[("expand", "identity"), ("expand", "devices")]))
    record(client.get("/__mock__/state"))
    record(client.get("/__mock__/requests"))
    return out


def test_same_seed_and_fixtures_give_byte_identical_answers(serve: Any) -> None:
    _, first = serve(seed=42, fixtures=SHIPPED)
    _, second = serve(seed=42, fixtures=SHIPPED)
    one, two = _script(first), _script(second)
    assert [s for s, _ in one] == [201, 201, 200, 201, 200, 201, 200, 200, 200, 200, 200, 200]
    assert one == two
    _, third = serve(seed=43, fixtures=SHIPPED)
    assert _script(third)[0] != one[0]  # the seed does matter


# --- size ----------------------------------------------------------------------------------------


def test_ten_thousand_identities_load_completely(tmp_path: Path) -> None:
    """From JSON (what `fixtures export -o x.json` writes). How long it takes is a benchmark number
    (`bench/run.py fixture-load`, target 2 s), not an assertion that a busy machine would break."""
    path = tmp_path / "many.json"
    document = {
        "default_schema_id": "default",
        "identities": [{"schema_id": "default", "traits": {"email": f"user{n}@example.com"}} for n in range(10_000)],
        "sessions": [{"identity": {"identifier": "user9999@example.com"}}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    store = fresh_store()
    counts = load_fixtures(store, [path])
    assert counts == {"schemas": 0, "identities": 10_000, "sessions": 1, "flows": 0, "errors": 0}
    assert len(store) == 10_000
