"""Bad input never yields a 5xx: every error is the Kratos envelope (reference §1.3)."""

from __future__ import annotations

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
