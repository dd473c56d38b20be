"""Bad input never yields a 5xx: every error is the Kratos envelope (reference §1.3)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from .conftest import assert_error, new_identity


def test_unknown_route_is_404_envelope(client: TestClient) -> None:
    assert_error(client.get("/nope"), 404)


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    response = client.put("/admin/identities")
    assert_error(response, 405)
    assert response.headers["allow"] == "GET, PATCH, POST"
    assert client.post("/admin/sessions/00000000-0000-4000-8000-000000000000").headers["allow"] == "DELETE, GET"


@pytest.mark.parametrize(
    ("method", "path", "content", "headers"),
    [
        ("POST", "/admin/identities", b"{not json", {"content-type": "application/json"}),
        ("POST", "/admin/identities", b"\xff\xfe\x00", {"content-type": "application/json"}),
        ("POST", "/admin/identities", b'{"schema_id": "default", "traits": {}}', {"content-type": "text/plain"}),
        ("POST", "/admin/identities", b'{"schema_id": 1e999999, "traits": {}}', {"content-type": "application/json"}),
        (
            "POST",
            "/admin/identities",
            b'{"schema_id": "default", "traits": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            {"content-type": "application/json"},
        ),
        ("POST", "/admin/identities", b'{"schema_id": "\\ud800", "traits": {}}', {"content-type": "application/json"}),
        ("PUT", "/admin/identities/x", b"", {"content-type": "application/json"}),
        ("PUT", "/admin/identities/x", b"{}", {"content-type": "application/xml"}),
        ("PATCH", "/admin/identities/x", b"[]", {"content-type": "application/json"}),
        ("PATCH", "/admin/identities", b"{", {"content-type": "application/json"}),
        ("POST", "/admin/recovery/code", b'{"identity_id": "\\u0000"}', {"content-type": "application/json"}),
        ("GET", "/admin/identities?page_size=99999999999999999999999", b"", {}),
        ("GET", "/admin/identities/%0A", b"", {}),
        ("GET", "/admin/sessions/%0A/extend", b"", {}),
        ("GET", "/admin/identities?ids=%F0%9F%92%A9", b"", {}),
        ("GET", "/schemas/%C0%AF", b"", {}),
    ],
)
def test_bad_input_is_a_4xx_envelope(
    client: TestClient, method: str, path: str, content: bytes, headers: dict[str, str]
) -> None:
    response = client.request(method, path, content=content, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert_error(response, response.status_code)


def test_rejected_requests_change_nothing(client: TestClient) -> None:
    created = new_identity(client)
    before = client.get("/admin/identities").json()
    client.post("/admin/identities", content=b"{bad", headers={"content-type": "application/json"})
    client.put(
        f"/admin/identities/{created['id']}", json={"schema_id": "default", "state": "active", "traits": {"email": 1}}
    )
    client.patch(
        "/admin/identities", json={"identities": [{"create": {"schema_id": "default", "traits": {}, "state": "x"}}]}
    )
    assert client.get("/admin/identities").json() == before


def test_admin_prefix_is_optional_like_the_admin_port(client: TestClient) -> None:
    created = new_identity(client)
    assert client.get(f"/identities/{created['id']}").json()["id"] == created["id"]


def test_require_token(make_client: object) -> None:
    c = make_client(settings=__import__("mockserver").Settings(require_token="s3cr3t"))  # type: ignore[operator]
    assert_error(c.get("/admin/identities"), 401)
    assert_error(c.get("/admin/identities", headers={"Authorization": "Bearer wrong"}), 401)
    assert c.get("/admin/identities", headers={"Authorization": "Bearer s3cr3t"}).status_code == 200
    assert c.get("/schemas").status_code == 200
    assert c.get("/health/ready").status_code == 200


def test_health_and_version(client: TestClient) -> None:
    assert client.get("/health/alive").json() == {"status": "ok"}
    assert client.get("/health/ready").json() == {"status": "ok"}
    assert client.get("/version").json() == {"version": __import__("mockserver").__version__}


DEEP: Any = {}
for _ in range(200):
    DEEP = {"x": DEEP}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            {
                "verifiable_addresses": [
                    {
                        "value": "a@example.com",
                        "via": "email",
                        "verified": True,
                        "status": "completed",
                        "verified_at": "2020-01-01T00:00:00Z",
                    }
                ]
            },
            201,
        ),
        (
            {
                "verifiable_addresses": [
                    {
                        "value": "a@example.com",
                        "via": "email",
                        "verified": True,
                        "status": "completed",
                        "verified_at": "garbage",
                    }
                ]
            },
            400,
        ),
        ({"verifiable_addresses": [{"value": "a@example.com", "via": "email", "verified": "yes", "status": "x"}]}, 400),
        ({"metadata_public": DEEP}, 400),
        ({"credentials": {"password": {"config": {"hashed_password": 12345}}}}, 400),
    ],
)
def test_create_edge_cases_never_500_and_never_poison_the_store(
    client: TestClient, body: dict[str, Any], status: int
) -> None:
    response = client.post(
        "/admin/identities", json={"schema_id": "default", "traits": {"email": "a@example.com"}, **body}
    )
    assert response.status_code == status, response.text
    listed = client.get("/admin/identities")
    assert listed.status_code == 200 and len(listed.json()) == (1 if status == 201 else 0)
    if status == 201:
        assert client.get(f"/admin/identities/{response.json()['id']}").status_code == 200


def test_lone_surrogate_password_is_hashed(client: TestClient) -> None:
    raw = (
        b'{"schema_id":"default","traits":{"email":"s@example.com"},'
        + b'"credentials":{"password":{"config":{"password":"\\ud800"}}}}'
    )
    response = client.post("/admin/identities", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text


def test_non_finite_and_huge_numbers_are_400(client: TestClient) -> None:
    for raw in (
        b'{"schema_id":"default","traits":{"email":"a@example.com"},"metadata_public":[NaN]}',
        b'{"schema_id":"default","traits":{"email":"a@example.com"},"metadata_public":' + b"9" * 5000 + b"}",
    ):
        response = client.post("/admin/identities", content=raw, headers={"content-type": "application/json"})
        assert_error(response, 400)
    assert client.get("/admin/identities").json() == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/verifiable_addresses/0/id", 5),
        ("/recovery_addresses/0/id", {"x": 1}),
        ("/verifiable_addresses/0/status", {"x": 1}),
        ("/credentials/password/config", "not-an-object"),
        ("/metadata_public", DEEP),
    ],
)
def test_patch_type_errors_are_400_and_change_nothing(client: TestClient, path: str, value: Any) -> None:
    created = new_identity(client, credentials={"password": {"config": {"password": "pw"}}})
    before = client.get(f"/admin/identities/{created['id']}").json()
    response = client.patch(
        f"/admin/identities/{created['id']}", json=[{"op": "replace", "path": path, "value": value}]
    )
    assert_error(response, 400)
    assert client.get(f"/admin/identities/{created['id']}").json() == before
    assert client.get("/__mock__/state").status_code == 200


def test_patched_address_ids_of_other_identities_are_not_taken(client: TestClient) -> None:
    one, two = new_identity(client, "one@example.com"), new_identity(client, "two@example.com")
    foreign = one["verifiable_addresses"][0]["id"]
    patched = client.patch(
        f"/admin/identities/{two['id']}",
        json=[{"op": "replace", "path": "/verifiable_addresses/0/id", "value": foreign}],
    )
    assert patched.status_code == 200
    assert patched.json()["verifiable_addresses"][0]["id"] != foreign


def test_clock_cannot_be_pushed_past_the_representable_range(client: TestClient) -> None:
    before = client.get("/__mock__/clock").json()
    assert_error(client.post("/__mock__/clock", json={"set": "8999-12-31T23:00:00Z", "advance": "9000h"}), 400)
    assert client.get("/__mock__/clock").json() == before


def test_malformed_schema_extensions_are_refused_at_load(client: TestClient) -> None:
    schema = {
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {"email": {"type": "string", "ory.sh/kratos": {"credentials": "bad"}}},
            }
        },
    }
    response = client.post("/__mock__/fixtures", json={"schemas": {"broken": schema}})
    assert_error(response, 400, reason="credentials must map credential types to objects")
    remote = {"type": "object", "properties": {"traits": {"$ref": "http://example.com/traits.json"}}}
    assert_error(
        client.post("/__mock__/fixtures", json={"schemas": {"remote": remote}}), 400, reason="local references"
    )


def test_errors_echo_the_request_id(client: TestClient) -> None:
    response = client.get("/admin/identities/00000000-0000-4000-8000-000000000000", headers={"X-Request-ID": "req-123"})
    assert response.json()["error"]["request"] == "req-123"
    assert "ory-error-id" in response.headers


def test_recovery_code_unknown_identity_uses_the_database_message(client: TestClient) -> None:
    response = client.post("/admin/recovery/code", json={"identity_id": "00000000-0000-4000-8000-000000000000"})
    assert response.json()["error"] == {
        "code": 404,
        "status": "Not Found",
        "reason": "could not find identity",
        "message": "Unable to locate the resource",
    }


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (400, "Bad Request"),
        (413, "Request Entity Too Large"),
        (414, "Request URI Too Long"),
        (416, "Requested Range Not Satisfiable"),
        (418, "I'm a teapot"),
        (422, "Unprocessable Entity"),
        (503, "Service Unavailable"),
    ],
)
def test_the_envelope_status_is_gos_status_text_on_every_python(code: int, text: str) -> None:
    """herodot fills ``status`` with net/http StatusText (net/http/status.go); Python's phrases
    differ for 414 and 418, and for 413, 416 and 422 since 3.13."""
    from mockserver.errors import KratosError, status_phrase

    assert status_phrase(code) == text
    assert KratosError(code).envelope()["error"]["status"] == text
