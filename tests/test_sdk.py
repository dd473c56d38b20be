"""The official Python SDK (ory-kratos-client 25.4.0) against the mock, over a real socket.

The SDK deserialises every response into strict pydantic models (enums included), so each call
here proves that the mock's JSON is accepted by a real Kratos client, and the assertions prove
that the values it carries are the right ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ory_kratos_client import (
    ApiClient,
    Configuration,
    CreateIdentityBody,
    CreateRecoveryCodeForIdentityBody,
    CreateRecoveryLinkForIdentityBody,
    ErrorGeneric,
    Identity,
    IdentityApi,
    IdentityPatch,
    IdentitySchemaContainer,
    IdentityWithCredentials,
    IdentityWithCredentialsOidc,
    IdentityWithCredentialsOidcConfig,
    IdentityWithCredentialsOidcConfigProvider,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    JsonPatch,
    PatchIdentitiesBody,
    RecoveryCodeForIdentity,
    RecoveryLinkForIdentity,
    Session,
    UpdateIdentityBody,
    VerifiableIdentityAddress,
)
from ory_kratos_client.exceptions import ApiException, BadRequestException, ConflictException, NotFoundException

from mockserver import create_app
from mockserver.app import KratosMockApp, Settings
from mockserver.clock import EPOCH, MockClock
from mockserver.server import BackgroundServer
from mockserver.store import SessionSeed, Store

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
PATCH_ID = "6f1c7b3e-1d2a-4c1b-9e5f-0a1b2c3d4e5f"
BCRYPT = "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"
LINK = re.compile(r'<([^>]+)>;\s*rel="(\w+)"')


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    srv = BackgroundServer(lambda url: create_app(seed=3, settings=Settings(base_url=url))).start()
    yield srv
    srv.stop()


@pytest.fixture
def store(server: BackgroundServer) -> Store:
    """The server's store, emptied (schemas stay) and with its manual clock back at the epoch."""
    app: KratosMockApp = server.app
    app.store.reset()
    clock_of(app.store).set(EPOCH)
    return app.store


@pytest.fixture
def api(server: BackgroundServer, store: Store) -> Iterator[IdentityApi]:
    client = ApiClient(Configuration(host=server.url))
    yield IdentityApi(client)
    client.rest_client.pool_manager.clear()  # close keep-alive sockets (no ResourceWarning, fast stop)


# --- helpers -----------------------------------------------------------------------------------


def clock_of(store: Store) -> MockClock:
    assert isinstance(store.clock, MockClock) and store.clock.frozen  # seeded apps run on a frozen clock
    return store.clock


def advance(store: Store, **delta: float) -> None:
    clock_of(store).advance(timedelta(**delta))


def at(**delta: float) -> datetime:
    """An instant relative to the seeded clock's epoch (2026-01-01T00:00:00Z)."""
    return EPOCH + timedelta(**delta)


def body_for(email: str, **extra: Any) -> CreateIdentityBody:
    return CreateIdentityBody(schema_id="default", traits={"email": email}, **extra)


def make_identity(api: IdentityApi, email: str = "ada@example.com", **extra: Any) -> Identity:
    return api.create_identity(body_for(email, **extra))


def with_password(password: str | None = None, hashed: str | None = None) -> IdentityWithCredentials:
    config = IdentityWithCredentialsPasswordConfig(password=password, hashed_password=hashed)
    return IdentityWithCredentials(password=IdentityWithCredentialsPassword(config=config))


def with_oidc(provider: str, subject: str, password: str | None = None) -> IdentityWithCredentials:
    link = IdentityWithCredentialsOidcConfigProvider(provider=provider, subject=subject)
    oidc = IdentityWithCredentialsOidc(config=IdentityWithCredentialsOidcConfig(providers=[link]))
    local = with_password(password).password if password is not None else None
    return IdentityWithCredentials(oidc=oidc, password=local)


def links(headers: Any) -> dict[str, dict[str, list[str]]]:
    """The ``Link`` header as ``{rel: parsed query}``."""
    return {rel: parse_qs(urlsplit(url).query) for url, rel in LINK.findall(headers.get("link") or "")}


