"""Loaded data as the reset baseline (``POST /__mock__/fixtures?baseline=true``,
``POST /__mock__/baseline``) and the controller's stack of baselines the pytest plugin uses."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from mockserver import create_app
from mockserver.server import BackgroundServer

from .conftest import new_identity

USERS = {
    "identities": [
        {
            "id": "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01",
            "schema_id": "default",
            "traits": {"email": "ada@example.com"},
            "credentials": {"password": {"config": {"password": "correct horse battery staple"}}},
        }
    ],
    "sessions": [{"identity": {"identifier": "ada@example.com"}}],
}
ADA = "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01"


def _call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
        return response.status, json.loads(text) if text else None


def test_service_container_run_keeps_fixtures_loaded_over_http_across_reset() -> None:
    """A sidecar that cannot mount files: load over HTTP, mark baseline, write, reset: data intact."""
    with BackgroundServer(lambda url: create_app(seed=42)) as server:
        url = server.url
        assert _call("POST", f"{url}/__mock__/fixtures?baseline=true", USERS) == (
            201,
            {"schemas": 0, "identities": 1, "sessions": 1, "flows": 0, "errors": 0},
        )
        status, created = _call(
            "POST", f"{url}/admin/identities", {"schema_id": "default", "traits": {"email": "bob@example.com"}}
        )
        assert status == 201
        _call("DELETE", f"{url}/admin/identities/{ADA}")
        assert _call("POST", f"{url}/__mock__/reset")[0] == 200
        assert [i["id"] for i in _call("GET", f"{url}/admin/identities")[1]] == [ADA]
        assert len(_call("GET", f"{url}/admin/sessions")[1]) == 1
        # the random state is part of the baseline: the same write makes the same id again
        again = _call("POST", f"{url}/admin/identities", {"schema_id": "default", "traits": {"email": "b@x.org"}})
        assert again[1]["id"] == created["id"]


def test_post_baseline_seals_what_was_loaded_without_the_flag(serve: Any) -> None:
    _, client = serve(seed=1)
    assert client.post("/__mock__/fixtures", json=USERS).status_code == 201
    assert client.post("/__mock__/baseline").json() == {"identities": 1, "sessions": 1}
    new_identity(client, "bob@example.com")
    assert client.post("/__mock__/reset").json() == {"undone": 1}
    assert [i["id"] for i in client.get("/admin/identities").json()] == [ADA]


def test_fixtures_without_baseline_are_still_undone_by_reset(serve: Any) -> None:
    _, client = serve(seed=1)
    assert client.post("/__mock__/fixtures?baseline=false", json=USERS).status_code == 201
    client.post("/__mock__/reset")
    assert client.get("/admin/identities").json() == []


def test_a_rejected_baseline_load_changes_nothing(serve: Any) -> None:
    _, client = serve(seed=1)
    broken = {"identities": [{"schema_id": "default", "traits": {"email": 5}}]}
    assert client.post("/__mock__/fixtures?baseline=true", json=broken).status_code == 400
    new_identity(client, "bob@example.com")
    client.post("/__mock__/reset")
    assert client.get("/admin/identities").json() == []


def test_controller_stack_begin_reset_end(serve: Any) -> None:
    app, client = serve(seed=1, fixtures=[USERS])
    controller = app.controller
    depth = controller.begin()
    assert (depth, controller.depth) == (1, 2)
    first = new_identity(client, "in-test@example.com")
    controller.seal()  # a test's own baseline: the session's stays below it
    controller.load([{"identities": [{"schema_id": "default", "traits": {"email": "later@example.com"}}]}])
    assert controller.reset() == 1
    assert {i["traits"]["email"] for i in client.get("/admin/identities").json()} == {
        "ada@example.com",
        "in-test@example.com",
    }
    controller.end(depth)
    assert controller.depth == 1
    assert [i["id"] for i in client.get("/admin/identities").json()] == [ADA]
    assert new_identity(client, "in-test@example.com")["id"] == first["id"]
