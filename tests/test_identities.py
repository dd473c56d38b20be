"""Identity operations over HTTP: the behaviour of reference §2 and §4."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from .conftest import assert_error, new_identity

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_create_returns_201_location_and_derived_data(client: TestClient) -> None:
    body = {
        "schema_id": "default",
        "traits": {"email": "Foo@Example.com", "name": {"first": "Foo"}},
        "credentials": {"password": {"config": {"password": "s3cret!"}}},
        "metadata_public": {"plan": "free"},
        "metadata_admin": {"crm": 42},
        "external_id": "crm-42",
    }
    response = client.post("/admin/identities", json=body)
    assert response.status_code == 201
    identity = response.json()
    assert UUID.match(identity["id"])
    assert response.headers["location"] == f"http://127.0.0.1:4434/identities/{identity['id']}"
    assert identity["traits"] == body["traits"]  # stored as sent, case preserved
    assert identity["credentials"]["password"]["identifiers"] == ["foo@example.com"]
    assert "config" not in identity["credentials"]["password"]
    assert identity["credentials"]["code"]["identifiers"] == ["foo@example.com"]
    assert identity["schema_url"] == "http://127.0.0.1:4434/schemas/ZGVmYXVsdA"
    assert identity["state"] == "active" and identity["state_changed_at"]
    [address] = identity["verifiable_addresses"]
    assert (address["value"], address["verified"], address["status"], address["via"]) == (
        "foo@example.com",
        False,
        "pending",
        "email",
    )
    assert identity["recovery_addresses"][0]["value"] == "foo@example.com"
    assert identity["metadata_admin"] == {"crm": 42}
    assert identity["organization_id"] is None
    assert identity["external_id"] == "crm-42"


def test_create_without_password_still_has_password_identifiers(client: TestClient) -> None:
    identity = new_identity(client)
    assert identity["credentials"]["password"]["identifiers"] == ["ada@example.com"]
    assert "metadata_admin" not in identity  # built from the request: omitted when not sent


def test_get_hides_config_unless_included(client: TestClient) -> None:
    created = new_identity(
        client, credentials={"password": {"config": {"hashed_password": "$2a$10$abcdefghijklmnopqrstuv"}}}
    )
    plain = client.get(f"/admin/identities/{created['id']}").json()
    assert "config" not in plain["credentials"]["password"]
    assert plain["metadata_admin"] is None  # after a round trip: null, not absent
    full = client.get(f"/admin/identities/{created['id']}", params={"include_credential": "password"}).json()
    assert full["credentials"]["password"]["config"] == {"hashed_password": "$2a$10$abcdefghijklmnopqrstuv"}
    assert "config" not in full["credentials"]["code"]


def test_oidc_import_and_declassified_view(client: TestClient) -> None:
    providers = [{"provider": "google", "subject": "12345"}]
    created = new_identity(client, credentials={"oidc": {"config": {"providers": providers}}})
    assert created["credentials"]["oidc"]["identifiers"] == ["google:12345"]
    got = client.get(f"/admin/identities/{created['id']}", params={"include_credential": "oidc"}).json()
    [provider] = got["credentials"]["oidc"]["config"]["providers"]
    assert provider["subject"] == "12345" and provider["initial_access_token"] == ""
    found = client.get("/admin/identities", params={"credentials_identifier": "google:12345"}).json()
    assert [i["id"] for i in found] == [created["id"]]


def test_get_by_external_id(client: TestClient) -> None:
    created = new_identity(client, external_id="ext-1")
    response = client.get("/admin/identities/by/external/ext-1")
    assert response.status_code == 200 and response.json()["id"] == created["id"]
    assert_error(client.get("/admin/identities/by/external/ext-2"), 404)


def test_list_is_keyset_paginated_in_id_order(client: TestClient) -> None:
    ids = sorted(new_identity(client, f"user{i}@example.com")["id"] for i in range(5))
    first = client.get("/admin/identities", params={"page_size": 2})
    assert [i["id"] for i in first.json()] == ids[:2]
    assert "credentials" not in first.json()[0]
    assert "x-total-count" not in first.headers
    link = first.headers["link"]
    assert link == (
        '</admin/identities?page_size=2&page_token=00000000-0000-0000-0000-000000000000>; rel="first",'
        f'</admin/identities?page_size=2&page_token={ids[1]}>; rel="next"'
    )
    seen, token = [], "00000000-0000-0000-0000-000000000000"
    while True:
        page = client.get("/admin/identities", params={"page_size": 2, "page_token": token})
        seen += [i["id"] for i in page.json()]
        nxt = re.search(r'page_token=([^>&]+)>; rel="next"', page.headers["link"])
        if not nxt:
            break
        token = nxt.group(1)
    assert seen == ids


def test_list_legacy_pages_have_total_and_four_links(client: TestClient) -> None:
    for i in range(5):
        new_identity(client, f"user{i}@example.com")
    middle = client.get("/admin/identities", params={"page": 1, "per_page": 2})
    assert middle.headers["x-total-count"] == "5"
    assert len(middle.json()) == 2
    rels = re.findall(r'page=(-?\d+)&per_page=(\d+)>; rel="(\w+)"', middle.headers["link"])
    assert rels == [("0", "2", "first"), ("2", "2", "next"), ("0", "2", "prev"), ("2", "2", "last")]
    small = client.get("/admin/identities", params={"page": 0, "per_page": 10})
    assert re.findall(r'per_page=(\d+)>; rel="(\w+)"', small.headers["link"]) == [("5", "first")]


def test_list_filters(client: TestClient) -> None:
    a = new_identity(client, "a@example.com", organization_id="6f1c7c2e-0000-4000-8000-000000000001")
    b = new_identity(client, "b@example.com")
    by_ids = client.get("/admin/identities", params=[("ids", b["id"]), ("ids", b["id"])]).json()
    assert [i["id"] for i in by_ids] == [b["id"]]
    by_identifier = client.get("/admin/identities", params={"credentials_identifier": "A@EXAMPLE.com"}).json()
    assert [i["id"] for i in by_identifier] == [a["id"]]
    assert by_identifier[0]["credentials"]["password"]["identifiers"] == ["a@example.com"]
    similar = client.get("/admin/identities", params={"preview_credentials_identifier_similar": "b@"}).json()
    assert [i["id"] for i in similar] == [b["id"]]
    org = client.get("/admin/identities", params={"organization_id": "6f1c7c2e-0000-4000-8000-000000000001"}).json()
    assert [i["id"] for i in org] == [a["id"]]
    assert client.get("/admin/identities", params={"credentials_identifier": "nobody@example.com"}).json() == []


def test_update_replaces_and_keeps_what_kratos_keeps(client: TestClient) -> None:
    created = new_identity(
        client,
        external_id="keep-me?",
        metadata_public={"a": 1},
        credentials={"password": {"config": {"password": "pw"}}},
    )
    body = {"schema_id": "", "state": "inactive", "traits": {"email": "new@example.com"}}
    response = client.put(f"/admin/identities/{created['id']}", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["schema_id"] == "default"  # empty keeps the current schema
    assert updated["state"] == "inactive" and updated["state_changed_at"] >= created["state_changed_at"]
    assert "external_id" not in updated and updated["metadata_public"] is None  # omitted: cleared
    assert updated["credentials"]["password"]["identifiers"] == ["new@example.com"]  # kept, re-derived
    assert [a["value"] for a in updated["verifiable_addresses"]] == ["new@example.com"]
    assert client.get("/admin/identities", params={"credentials_identifier": "ada@example.com"}).json() == []


def test_patch_applies_kratos_rules(client: TestClient) -> None:
    created = new_identity(client)
    address = created["verifiable_addresses"][0]
    ops = [
        {"op": "replace", "path": "/metadata_public/plan", "value": "pro"},  # missing key: becomes add
        {"op": "add", "path": "/metadata_admin/deep/er", "value": 1},  # parents created
        {"op": "replace", "path": "/verifiable_addresses/0/verified", "value": True},
        {"op": "replace", "path": "/state", "value": "inactive"},
    ]
    response = client.patch(f"/admin/identities/{created['id']}", json=ops)
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["metadata_public"] == {"plan": "pro"}
    assert patched["metadata_admin"] == {"deep": {"er": 1}}
    assert patched["state"] == "inactive"
    [verified] = patched["verifiable_addresses"]
    assert verified["id"] == address["id"] and verified["verified"] is True and verified["verified_at"]


def test_patch_can_change_password_hash_but_not_oidc(client: TestClient) -> None:
    created = new_identity(client, credentials={"password": {"config": {"password": "x"}}})
    new_hash = "$argon2id$v=19$m=16,t=2,p=1$c29tZXNhbHQ$aGFzaA"
    ok = client.patch(
        f"/admin/identities/{created['id']}",
        json=[{"op": "replace", "path": "/credentials/password/config/hashed_password", "value": new_hash}],
    )
    assert ok.status_code == 200, ok.text
    got = client.get(f"/admin/identities/{created['id']}", params={"include_credential": "password"}).json()
    assert got["credentials"]["password"]["config"]["hashed_password"] == new_hash
    denied = client.patch(
        f"/admin/identities/{created['id']}", json=[{"op": "add", "path": "/credentials/oidc/x", "value": 1}]
    )
    assert_error(denied, 400, message="patch includes denied path: /credentials/oidc/x")


def test_delete_cascades_to_sessions(client: TestClient, app: Any) -> None:
    created = new_identity(client)
    session = app.store.create_session(created["id"])
    assert client.delete(f"/admin/identities/{created['id']}").status_code == 204
    assert_error(client.get(f"/admin/identities/{created['id']}"), 404)
    assert_error(client.get(f"/admin/sessions/{session.id}"), 404)
    assert (
        client.post(
            "/admin/identities", json={"schema_id": "default", "traits": {"email": "ada@example.com"}}
        ).status_code
        == 201
    )


def test_delete_credentials(client: TestClient) -> None:
    providers = [{"provider": "google", "subject": "1"}, {"provider": "github", "subject": "2"}]
    created = new_identity(client, credentials={"oidc": {"config": {"providers": providers}}})
    url = f"/admin/identities/{created['id']}/credentials"
    assert_error(client.delete(f"{url}/oidc"), 400, reason="You must provide an identifier")
    assert client.delete(f"{url}/oidc", params={"identifier": "google:1"}).status_code == 204
    assert_error(client.delete(f"{url}/oidc", params={"identifier": "github:2"}), 400, reason="last first factor")
    assert_error(client.delete(f"{url}/totp"), 404, reason="You tried to remove a totp")
    assert_error(client.delete(f"{url}/code"), 400, reason="Credentials type code cannot be deleted.")
    got = client.get(f"/admin/identities/{created['id']}").json()
    assert got["credentials"]["oidc"]["identifiers"] == ["github:2"]


def test_batch_create_reports_per_item(client: TestClient) -> None:
    new_identity(client, "taken@example.com")
    body = {
        "identities": [
            {
                "patch_id": "1c2d3e4f-0000-4000-8000-000000000001",
                "create": {"schema_id": "default", "traits": {"email": "n1@example.com"}},
            },
            {
                "patch_id": "1c2d3e4f-0000-4000-8000-000000000002",
                "create": {"schema_id": "default", "traits": {"email": "taken@example.com"}},
            },
            {"create": {"schema_id": "default", "traits": {"email": "n1@example.com"}}},
            {"create": {"schema_id": "nope", "traits": {}}},
            {"patch_id": "1c2d3e4f-0000-4000-8000-000000000003"},
        ]
    }
    response = client.patch("/admin/identities", json=body)
    assert response.status_code == 200, response.text
    results = response.json()["identities"]
    assert results[0]["action"] == "create" and results[0]["patch_id"].endswith("0001")
    assert UUID.match(results[0]["identity"])
    assert results[1]["action"] == "error" and results[1]["error"]["code"] == 409
    assert "error" not in results[1]["error"]  # not wrapped
    assert results[2]["error"]["code"] == 409  # clash with an earlier entry of the same batch
    assert results[3]["error"]["code"] == 400 and "Unable to find JSON Schema ID: nope" in results[3]["error"]["reason"]
    assert results[4] is None
    assert len(client.get("/admin/identities").json()) == 2


def test_batch_limits(client: TestClient) -> None:
    item = {"create": {"schema_id": "default", "traits": {"email": "x@example.com"}}}
    assert_error(client.patch("/admin/identities", json={"identities": [item] * 1001}), 400, reason="is 1000.")
    plain = {
        "create": {
            "schema_id": "default",
            "traits": {"email": "x@example.com"},
            "credentials": {"password": {"config": {"password": "pw"}}},
        }
    }
    assert_error(
        client.patch("/admin/identities", json={"identities": [plain] * 201}), 400, reason="plaintext password is 200."
    )
    assert client.get("/admin/identities").json() == []  # nothing written


def _ops(op: str, path: str, value: Any = None) -> list[dict[str, Any]]:
    return [{"op": op, "path": path, "value": value}]


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "reason", "message"),
    [
        (
            "post",
            "/admin/identities",
            {"schema_id": "default", "traits": {"email": "a@b.c"}, "id": "x"},
            400,
            None,
            'json: unknown field "id"',
        ),
        (
            "post",
            "/admin/identities",
            {"schema_id": "default", "traits": {"email": "a@b.c"}, "schema_url": "x"},
            400,
            None,
            "unknown field",
        ),
        (
            "post",
            "/admin/identities",
            {"schema_id": "nope", "traits": {}},
            400,
            "Unable to find JSON Schema ID: nope",
            None,
        ),
        ("post", "/admin/identities", {"schema_id": "default", "traits": {"email": 5}}, 400, "I[#/traits/email]", None),
        (
            "post",
            "/admin/identities",
            {"schema_id": "default", "traits": {"email": "not-an-email"}},
            400,
            "validation failed",
            None,
        ),
        ("post", "/admin/identities", {"schema_id": "default", "traits": {}}, 400, "email", None),
        (
            "post",
            "/admin/identities",
            {"schema_id": "default", "traits": {"email": "a@b.c"}, "state": "bogus"},
            400,
            None,
            None,
        ),
        (
            "post",
            "/admin/identities",
            {
                "schema_id": "default",
                "traits": {"email": "a@b.c"},
                "credentials": {"password": {"config": {"hashed_password": "plain"}}},
            },
            400,
            "does not match any known hash format",
            None,
        ),
        (
            "post",
            "/admin/identities",
            {"schema_id": "default", "traits": {"email": "a@b.c"}, "organization_id": "nope"},
            400,
            None,
            None,
        ),
        (
            "get",
            "/admin/identities/00000000-0000-4000-8000-000000000000",
            None,
            404,
            None,
            "Unable to locate the resource",
        ),
        ("get", "/admin/identities/not-a-uuid", None, 404, None, None),
        (
            "get",
            "/admin/identities?include_credential=profile",
            None,
            400,
            "Invalid value `profile` for parameter",
            None,
        ),
        ("get", "/admin/identities?ids=nope", None, 400, "Invalid UUID value `nope` for parameter `ids`.", None),
        ("get", "/admin/identities?organization_id=nope", None, 400, None, None),
        (
            "get",
            "/admin/identities?ids=00000000-0000-4000-8000-000000000000&credentials_identifier=a",
            None,
            400,
            "You cannot combine multiple filters in this API",
            None,
        ),
        ("get", "/admin/identities?page_token=crafted", None, 400, "do not craft your own page tokens", None),
        ("get", "/admin/identities?page_size=abc", None, 400, None, None),
        ("get", "/admin/identities?page=3&per_page=500", None, 400, "Legacy pagination is not supported", None),
        (
            "put",
            "/admin/identities/00000000-0000-4000-8000-000000000000",
            {"schema_id": "default", "traits": {}, "state": "active"},
            404,
            None,
            None,
        ),
        (
            "patch",
            "/admin/identities/00000000-0000-4000-8000-000000000000",
            _ops("add", "/traits/x", 1),
            404,
            None,
            None,
        ),
        ("delete", "/admin/identities/00000000-0000-4000-8000-000000000000", None, 404, None, None),
        (
            "delete",
            "/admin/identities/00000000-0000-4000-8000-000000000000/credentials/password",
            None,
            404,
            None,
            None,
        ),
    ],
)
def test_identity_errors(
    client: TestClient, method: str, url: str, body: Any, status: int, reason: str | None, message: str | None
) -> None:
    kwargs = {"json": body} if body is not None else {}
    assert_error(client.request(method.upper(), url, **kwargs), status, reason=reason, message=message)


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (_ops("replace", "/id", "x"), "patch includes denied path: /id"),
        (_ops("add", "/credentials", {}), "patch includes denied path: /credentials"),
        (_ops("replace", "/CREDENTIALS/OIDC/config", {}), "denied path"),  # lower-cased before matching (oryx/jsonx)
        (_ops("add", "/stateChangedAt", "x"), "denied path"),
        ([{"op": "move", "from": "/traits", "path": "/x"}], "unsupported operation: move"),
        ([{"op": "test", "path": "/traits", "value": {}}], "unsupported operation: test"),
        (_ops("remove", "/metadata_public/missing"), None),
        (_ops("replace", "/state", "bogus"), None),
        (_ops("replace", "/traits/email", 3), None),
        (_ops("replace", "/schema_id", "nope"), None),
        (_ops("replace", "/credentials/password/type", "totp"), None),
        (_ops("replace", "", 5), None),
    ],
)
def test_patch_errors_change_nothing(client: TestClient, ops: list[dict[str, Any]], message: str | None) -> None:
    created = new_identity(client)
    before = client.get(f"/admin/identities/{created['id']}").json()
    assert_error(client.patch(f"/admin/identities/{created['id']}", json=ops), 400, message=message)
    assert client.get(f"/admin/identities/{created['id']}").json() == before


@pytest.mark.parametrize(
    ("method", "second"),
    [
        ("post", {"schema_id": "default", "traits": {"email": " ADA@example.com"}}),
        ("post", {"schema_id": "default", "traits": {"email": "other@example.com"}, "external_id": "e1"}),
    ],
)
def test_create_conflicts_are_409(client: TestClient, method: str, second: dict[str, Any]) -> None:
    new_identity(client, external_id="e1")
    assert_error(
        client.post("/admin/identities", json=second),
        409,
        reason="This identity conflicts with another identity that already exists.",
    )
    assert len(client.get("/admin/identities").json()) == 1


def test_update_and_patch_conflicts_use_the_database_message(client: TestClient) -> None:
    new_identity(client, "one@example.com")
    two = new_identity(client, "two@example.com")
    before = client.get(f"/admin/identities/{two['id']}").json()
    put = client.put(
        f"/admin/identities/{two['id']}",
        json={"schema_id": "default", "state": "active", "traits": {"email": "one@example.com"}},
    )
    assert_error(put, 409, message="a resource with that value exists already")
    patch = client.patch(f"/admin/identities/{two['id']}", json=_ops("replace", "/traits/email", "one@example.com"))
    assert_error(patch, 409, message="a resource with that value exists already")
    assert client.get(f"/admin/identities/{two['id']}").json() == before
