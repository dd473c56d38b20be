"""The legacy v0.6 AdminApi generation over the same store (reference §12)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.app import Settings

from .conftest import assert_error

LOGIN = "11111111-1111-4111-8111-111111111111"
OLD_RECOVERY = "22222222-2222-4222-8222-222222222222"
FIXTURE = {
    "flows": [
        {"kind": "login", "id": LOGIN},
        {"kind": "recovery", "id": OLD_RECOVERY, "expires_at": "2020-01-01T00:00:00Z"},
    ],
    "errors": [{"id": "e-1", "errors": [{"code": 400, "message": "bad"}]}],
}


@pytest.fixture
def legacy() -> TestClient:
    return TestClient(create_app(seed=2, api="v0.6", fixtures=[FIXTURE]), base_url="http://127.0.0.1:4434")


def create(client: TestClient, email: str) -> dict[str, Any]:
    response = client.post("/identities", json={"schema_id": "default", "traits": {"email": email}})
    assert response.status_code == 201, response.text
    return response.json()


def test_identity_shape_location_and_conflicts(legacy: TestClient) -> None:
    response = legacy.post("/identities", json={"schema_id": "default", "traits": {"email": "a@example.com"}})
    identity = response.json()
    assert response.headers["location"] == f"http://127.0.0.1:4434/identities/{identity['id']}"
    assert set(identity) == {
        "id",
        "schema_id",
        "schema_url",
        "traits",
        "verifiable_addresses",
        "recovery_addresses",
        "created_at",
        "updated_at",
    }
    assert identity["schema_url"] == "http://127.0.0.1:4434/schemas/default"  # the raw id, not base64
    again = legacy.post("/identities", json={"schema_id": "default", "traits": {"email": "A@example.com"}})
    assert_error(again, 409, message="a resource with that value exists already")
    strict = legacy.post("/identities", json={"schema_id": "default", "traits": {}, "state": "active"})
    assert_error(strict, 400, message='json: unknown field "state"')
    assert legacy.get("/admin/identities").status_code == 404  # no /admin prefix in this generation


def test_list_is_id_descending_with_the_page_quirk_and_absolute_links(legacy: TestClient) -> None:
    ids = sorted((create(legacy, f"u{i}@example.com")["id"] for i in range(5)), reverse=True)
    first = legacy.get("/identities", params={"page": 0, "per_page": 2})
    assert [i["id"] for i in first.json()] == ids[:2]
    assert legacy.get("/identities", params={"page": 1, "per_page": 2}).json() == first.json()  # 1-based, clamped
    assert [i["id"] for i in legacy.get("/identities", params={"page": 2, "per_page": 2}).json()] == ids[2:4]
    rels = re.findall(
        r'<http://127\.0\.0\.1:4434/identities\?page=(-?\d+)&per_page=2>; rel="(\w+)"', first.headers["link"]
    )
    assert rels == [("1", "next"), ("2", "last")]
    assert "x-total-count" not in first.headers
    assert legacy.get("/identities", params={"per_page": "lots"}).status_code == 200  # lenient, as v0.6


def test_update_keeps_schema_and_replaces_traits(legacy: TestClient) -> None:
    identity = create(legacy, "u@example.com")
    updated = legacy.put(f"/identities/{identity['id']}", json={"traits": {"email": "v@example.com"}})
    assert updated.status_code == 200 and updated.json()["traits"] == {"email": "v@example.com"}
    assert updated.json()["schema_id"] == "default"
    assert legacy.delete(f"/identities/{identity['id']}").status_code == 204
    assert_error(legacy.get(f"/identities/{identity['id']}"), 404)


def test_recovery_link_rules(make_client: Any) -> None:
    schema = {"type": "object", "properties": {"traits": {"type": "object"}}}
    client = TestClient(create_app(seed=1, api="v0.6", schemas={"default": schema, "plain": schema}))
    plain = client.post("/identities", json={"schema_id": "plain", "traits": {"x": 1}}).json()
    assert_error(
        client.post("/recovery/link", json={"identity_id": plain["id"]}),
        400,
        reason="The identity does not have any recovery addresses set.",
    )
    assert_error(client.post("/recovery/link", json={"identity_id": "00000000-0000-4000-8000-000000000000"}), 404)


def test_recovery_link_for_an_identity_with_an_address(legacy: TestClient) -> None:
    identity = create(legacy, "r@example.com")
    body = legacy.post("/recovery/link", json={"identity_id": identity["id"], "expires_in": "30m"}).json()
    assert re.fullmatch(
        r"http://127\.0\.0\.1:4434/self-service/recovery\?flow=[0-9a-f-]{36}&token=\w{32}", body["recovery_link"]
    )
    assert body["expires_at"] == "2026-01-01T00:30:00Z"


def test_flows_errors_and_schema(legacy: TestClient) -> None:
    login = legacy.get("/self-service/login/flows", params={"id": LOGIN})
    assert login.status_code == 200 and login.json()["id"] == LOGIN and login.json()["ui"]["method"] == "POST"
    assert_error(legacy.get("/self-service/registration/flows", params={"id": LOGIN}), 404)  # other kind
    expired = legacy.get("/self-service/recovery/flows", params={"id": OLD_RECOVERY})
    assert_error(expired, 410)
    assert expired.json()["error"]["details"]["redirect_to"].endswith("/self-service/recovery/browser")
    assert_error(legacy.get("/self-service/login/flows"), 404)
    assert legacy.get("/self-service/errors", params={"error": "e-1"}).json()["errors"] == [
        {"code": 400, "message": "bad"}
    ]
    stub = legacy.get("/self-service/errors", params={"error": "stub:500"}).json()
    assert stub["errors"][0]["code"] == 500
    assert_error(legacy.get("/self-service/errors", params={"error": "nope"}), 404)
    assert legacy.get("/schemas/default").status_code == 200
    assert_error(legacy.get("/schemas/ZGVmYXVsdA"), 404)  # v0.6: raw ids only


def test_flows_expire_with_the_clock(legacy: TestClient) -> None:
    app = legacy.app
    app.store.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    assert_error(legacy.get("/self-service/login/flows", params={"id": LOGIN}), 410)


def test_health_version_metrics_and_token_on_legacy_paths() -> None:
    client = TestClient(create_app(api="v0.6", settings=Settings(require_token="t")))
    assert client.get("/health/ready").json() == {"status": "ok"}
    assert client.get("/version").status_code == 200
    assert client.get("/metrics/prometheus").text.startswith("# HELP")
    assert_error(client.get("/identities"), 401)
    assert client.get("/identities", headers={"Authorization": "Bearer t"}).status_code == 200
