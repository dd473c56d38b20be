"""Kratos v26.2.0 as tagged (commit 9d708594), where it differs from master: one test per row of
the audit that the mock reproduces. Each names the Kratos function it follows."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.spec import load_spec, without_tag

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


# --- bodies read by Go's decoder, not checked against the spec (audit rows 9, 15, 16) ------------


def test_create_without_schema_id_uses_the_default_schema(client: TestClient) -> None:
    """identity/handler.go create decodes with json.NewDecoder; identity/manager.go Create fills the
    default schema when schema_id is empty."""
    created = client.post("/admin/identities", json={"traits": {"email": "nodefault@example.com"}})
    assert created.status_code == 201, created.text
    assert created.json()["schema_id"] == "default"


def test_create_without_traits_validates_empty_traits(make_client: Any) -> None:
    """identity/handler.go create: traits are a json.RawMessage, absent means none; the schema then
    judges them (a schema without required traits accepts ``{}``)."""
    open_schema = {"type": "object", "properties": {"traits": {"type": "object"}}}
    c = make_client(schemas={"open": open_schema}, seed=1)
    created = c.post("/admin/identities", json={})
    assert created.status_code == 201, created.text
    assert created.json()["schema_id"] == "open" and created.json()["traits"] == {}


def test_put_without_state_keeps_the_state(client: TestClient) -> None:
    """identity/handler.go update: an empty state keeps the stored one."""
    created = new_identity(client)
    url = f"/admin/identities/{created['id']}"
    client.patch(url, json=[{"op": "replace", "path": "/state", "value": "inactive"}])
    put = client.put(url, json={"schema_id": "default", "traits": {"email": "ada@example.com"}})
    assert put.status_code == 200, put.text
    assert put.json()["state"] == "inactive"


def test_recovery_code_expires_in_is_a_go_duration(client: TestClient) -> None:
    """selfservice/strategy/code/strategy_recovery_admin.go: time.ParseDuration, so "1.5h" works."""
    created = new_identity(client)
    response = client.post("/admin/recovery/code", json={"identity_id": created["id"], "expires_in": "1.5h"})
    assert response.status_code == 201, response.text
    assert response.json()["expires_at"] == "2026-01-01T01:30:00Z"
    link = client.post("/admin/recovery/link", json={"identity_id": created["id"], "expires_in": "1h30m"})
    assert link.status_code == 200 and link.json()["expires_at"] == "2026-01-01T01:30:00Z"


@pytest.mark.parametrize(("path", "struct"), [("code", "Code"), ("link", "Link")])
def test_a_non_string_expires_in_is_the_decoders_400(client: TestClient, path: str, struct: str) -> None:
    """decoderx.Decode into createRecovery{Code,Link}ForIdentityBody (ExpiresIn string): never a 500."""
    created = new_identity(client)
    response = client.post(f"/admin/recovery/{path}", json={"identity_id": created["id"], "expires_in": 5})
    assert_error(
        response,
        400,
        reason="Unable to decode JSON payload: json: cannot unmarshal number into Go struct field "
        f"createRecovery{struct}ForIdentityBody.expires_in of type string",
    )


def test_an_unparsable_expires_in_has_the_tagged_wording(client: TestClient) -> None:
    """strategy_recovery_admin.go at v26.2.0: the parse error names the unit pattern."""
    response = client.post("/admin/recovery/code", json={"identity_id": UNKNOWN, "expires_in": "1d"})
    assert_error(
        response,
        400,
        reason='Unable to parse "expires_in" whose format should match "[0-9]+(ns|us|ms|s|m|h)" but did not: 1d',
    )


# Every body field of every generation's operations, given a value of the wrong JSON type: the Go
# decoder's 400 (or, where Kratos' struct takes any JSON, anything but a 500).
ANY_JSON = ("metadata_public", "metadata_admin", "value", "from", "traits")  # json.RawMessage, or unread
WRONG = {"string": 5, "boolean": "yes", "object": "x", "array": "x"}
GENERATIONS = {"v26.2": "/admin", "v1.1": "/admin", "v1.0": "/admin", "v0.6": ""}


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = functools.reduce(lambda n, key: n[key], node["$ref"][2:].split("/"), doc)
    return node


def _fields(doc: dict[str, Any], node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, schema) of every property; ``[]`` steps into array items."""
    node = _resolve(doc, node)
    if node.get("type") == "array" and len(path) < 12:
        yield from _fields(doc, node.get("items", {}), (*path, "[]"))
    for name, schema in (node.get("properties") or {}).items():
        schema = _resolve(doc, schema)
        yield (*path, name), schema
        yield from _fields(doc, schema, (*path, name))


def _body_cases() -> Iterator[Any]:
    for api, prefix in GENERATIONS.items():
        # the admin operations: the public API's bodies are read by its own handlers (selfservice/validation)
        doc = without_tag(load_spec(f"kratos-{api}.yaml"), "frontend")
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if not isinstance(op, dict) or "requestBody" not in op:
                    continue
                schema = _resolve(doc, op["requestBody"])["content"]["application/json"]["schema"]
                for field, field_schema in _fields(doc, schema):
                    if field[-1] != "[]" and field_schema.get("type") in WRONG:
                        wrong = WRONG[field_schema["type"]]
                        label = f"{api} {method.upper()} {path} {'.'.join(field)}"
                        yield pytest.param(
                            api, method.upper(), prefix + path.removeprefix(prefix), field, wrong, id=label
                        )


def _nest(field: tuple[str, ...], value: Any) -> Any:
    """The smallest body that puts ``value`` at ``field``."""
    for step in reversed(field):
        value = [value] if step == "[]" else {step: value}
    return value


@functools.cache
def _served(api: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(api=api, seed=1), base_url="http://127.0.0.1:4434")
    prefix = GENERATIONS[api]
    created = client.post(f"{prefix}/identities", json={"schema_id": "default", "traits": {"email": "t@example.com"}})
    assert created.status_code == 201, created.text
    return client, created.json()["id"]


@pytest.mark.parametrize(("api", "method", "path", "field", "wrong"), list(_body_cases()))
def test_every_body_field_of_the_wrong_type_is_a_400(
    api: str, method: str, path: str, field: tuple[str, ...], wrong: Any
) -> None:
    client, identity_id = _served(api)
    body = _nest(field, wrong)
    if isinstance(body, list):  # JSON Patch: an otherwise valid operation
        body = [{"op": "replace", "path": "/state", "value": "active", **body[0]}]
    elif "recovery" in path and field != ("identity_id",):
        body = {"identity_id": identity_id, **body}
    response = client.request(method, path.replace("{id}", identity_id), json=body)
    assert response.status_code < 500, response.text
    if field[-1] in ANY_JSON:
        return
    assert response.status_code == 400, response.text
    if path.endswith("{id}") and method == "PATCH":
        return  # ory/x jsonx.ApplyJSONPatch's own errors
    error = response.json()["error"]
    text = f"{error.get('reason', '')} {error['message']}"
    assert any(part in text for part in ("json: cannot unmarshal", "uuid: incorrect UUID", "Time.UnmarshalJSON")), text