def assert_kratos_error(exc: ApiException, status: int, *, reason: str | None = None) -> dict[str, Any]:
    """The Kratos envelope, both as raw JSON (``e.body``) and as the SDK's ``ErrorGeneric`` (``e.data``)."""
    assert exc.status == status
    error = json.loads(exc.body)["error"]
    assert error["code"] == status
    assert isinstance(error["status"], str) and error["status"]
    assert isinstance(error["message"], str) and error["message"]
    if reason is not None:
        assert reason in error.get("reason", ""), error
    # The SDK's own error model accepts the envelope. The SDK fills ``e.data`` only for the statuses
    # its spec declares for the operation (e.g. not for a 404 of getSession), so parse the body too.
    parsed = ErrorGeneric.from_json(exc.body)
    assert parsed is not None
    models = [parsed] if exc.data is None else [parsed, exc.data]
    for model in models:
        assert isinstance(model, ErrorGeneric), model
        assert model.error.code == status
        assert model.error.status == error["status"]
        assert model.error.message == error["message"]
        assert model.error.reason == error.get("reason")
    return error


# --- identities --------------------------------------------------------------------------------


def test_create_identity_with_plaintext_password_import(api: IdentityApi, server: BackgroundServer) -> None:
    body = CreateIdentityBody(
        schema_id="default",
        traits={"email": "Ada@Example.com", "name": {"first": "Ada", "last": "Lovelace"}},
        external_id="crm-1815",
        metadata_public={"plan": "pro"},
        metadata_admin={"note": "imported"},
        credentials=with_password("correct horse battery staple"),
        verifiable_addresses=[
            VerifiableIdentityAddress(value="ada@example.com", via="email", verified=True, status="completed")
        ],
    )
    response = api.create_identity_with_http_info(body)
    assert response.status_code == 201
    identity = response.data
    assert isinstance(identity, Identity)
    assert response.headers["location"] == f"{server.url}/identities/{identity.id}"
    assert identity.schema_id == "default"
    assert identity.schema_url == f"{server.url}/schemas/ZGVmYXVsdA"
    assert identity.state == "active"
    assert identity.state_changed_at == at()
    assert identity.created_at == identity.updated_at == at()
    assert identity.traits == {"email": "Ada@Example.com", "name": {"first": "Ada", "last": "Lovelace"}}
    assert identity.external_id == "crm-1815"
    assert identity.metadata_public == {"plan": "pro"}
    assert identity.metadata_admin == {"note": "imported"}
    assert identity.organization_id is None
    # credentials: identifiers derived (normalised) from the traits, config never in a create response
    assert identity.credentials is not None
    password = identity.credentials["password"]
    assert password.type == "password"
    assert password.identifiers == ["ada@example.com"]
    assert password.version == 1
    assert password.config is None
    assert identity.credentials["code"].identifiers == ["ada@example.com"]
    # the imported address keeps its verification; the recovery address is derived
    [address] = identity.verifiable_addresses or []
    assert (address.value, address.via, address.verified, address.status) == (
        "ada@example.com",
        "email",
        True,
        "completed",
    )
    assert address.verified_at == at()
    [recovery] = identity.recovery_addresses or []
    assert (recovery.value, recovery.via) == ("ada@example.com", "email")
    # the plaintext password was hashed on import
    [stored] = server.app.store.identities()
    assert stored.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")


def test_create_identity_with_hashed_password_and_get_with_include_credential(api: IdentityApi) -> None:
    created = make_identity(api, credentials=with_password(hashed=BCRYPT))
    plain = api.get_identity(created.id)
    assert plain.id == created.id
    assert plain.traits == {"email": "ada@example.com"}
    assert plain.metadata_admin is None
    assert plain.credentials is not None
    assert sorted(plain.credentials) == ["code", "password"]
    assert plain.credentials["password"].config is None  # not declassified without include_credential

    declassified = api.get_identity(created.id, include_credential=["password"])
    assert declassified.credentials is not None
    assert declassified.credentials["password"].config == {"hashed_password": BCRYPT}
    assert declassified.credentials["password"].identifiers == ["ada@example.com"]
    assert declassified.credentials["code"].config is None  # only what was asked for


