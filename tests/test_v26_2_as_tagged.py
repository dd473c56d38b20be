"""Kratos v26.2.0 as tagged (commit 9d708594), where it differs from master: one test per row of
the audit that the mock reproduces. Each names the Kratos function it follows."""

from __future__ import annotations

from starlette.testclient import TestClient

from .conftest import assert_error, new_identity

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_a_trailing_slash_is_404_not_a_redirect(client: TestClient) -> None:
    """cmd/daemon/serve.go mounts no slash-trimming middleware; Go 1.22 ServeMux patterns do not match."""
    response = client.post(
        "/admin/identities/",
        json={"schema_id": "default", "traits": {"email": "a@example.com"}},
        follow_redirects=False,
    )
    assert_error(response, 404)
    assert client.get("/admin/identities").json() == []  # nothing was created


def test_replacing_the_whole_oidc_credential_is_allowed_but_not_what_is_inside(client: TestClient) -> None:
    """identity/handler.go patchIdentity: denied are /id, /stateChangedAt, /credentials and /credentials/oidc/**."""
    providers = [{"provider": "google", "subject": "1"}]
    created = new_identity(client, credentials={"oidc": {"config": {"providers": providers}}})
    url = f"/admin/identities/{created['id']}"
    inside = client.patch(url, json=[{"op": "replace", "path": "/credentials/oidc/identifiers", "value": []}])
    assert_error(inside, 400, message="patch includes denied path: /credentials/oidc/identifiers")
    whole = {
        "type": "oidc",
        "identifiers": ["github:2"],
        "config": {"providers": [{"provider": "github", "subject": "2"}]},
    }
    replaced = client.patch(url, json=[{"op": "replace", "path": "/credentials/oidc", "value": whole}])
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["credentials"]["oidc"]["identifiers"] == ["github:2"]


def test_an_unknown_identity_is_404_before_include_credential_is_checked(client: TestClient) -> None:
    """identity/handler.go getIdentity looks the identity up before parsing include_credential."""
    response = client.get(f"/admin/identities/{UNKNOWN}", params={"include_credential": "profile"})
    assert_error(response, 404)
    by_external = client.get("/admin/identities/by/external/nobody", params={"include_credential": "profile"})
    assert_error(by_external, 404)


def test_deleting_the_last_oidc_provider_keeps_an_empty_credential(client: TestClient) -> None:
    """identity/identity.go deleteCredentialOIDCSAMLFromIdentity: identifiers and providers emptied, type kept."""
    providers = [{"provider": "google", "subject": "1"}]
    created = new_identity(
        client,
        credentials={"oidc": {"config": {"providers": providers}}, "password": {"config": {"password": "pw-12345678"}}},
    )
    url = f"/admin/identities/{created['id']}/credentials/oidc"
    missing = client.delete(url, params={"identifier": "google:nope"})
    assert_error(missing, 404, reason="The identifier `google:nope` was not found among OIDC credentials.")
    assert client.delete(url, params={"identifier": "google:1"}).status_code == 204
    got = client.get(f"/admin/identities/{created['id']}", params={"include_credential": "oidc"}).json()
    assert got["credentials"]["oidc"]["identifiers"] == []
    assert got["credentials"]["oidc"]["config"] == {"providers": []}


def test_admin_whoami_redirects_to_the_public_route(client: TestClient) -> None:
    """session/handler.go: GET /admin/sessions/whoami is a 307 to the public /sessions/whoami."""
    response = client.get("/admin/sessions/whoami", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://127.0.0.1:4434/sessions/whoami"


def test_include_credential_deviceauthn_is_400(client: TestClient) -> None:
    """identity/credentials.go ParseCredentialsType knows no deviceauthn at v26.2.0."""
    created = new_identity(client)
    response = client.get(f"/admin/identities/{created['id']}", params={"include_credential": "deviceauthn"})
    assert response.status_code == 400


def test_identity_embedded_in_identity_sessions_has_an_empty_schema_url(client: TestClient, app: object) -> None:
    """session/handler.go ListSessionsByIdentity never fills schema_url of the embedded identity."""
    created = new_identity(client)
    app.store.create_session(created["id"])  # type: ignore[attr-defined]
    [session] = client.get(f"/admin/identities/{created['id']}/sessions").json()
    assert session["identity"]["schema_url"] == ""


def test_offset_link_past_the_last_page_points_prev_at_the_page_before_the_last(client: TestClient) -> None:
    """oryx/pagination/header.go HeaderWithFormatter: on or past the last page, prev = lastOffset - perPage."""
    for n in range(5):
        new_identity(client, f"user{n}@example.com")
    link = client.get("/admin/identities", params={"page": 7, "per_page": 2}).headers["link"]
    assert 'page=1&per_page=2>; rel="prev"' in link


def test_comma_joined_array_values_are_taken_literally(client: TestClient) -> None:
    """Go's url.Values keeps `a,b` as one value: ParseExpandable fails on it, and it is no UUID."""
    expand = client.get("/admin/sessions", params={"expand": "identity,devices"})
    assert_error(expand, 400, reason="Could not parse expand option: identity,devices")
    ids = client.get("/admin/identities", params={"ids": f"{UNKNOWN},{UNKNOWN}"})
    assert ids.status_code == 400
    repeated = client.get("/admin/sessions", params=[("expand", "identity"), ("expand", "devices")])
    assert repeated.status_code == 200


def test_create_and_json_patch_ignore_the_content_type(client: TestClient) -> None:
    """identity/handler.go create and patchIdentity decode the body whatever its Content-Type."""
    body = b'{"schema_id": "default", "traits": {"email": "plain@example.com"}}'
    created = client.post("/admin/identities", content=body, headers={"Content-Type": "text/plain"})
    assert created.status_code == 201, created.text
    ops = b'[{"op": "replace", "path": "/state", "value": "inactive"}]'
    url = f"/admin/identities/{created.json()['id']}"
    patched = client.patch(url, content=ops, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert patched.status_code == 200 and patched.json()["state"] == "inactive"


def test_put_and_recovery_refuse_a_non_json_content_type(client: TestClient) -> None:
    """oryx/decoderx/http.go validateRequest: PUT and the recovery endpoints need a JSON body."""
    created = new_identity(client)
    body = b'{"schema_id": "default", "traits": {"email": "ada@example.com"}}'
    put = client.put(f"/admin/identities/{created['id']}", content=body, headers={"Content-Type": "text/plain"})
    assert_error(put, 400)
    recovery = client.post(
        "/admin/recovery/code", content=b'{"identity_id": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert_error(recovery, 400)


def test_deleting_an_unknown_credential_type_is_404(client: TestClient) -> None:
    """identity/handler.go deleteIdentityCredentials: a type the identity lacks, known or not, is 404."""
    created = new_identity(client)
    response = client.delete(f"/admin/identities/{created['id']}/credentials/lookup")
    assert_error(response, 404, reason="You tried to remove a lookup but this user have no lookup set up.")
