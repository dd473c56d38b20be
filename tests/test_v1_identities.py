"""Kratos v1.0.0 and v1.1.0 identity rules, one test per behaviour, each citing the Go code at the tag."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app, generations
from mockserver.app import KratosMockApp
from mockserver.identity_schemas import default_schemas
from mockserver.spec import bundled

from .conftest import BASE_URL, assert_error
from .v1_helpers import seed_second_factors

UNIQUE = "Unable to insert or update resource because a resource with that value exists already"
V1 = ("v1.0", "v1.1")


def serve(api: str, *, quickstart: bool = True, **kwargs: Any) -> tuple[KratosMockApp, TestClient]:
    fixtures = [bundled("fixtures", generations.get(api).default_fixtures)] if quickstart else []
    app = create_app(seed=11, api=api, fixtures=fixtures, **kwargs)
    return app, TestClient(app, base_url=BASE_URL)


@pytest.fixture(params=V1)
def v1(request: pytest.FixtureRequest) -> Iterator[tuple[str, KratosMockApp, TestClient]]:
    app, client = serve(request.param)
    with client:
        yield request.param, app, client


def create(client: TestClient, email: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": email}, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def entry(email: str, **extra: Any) -> dict[str, Any]:
    return {"create": {"schema_id": "default", "traits": {"email": email}, **extra}}


# --- credential types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "credentials"),
    [
        # schema/extension.go ExtensionConfig @v1.0.0 has no credentials.code: nothing is derived
        ("v1.0", {"password": ([], 1)}),
        # identity/extension_credentials.go Run @v1.1.0: the identifier, an empty config, version 0
        ("v1.1", {"password": ([], 1), "code": ({}, 0)}),
        # v26.2 keeps the addresses at version 1
        ("v26.2", {"password": ([], 1), "code": ({"addresses": [{"channel": "email", "address": "a@x.io"}]}, 1)}),
    ],
)
def test_a_schema_code_identifier_derives_a_code_credential_only_from_v1_1(
    api: str, credentials: dict[str, tuple[Any, int]]
) -> None:
    app, client = serve(api, quickstart=False)  # the bundled schema marks email as password and code identifier
    identity = create(client, "A@x.io")
    stored = app.store.get_identity(identity["id"]).credentials
    assert set(stored) == set(credentials)
    assert stored["password"].identifiers == ("a@x.io",)
    if "code" in credentials:
        config, version = credentials["code"]
        assert (stored["code"].identifiers, stored["code"].config, stored["code"].version) == (
            ("a@x.io",),
            config,
            version,
        )
    email = default_schemas()["default"]["properties"]["traits"]["properties"]["email"]
    assert email["ory.sh/kratos"]["credentials"]["code"]["identifier"] is True


# --- batches: identity/handler.go batchPatchIdentities, identity/manager.go CreateIdentities ----


def test_a_batch_conflict_fails_the_whole_request_and_creates_nothing(v1: Any) -> None:
    _, app, client = v1
    create(client, "taken@example.com")
    for entries in (
        [entry("new@example.com"), entry("TAKEN@example.com")],  # against the store
        [entry("twice@example.com"), entry("Twice@example.com")],  # inside the batch
    ):
        response = client.patch("/admin/identities", json={"identities": entries})
        assert_error(response, 409, message=UNIQUE)
        assert "reason" not in response.json()["error"]
        assert len(app.store) == 1


def test_a_batch_validates_every_entry_before_inserting_any(v1: Any) -> None:
    """CreateIdentities validates all identities first: a conflict before an invalid entry is a 400."""
    _, app, client = v1
    create(client, "taken@example.com")
    invalid = {"create": {"schema_id": "default", "traits": {}}}
    response = client.patch("/admin/identities", json={"identities": [entry("taken@example.com"), invalid]})
    assert_error(response, 400, reason="email")
    assert len(app.store) == 1


def test_a_batch_answers_only_create_actions_and_null_for_entries_without_create(v1: Any) -> None:
    _, _, client = v1
    patch_id = "6f1c7b3e-1d2a-4c1b-9e5f-0a1b2c3d4e5f"
    response = client.patch(
        "/admin/identities", json={"identities": [{**entry("a@example.com"), "patch_id": patch_id}, {}]}
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["identities"]
    assert set(first) == {"action", "identity", "patch_id"} and first["action"] == "create"
    assert first["patch_id"] == patch_id and second is None


def test_a_batch_takes_2000_entries_and_any_number_of_plaintext_passwords(v1: Any) -> None:
    """BatchPatchIdentitiesLimit = 2000; v1.x has no plaintext-password cap (v26.2: 200)."""
    _, app, client = v1
    too_many = [{} for _ in range(2001)]
    response = client.patch("/admin/identities", json={"identities": too_many})
    assert_error(
        response, 400, reason="The maximum number of identities that can be created or deleted at once is 2000."
    )
    password = {"credentials": {"password": {"config": {"password": "correct horse battery"}}}}
    plain = [entry(f"u{n}@example.com", **password) for n in range(201)]
    response = client.patch("/admin/identities", json={"identities": plain})
    assert response.status_code == 200, response.text
    assert len(app.store) == 201


def test_v1_x_bodies_are_decoded_strictly_with_herodots_plain_error_where_kratos_writes_one(v1: Any) -> None:
    """jsonx.NewStrictDecoder + WriteErrorCode(400, err): HTTP 400, body code 500 (herodot
    ToDefaultError) in batches and v1.0's create; v1.1's create wraps it in ErrBadRequest."""
    api, app, client = v1
    for body in ({"identities": [entry("a@example.com", external_id="x")]}, {"identities": [], "extra": 1}):
        response = client.patch("/admin/identities", json=body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == 500 and response.json()["error"]["status"] == "Internal Server Error"
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {}, "organization_id": None})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == 'json: unknown field "organization_id"'
    assert response.json()["error"]["code"] == (500 if api == "v1.0" else 400)
    # the v1.x OIDC config declares a password config under "config": accepted, ignored
    oidc = {"oidc": {"config": {"config": {"password": "x"}, "providers": [{"provider": "g", "subject": "1"}]}}}
    assert client.post("/admin/identities", json=entry("o@example.com", credentials=oidc)["create"]).status_code == 201
    assert len(app.store) == 1


def test_conflicts_on_create_are_raw_in_v1_0_and_worded_in_v1_1(v1: Any) -> None:
    """identity/handler.go create: v1.1 maps sqlcon.ErrUniqueViolation to ErrConflict with a reason."""
    api, _, client = v1
    create(client, "a@example.com")
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "A@example.com"}})
    if api == "v1.0":
        assert_error(response, 409, message=UNIQUE)
        assert "reason" not in response.json()["error"]
    else:
        assert_error(response, 409, reason="This identity conflicts with another identity that already exists.")


def test_there_is_no_external_id(v1: Any) -> None:
    """No Identity.ExternalID and no by-external-id route in v1.x; PUT ignores the field (decoderx)."""
    _, app, client = v1
    identity = create(client, "a@example.com")
    body = {"schema_id": "default", "state": "active", "traits": {"email": "a@example.com"}, "external_id": "ext"}
    updated = client.put(f"/admin/identities/{identity['id']}", json=body)
    assert updated.status_code == 200 and "external_id" not in updated.json()
    assert app.store.get_identity(identity["id"]).external_id is None
    assert client.get("/admin/identities/by/external/ext").status_code == 404


def test_v1_0_identities_have_no_organization_id_and_v1_1_always_null(v1: Any) -> None:
    api, _, client = v1
    identity = create(client, "a@example.com")
    for view in (
        identity,
        client.get(f"/admin/identities/{identity['id']}").json(),
        client.get("/admin/identities").json()[0],
    ):
        assert ("organization_id" in view) == (api == "v1.1") and view.get("organization_id") is None


# --- get: identity/handler.go get, identity.ParseCredentialsType -----------------------------------


def test_include_credential_is_checked_after_the_identity_is_found(v1: Any) -> None:
    api, _, client = v1
    identity = create(client, "a@example.com")
    assert (
        client.get("/admin/identities/00000000-0000-4000-8000-000000000000?include_credential=saml").status_code == 404
    )
    response = client.get(f"/admin/identities/{identity['id']}?include_credential=password&include_credential=saml")
    assert_error(response, 400, reason="Invalid value `[password]` for parameter `include_credential`.")
    code = client.get(f"/admin/identities/{identity['id']}?include_credential=code")
    assert code.status_code == (400 if api == "v1.0" else 200), code.text  # code exists from v1.1
    recovery = client.get(f"/admin/identities/{identity['id']}?include_credential=link_recovery")
    assert recovery.status_code == 200  # outside the spec's enum, accepted by Kratos


# --- deleting credentials: identity/handler.go deleteIdentityCredentials @v1.x --------------------


def test_first_factor_credentials_cannot_be_deleted(v1: Any) -> None:
    api = v1[0]
    app, client = serve(api, quickstart=False)  # the bundled schema: v1.1 derives a code credential
    identity = create(client, "a@example.com")
    first_factors = ["password", "code"] if api == "v1.1" else ["password"]
    for kind in first_factors:
        response = client.delete(f"/admin/identities/{identity['id']}/credentials/{kind}")
        assert_error(response, 400, reason="You can't remove first factor credentials.")
    if api == "v1.0":  # v1.0 derived no code credential from the code identifier
        assert_error(client.delete(f"/admin/identities/{identity['id']}/credentials/code"), 404)
    assert set(app.store.get_identity(identity["id"]).credentials) == set(first_factors)


def test_second_factors_are_deleted_and_passwordless_webauthn_keys_kept(v1: Any) -> None:
    _, app, client = v1
    mfa = seed_second_factors(app.store)
    for kind in ("totp", "lookup_secret", "webauthn"):  # lookup_secret: outside v1.0's documented enum
        response = client.delete(f"/admin/identities/{mfa}/credentials/{kind}")
        assert response.status_code == 204, response.text
    left = app.store.get_identity(mfa).credentials
    assert set(left) == {"password", "webauthn"}
    assert [k["id"] for k in left["webauthn"].config["credentials"]] == ["passwordless"]
    again = client.delete(f"/admin/identities/{mfa}/credentials/totp")
    assert_error(again, 404, reason="You tried to remove a totp but this user have no totp set up.")


# --- JSON Patch: identity/handler.go patch @v1.x (ory/x jsonx.ApplyJSONPatch) ---------------------


def test_json_patch_never_reaches_credentials(v1: Any) -> None:
    """The deny list is exact ("/id", "/stateChangedAt", "/credentials") over a document without
    credentials; the stored credentials are put back, so edits below /credentials are lost."""
    _, app, client = v1
    identity = create(client, "a@example.com", credentials={"password": {"config": {"password": "s3cret-pass"}}})
    before = app.store.get_identity(identity["id"]).credentials
    url = f"/admin/identities/{identity['id']}"
    add = [{"op": "add", "path": "/credentials/password/config/hashed_password", "value": "$2a$10$x"}]
    assert client.patch(url, json=add).status_code == 200
    assert app.store.get_identity(identity["id"]).credentials == before
    for path in ("/credentials", "/id", "/stateChangedAt"):
        response = client.patch(url, json=[{"op": "add", "path": path, "value": {}}])
        assert_error(response, 400, message=f"patch includes denied path: {path}")
    missing = client.patch(url, json=[{"op": "remove", "path": "/credentials/password"}])
    assert_error(missing, 400, reason="An error occured when applying the JSON patch")