def test_get_identity_includes_oidc_credential(api: IdentityApi) -> None:
    created = make_identity(api, credentials=with_oidc("github", "4711", password="s3cret-s3cret"))
    assert created.credentials is not None
    assert created.credentials["oidc"].identifiers == ["github:4711"]
    identity = api.get_identity(created.id, include_credential=["oidc", "password"])
    assert identity.credentials is not None
    oidc = identity.credentials["oidc"]
    assert oidc.type == "oidc"
    assert oidc.config == {
        "providers": [
            {
                "subject": "4711",
                "provider": "github",
                "initial_id_token": "",
                "initial_access_token": "",
                "initial_refresh_token": "",
            }
        ]
    }
    assert identity.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")


def test_list_identities_page_size_pagination(api: IdentityApi) -> None:
    created = [make_identity(api, f"user{i}@example.com").id for i in range(5)]
    seen: list[list[str]] = []
    token: str | None = None
    while True:
        response = api.list_identities_with_http_info(page_size=2, page_token=token)
        assert response.status_code == 200
        page = response.data
        assert all(isinstance(i, Identity) for i in page)
        assert all(i.credentials is None for i in page)  # lists hide credentials unless asked
        seen.append([i.id for i in page])
        rels = links(response.headers)
        assert rels["first"]["page_size"] == ["2"]
        assert rels["first"]["page_token"] == ["00000000-0000-0000-0000-000000000000"]
        if "next" not in rels:
            break
        assert rels["next"]["page_size"] == ["2"]
        token = rels["next"]["page_token"][0]
        assert token == page[-1].id  # keyset: the last id seen
    assert [len(p) for p in seen] == [2, 2, 1]
    assert [i for p in seen for i in p] == sorted(created)

    everything = api.list_identities()
    assert [i.id for i in everything] == sorted(created)
    by_ids = api.list_identities(ids=[created[3], created[1], UNKNOWN_ID])
    assert sorted(i.id for i in by_ids) == sorted([created[1], created[3]])


def test_list_identities_legacy_pages_report_the_total(api: IdentityApi) -> None:
    created = sorted(make_identity(api, f"user{i}@example.com").id for i in range(3))
    response = api.list_identities_with_http_info(page=1, per_page=2)
    assert [i.id for i in response.data] == created[2:]
    assert response.headers["x-total-count"] == "3"
    assert links(response.headers)["first"] == {"page": ["0"], "per_page": ["2"]}


def test_list_identities_by_credentials_identifier(api: IdentityApi) -> None:
    ada = make_identity(api, "ada@example.com", credentials=with_password("s3cret-s3cret"))
    make_identity(api, "grace@example.com")
    found = api.list_identities(credentials_identifier="ADA@example.com ")
    assert [i.id for i in found] == [ada.id]
    assert found[0].credentials is not None
    assert found[0].credentials["password"].identifiers == ["ada@example.com"]
    assert found[0].credentials["password"].config is None
    with_config = api.list_identities(credentials_identifier="ada@example.com", include_credential=["password"])
    assert with_config[0].credentials is not None
    assert with_config[0].credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
    assert api.list_identities(credentials_identifier="nobody@example.com") == []


def test_patch_identity(api: IdentityApi, store: Store) -> None:
    created = make_identity(api)
    advance(store, minutes=5)
    patched = api.patch_identity(
        created.id,
        [
            JsonPatch(op="add", path="/traits/name", value={"first": "Ada"}),
            JsonPatch(op="replace", path="/metadata_public", value={"tier": "gold"}),
            JsonPatch(op="replace", path="/state", value="inactive"),
        ],
    )
    assert patched.id == created.id
    assert patched.traits == {"email": "ada@example.com", "name": {"first": "Ada"}}
    assert patched.metadata_public == {"tier": "gold"}
    assert patched.state == "inactive"
    assert patched.state_changed_at == at(minutes=5)
    assert patched.updated_at == at(minutes=5)
    assert patched.created_at == at()
    assert api.get_identity(created.id).traits == patched.traits

    # Kratos' denied paths
    with pytest.raises(BadRequestException) as denied:
        api.patch_identity(created.id, [JsonPatch(op="replace", path="/id", value=UNKNOWN_ID)])
    assert "denied path: /id" in assert_kratos_error(denied.value, 400)["message"]
    # a traits change that breaks the schema is refused, and nothing changes
    with pytest.raises(BadRequestException) as caught:
        api.patch_identity(created.id, [JsonPatch(op="remove", path="/traits/email")])
    assert_kratos_error(caught.value, 400)
    assert api.get_identity(created.id).traits == patched.traits


