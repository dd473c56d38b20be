"""Recovery codes and links (reference §5) and identity schemas (§6)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import Settings

from .conftest import assert_error, new_identity


def test_recovery_code_is_201_with_six_digits(client: TestClient, app: Any) -> None:
    identity = new_identity(client)
    response = client.post("/admin/recovery/code", json={"identity_id": identity["id"], "expires_in": "1h30m"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"\d{6}", body["recovery_code"])
    assert body["recovery_link"].startswith("http://127.0.0.1:4455/recovery?flow=")
    assert body["expires_at"] == "2026-01-01T01:30:00Z"
    [grant] = app.store.recovery_grants(identity["id"])
    assert grant.secret == body["recovery_code"]


def test_recovery_link_is_200(client: TestClient) -> None:
    identity = new_identity(client)
    response = client.post("/admin/recovery/link", json={"identity_id": identity["id"]})
    assert response.status_code == 200, response.text
    link = response.json()["recovery_link"]
    assert re.fullmatch(
        r"http://127\.0\.0\.1:4434/self-service/recovery\?flow=[0-9a-f-]{36}&token=[A-Za-z0-9]{32}", link
    )
    assert response.json()["expires_at"] == "2026-01-01T01:00:00Z"


UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("path", "body", "status", "reason"),
    [
        ("/admin/recovery/code", {"identity_id": UNKNOWN}, 404, "could not find identity"),
        ("/admin/recovery/link", {"identity_id": UNKNOWN}, 400, "The requested identity id does not exist."),
        # v26.2's code strategy prints the parsed duration, the link strategy what was sent
        ("/admin/recovery/code", {"identity_id": UNKNOWN, "expires_in": "0s"}, 400, "must result to a future time: 0s"),
        ("/admin/recovery/link", {"identity_id": UNKNOWN, "expires_in": "-90s"}, 400, "future time: -90s"),
        ("/admin/recovery/link", {"identity_id": UNKNOWN, "expires_in": "5x"}, 400, "expires_in"),
        ("/admin/recovery/code", {"identity_id": UNKNOWN, "expires_in": "99999999999999h"}, 400, "Unable to parse"),
        (
            "/admin/recovery/code",
            {"identity_id": UNKNOWN, "flow_type": "native"},
            400,
            'Value from "flow_type" is not valid',
        ),
        ("/admin/recovery/code", {}, 404, "could not find identity"),  # no identity_id: uuid.Nil, not found
    ],
)
def test_recovery_errors(client: TestClient, path: str, body: dict[str, Any], status: int, reason: str | None) -> None:
    assert_error(client.post(path, json=body), status, reason=reason)


def test_recovery_link_can_be_disabled_like_stock_kratos(make_client: Any) -> None:
    c = make_client(settings=Settings(recovery_link_enabled=False))
    assert_error(c.post("/admin/recovery/link", json={"identity_id": UNKNOWN}), 404, reason="disabled")


def test_schemas_list_and_get_by_plain_or_encoded_id(client: TestClient) -> None:
    listed = client.get("/schemas")
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == ["default"]
    assert listed.headers["x-total-count"] == "1"
    plain = client.get("/schemas/default").json()
    assert plain["properties"]["traits"]["properties"]["email"]["ory.sh/kratos"]["recovery"] == {"via": "email"}
    assert client.get("/schemas/ZGVmYXVsdA").json() == plain
    assert_error(client.get("/schemas/nope"), 404, reason="Identity schema `nope` could not be found.")


def test_custom_schemas_and_schema_url_follow_them(make_client: Any) -> None:
    phone_schema = {
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "phone": {
                        "type": "string",
                        "ory.sh/kratos": {
                            "credentials": {"code": {"identifier": True, "via": "sms"}},
                            "verification": {"via": "sms"},
                        },
                    },
                },
            }
        },
    }
    c = make_client(schemas={"customer": phone_schema}, seed=1)
    response = c.post("/admin/identities", json={"schema_id": "", "traits": {"phone": "+49 (170) 123-4567"}})
    assert response.status_code == 201, response.text
    identity = response.json()
    assert identity["schema_id"] == "customer"
    assert identity["schema_url"].endswith("/schemas/Y3VzdG9tZXI")
    assert identity["credentials"]["code"]["identifiers"] == ["+491701234567"]
    assert identity["verifiable_addresses"][0]["via"] == "sms"
    bad = c.post("/admin/identities", json={"schema_id": "customer", "traits": {"phone": "call me"}})
    assert_error(bad, 400, reason='is not valid "tel"')