def test_update_identity(api: IdentityApi, store: Store) -> None:
    created = make_identity(api, metadata_admin={"a": 1}, credentials=with_password("s3cret-s3cret"))
    advance(store, hours=1)
    updated = api.update_identity(
        created.id,
        UpdateIdentityBody(
            schema_id="default",
            state="inactive",
            traits={"email": "countess@example.com"},
            metadata_admin={"b": 2},
            external_id="crm-42",
        ),
    )
    assert updated.id == created.id
    assert updated.traits == {"email": "countess@example.com"}
    assert updated.state == "inactive"
    assert updated.state_changed_at == at(hours=1)
    assert updated.external_id == "crm-42"
    assert updated.metadata_admin == {"b": 2}
    assert updated.metadata_public is None
    assert updated.created_at == at()
    assert updated.updated_at == at(hours=1)
    # identifiers and addresses follow the new traits; the password (omitted in the body) is kept
    assert updated.credentials is not None
    assert updated.credentials["password"].identifiers == ["countess@example.com"]
    assert [a.value for a in updated.verifiable_addresses or []] == ["countess@example.com"]
    assert [a.value for a in updated.recovery_addresses or []] == ["countess@example.com"]
    again = api.get_identity(created.id, include_credential=["password"])
    assert again.credentials is not None
    assert again.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
    assert api.list_identities(credentials_identifier="ada@example.com") == []
    assert [i.id for i in api.list_identities(credentials_identifier="countess@example.com")] == [created.id]


def test_delete_identity(api: IdentityApi, store: Store) -> None:
    doomed = make_identity(api)
    kept = make_identity(api, "grace@example.com")
    session = store.create_session(doomed.id)
    response = api.delete_identity_with_http_info(doomed.id)
    assert response.status_code == 204
    assert response.data is None
    with pytest.raises(NotFoundException) as caught:
        api.get_identity(doomed.id)
    assert_kratos_error(caught.value, 404)
    with pytest.raises(NotFoundException):
        api.get_session(session.id)  # its sessions went with it
    assert [i.id for i in api.list_identities()] == [kept.id]
    with pytest.raises(NotFoundException) as again:
        api.delete_identity(doomed.id)
    assert_kratos_error(again.value, 404)


def test_get_identity_by_external_id(api: IdentityApi) -> None:
    created = make_identity(api, external_id="crm-7", credentials=with_password("s3cret-s3cret"))
    make_identity(api, "grace@example.com", external_id="crm-8")
    found = api.get_identity_by_external_id("crm-7", include_credential=["password"])
    assert found.id == created.id
    assert found.external_id == "crm-7"
    assert found.credentials is not None
    assert found.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
    with pytest.raises(NotFoundException) as caught:
        api.get_identity_by_external_id("crm-unknown")
    assert_kratos_error(caught.value, 404)


def test_delete_identity_credentials(api: IdentityApi) -> None:
    created = make_identity(api, credentials=with_oidc("github", "4711", password="s3cret-s3cret"))
    response = api.delete_identity_credentials_with_http_info(created.id, "oidc", identifier="github:4711")
    assert response.status_code == 204
    after = api.get_identity(created.id, include_credential=["password"])
    assert after.credentials is not None
    # v26.2.0 keeps the credential with no identifiers (identity.go deleteCredentialOIDCSAMLFromIdentity)
    assert after.credentials["oidc"].identifiers == []
    assert after.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
    # the password is now the last first factor: Kratos refuses to remove it
    with pytest.raises(BadRequestException) as last:
        api.delete_identity_credentials(created.id, "password")
    assert_kratos_error(last.value, 400, reason="last first factor")
    with pytest.raises(NotFoundException) as absent:
        api.delete_identity_credentials(created.id, "totp")
    assert_kratos_error(absent.value, 404, reason="no totp set up")


def test_batch_patch_identities(api: IdentityApi) -> None:
    existing = make_identity(api, "ada@example.com")
    result = api.batch_patch_identities(
        PatchIdentitiesBody(
            identities=[
                IdentityPatch(patch_id=PATCH_ID, create=body_for("grace@example.com", state="inactive")),
                IdentityPatch(create=body_for("ada@example.com")),  # taken by `existing`
                IdentityPatch(create=body_for("hedy@example.com", credentials=with_password("s3cret-s3cret"))),
            ]
        )
    )
    assert result.identities is not None
    first, duplicate, third = result.identities
    assert first.action == "create"
    assert first.patch_id == PATCH_ID
    assert first.identity is not None
    assert duplicate.action == "error"
    assert duplicate.identity is None
    assert duplicate.error["code"] == 409
    assert third.action == "create"
    assert third.patch_id is None
    grace = api.get_identity(first.identity)
    assert grace.traits == {"email": "grace@example.com"}
    assert grace.state == "inactive"
    assert third.identity is not None
    hedy = api.get_identity(third.identity, include_credential=["password"])
    assert hedy.credentials is not None
    assert hedy.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
    assert sorted(i.id for i in api.list_identities()) == sorted([existing.id, grace.id, hedy.id])


# --- sessions ----------------------------------------------------------------------------------


def test_list_sessions_and_get_session_with_expand(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    session = store.create_session(
        identity.id, SessionSeed(devices=({"ip_address": "203.0.113.7", "user_agent": "curl/8"},))
    )

    [listed] = api.list_sessions()
    assert isinstance(listed, Session)
    assert listed.id == session.id
    assert listed.active is True
    assert listed.identity is None
    assert listed.devices is None
    assert listed.authenticator_assurance_level == "aal1"
    assert listed.expires_at == at(hours=24)
    assert listed.authenticated_at == listed.issued_at == at()
    [method] = listed.authentication_methods or []
    assert method.method == "password"
    assert method.aal == "aal1"
    assert method.completed_at == at()

    [expanded] = api.list_sessions(expand=["identity", "devices"])
    assert expanded.identity is not None
    assert expanded.identity.id == identity.id
    assert expanded.identity.credentials is None
    assert expanded.identity.metadata_admin is None
    [device] = expanded.devices or []
    assert (device.ip_address, device.user_agent) == ("203.0.113.7", "curl/8")

    plain = api.get_session(session.id)
    assert plain.id == session.id
    assert plain.active is True
    assert plain.identity is None
    assert plain.devices == []
    full = api.get_session(session.id, expand=["identity", "devices"])
    assert full.identity is not None
    assert full.identity.id == identity.id
    assert full.identity.traits == {"email": "ada@example.com"}
    assert [d.ip_address for d in full.devices or []] == ["203.0.113.7"]
    assert full.tokenized is None


def test_list_sessions_pagination_and_active_filter(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    made = []
    for _ in range(3):
        made.append(store.create_session(identity.id).id)
        advance(store, seconds=1)
    seen: list[str] = []
    token: str | None = None
    for _ in range(5):
        response = api.list_sessions_with_http_info(page_size=2, page_token=token)
        seen += [s.id for s in response.data]
        nxt = links(response.headers).get("next")
        if nxt is None:
            break
        token = nxt["page_token"][0]
    assert seen == made[::-1]  # newest first
    api.disable_session(made[0])
    assert [s.id for s in api.list_sessions(active=True)] == made[:0:-1]
    assert [s.id for s in api.list_sessions(active=False)] == [made[0]]


def test_disable_session(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    session = store.create_session(identity.id)
    response = api.disable_session_with_http_info(session.id)
    assert response.status_code == 204
    assert api.get_session(session.id).active is False  # disabled, not deleted
    api.disable_session(session.id)  # idempotent
    with pytest.raises(NotFoundException) as caught:
        api.disable_session(UNKNOWN_ID)
    assert_kratos_error(caught.value, 404)


def test_extend_session(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    session = store.create_session(identity.id)
    advance(store, hours=5)
    response = api.extend_session_with_http_info(session.id)
    assert response.status_code == 200
    extended = response.data
    assert isinstance(extended, Session)
    assert extended.id == session.id
    assert extended.expires_at == at(hours=29)  # now (+5h) + the 24h lifespan
    assert extended.active is True
    assert extended.identity is not None
    assert extended.identity.id == identity.id
    assert api.get_session(session.id).expires_at == at(hours=29)
    with pytest.raises(NotFoundException):
        api.extend_session(UNKNOWN_ID)


def test_list_identity_sessions(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    other = make_identity(api, "grace@example.com")
    older = store.create_session(identity.id, SessionSeed(devices=({"ip_address": "198.51.100.1"},)))
    advance(store, seconds=1)
    newer = store.create_session(identity.id)
    store.create_session(other.id)
    api.disable_session(older.id)

    response = api.list_identity_sessions_with_http_info(identity.id)
    assert response.headers["x-total-count"] == "2"
    sessions = response.data
    assert [s.id for s in sessions] == [newer.id, older.id]  # newest first
    assert [s.active for s in sessions] == [True, False]
    assert all(s.identity is not None and s.identity.id == identity.id for s in sessions)
    assert [d.ip_address for d in sessions[1].devices or []] == ["198.51.100.1"]
    assert [s.id for s in api.list_identity_sessions(identity.id, active=True)] == [newer.id]
    assert [s.id for s in api.list_identity_sessions(identity.id, active=False)] == [older.id]
    assert [s.id for s in api.list_identity_sessions(identity.id, page_size=1)] == [newer.id]
    assert api.list_identity_sessions(UNKNOWN_ID) == []


def test_delete_identity_sessions(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    other = make_identity(api, "grace@example.com")
    mine = [store.create_session(identity.id).id for _ in range(2)]
    theirs = store.create_session(other.id)
    response = api.delete_identity_sessions_with_http_info(identity.id)
    assert response.status_code == 204
    assert api.list_identity_sessions(identity.id) == []
    for session_id in mine:
        with pytest.raises(NotFoundException):
            api.get_session(session_id)
    assert [s.id for s in api.list_sessions()] == [theirs.id]
    with pytest.raises(NotFoundException) as caught:
        api.delete_identity_sessions(identity.id)  # nothing left to delete
    assert_kratos_error(caught.value, 404)


# --- recovery ----------------------------------------------------------------------------------


def test_create_recovery_code_for_identity(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    response = api.create_recovery_code_for_identity_with_http_info(
        CreateRecoveryCodeForIdentityBody(identity_id=identity.id, expires_in="1h30m", flow_type="api")
    )
    assert response.status_code == 201
    code = response.data
    assert isinstance(code, RecoveryCodeForIdentity)
    assert re.fullmatch(r"\d{6}", code.recovery_code)
    assert re.fullmatch(r"http://127\.0\.0\.1:4455/recovery\?flow=[0-9a-f-]{36}", code.recovery_link)
    assert code.expires_at == at(hours=1, minutes=30)
    [grant] = store.recovery_grants(identity.id)
    assert (grant.kind, grant.secret) == ("code", code.recovery_code)
    assert code.recovery_link.endswith(grant.flow_id)

    default = api.create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody(identity_id=identity.id))
    assert default.expires_at == at(hours=1)
    with pytest.raises(NotFoundException) as caught:
        api.create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody(identity_id=UNKNOWN_ID))
    assert_kratos_error(caught.value, 404, reason="could not find identity")


def test_create_recovery_link_for_identity(api: IdentityApi, server: BackgroundServer, store: Store) -> None:
    identity = make_identity(api)
    response = api.create_recovery_link_for_identity_with_http_info(
        return_to="https://app.example.com/welcome",
        create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(
            identity_id=identity.id, expires_in="30m"
        ),
    )
    assert response.status_code == 200
    link = response.data
    assert isinstance(link, RecoveryLinkForIdentity)
    assert link.expires_at == at(minutes=30)
    [grant] = store.recovery_grants(identity.id)
    assert grant.kind == "link"
    assert link.recovery_link == f"{server.url}/self-service/recovery?flow={grant.flow_id}&token={grant.secret}"
    with pytest.raises(BadRequestException) as caught:
        api.create_recovery_link_for_identity(
            create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(identity_id=UNKNOWN_ID)
        )
    assert_kratos_error(caught.value, 400, reason="does not exist")


# --- identity schemas --------------------------------------------------------------------------


def test_list_and_get_identity_schemas(api: IdentityApi) -> None:
    response = api.list_identity_schemas_with_http_info()
    assert response.headers["x-total-count"] == "1"
    [container] = response.data
    assert isinstance(container, IdentitySchemaContainer)
    assert container.id == "default"
    assert container.var_schema["title"] == "Person"
    assert container.var_schema["properties"]["traits"]["required"] == ["email"]

    schema = api.get_identity_schema("default")
    assert schema == container.var_schema
    assert api.get_identity_schema("ZGVmYXVsdA") == schema  # the base64url id of schema_url works too
    with pytest.raises(NotFoundException) as caught:
        api.get_identity_schema("nope")
    assert_kratos_error(caught.value, 404, reason="`nope` could not be found")


# --- errors ------------------------------------------------------------------------------------


def test_unknown_identity_is_a_404_kratos_envelope(api: IdentityApi) -> None:
    with pytest.raises(NotFoundException) as caught:
        api.get_identity(UNKNOWN_ID)
    error = assert_kratos_error(caught.value, 404)
    assert error == {"code": 404, "status": "Not Found", "message": "Unable to locate the resource"}
    with pytest.raises(NotFoundException) as session:
        api.get_session(UNKNOWN_ID)
    assert_kratos_error(session.value, 404)


def test_duplicate_identifier_is_a_409(api: IdentityApi) -> None:
    make_identity(api, "ada@example.com")
    with pytest.raises(ConflictException) as caught:
        make_identity(api, "ADA@example.com")
    assert_kratos_error(caught.value, 409, reason="conflicts with another identity")
    assert len(api.list_identities()) == 1
    make_identity(api, "grace@example.com", external_id="crm-1")
    with pytest.raises(ConflictException) as external:
        make_identity(api, "hedy@example.com", external_id="crm-1")
    assert_kratos_error(external.value, 409)
    assert len(api.list_identities()) == 2


def test_bad_parameters_are_400s(api: IdentityApi, store: Store) -> None:
    identity = make_identity(api)
    with pytest.raises(BadRequestException) as include:
        api.list_identities(include_credential=["passwords"])
    error = assert_kratos_error(include.value, 400)
    assert error["reason"] == "Invalid value `passwords` for parameter `include_credential`."
    with pytest.raises(BadRequestException) as session:
        api.get_session("not-a-uuid")
    assert "uuid" in assert_kratos_error(session.value, 400)["message"]
    with pytest.raises(BadRequestException) as schema:
        api.create_identity(CreateIdentityBody(schema_id="default", traits={"email": "not an email"}))
    assert_kratos_error(schema.value, 400)
    with pytest.raises(BadRequestException) as expand:
        api.get_session(store.create_session(identity.id).id, expand=["everything"])
    assert_kratos_error(expand.value, 400)


def test_get_identity_rejects_an_unknown_include_credential_like_kratos(api: IdentityApi) -> None:
    """Kratos' getIdentity answers ``Invalid value `[...]` for parameter `include_credential`.``"""
    identity = make_identity(api)
    with pytest.raises(BadRequestException) as caught:
        api.get_identity(identity.id, include_credential=["passwords"])
    assert_kratos_error(caught.value, 400, reason="for parameter `include_credential`")


def test_session_expand_is_case_insensitive_like_kratos(api: IdentityApi, store: Store) -> None:
    """Kratos lower-cases expand options (``session.ParseExpandable``); the SDK documents ``?expand=Identity``."""
    identity = make_identity(api)
    session = store.create_session(identity.id, SessionSeed(devices=({"ip_address": "203.0.113.7"},)))
    full = api.get_session(session.id, expand=["Identity", "Devices"])
    assert full.identity is not None
    assert full.identity.id == identity.id
    assert [d.ip_address for d in full.devices or []] == ["203.0.113.7"]
    [listed] = api.list_sessions(expand=["Identity"])
    assert listed.identity is not None
    assert listed.identity.id == identity.id


def test_unknown_expand_option_is_rejected_like_kratos(api: IdentityApi, store: Store) -> None:
    session = store.create_session(make_identity(api).id)
    with pytest.raises(BadRequestException) as caught:
        api.get_session(session.id, expand=["everything"])
    assert_kratos_error(caught.value, 400, reason="Could not parse expand option: everything")


def test_timestamps_are_utc(api: IdentityApi) -> None:
    identity = make_identity(api)
    assert identity.created_at is not None
    assert identity.created_at.utcoffset() == timedelta(0)
    assert identity.created_at == datetime(2026, 1, 1, tzinfo=UTC)
