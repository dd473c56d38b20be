"""The front door's steps: body cap, journal bounds, control characters, error texts."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from typing import Any

from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.control import BODY_LIMIT
from mockserver.frontdoor import MAX_BODY

from .conftest import assert_error

HOSTILE = b"[" + b",".join([b"[]"] * 21_000) + b"]"  # 63 KB that parse into ~1.6 MB of lists


def test_a_declared_body_over_the_cap_is_413_before_it_is_read() -> None:
    """No body is sent at all: the answer must not wait for one."""
    app = create_app(seed=1)
    sent: list[dict[str, Any]] = []
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        await asyncio.sleep(3600)  # a client that never sends its body
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/admin/identities",
        "raw_path": b"/admin/identities",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(MAX_BODY + 1).encode())],
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=5))
    assert received == 0
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == 413


def test_the_journal_keeps_bytes_not_parsed_bodies(client: TestClient, app: Any) -> None:
    """Issue #16: a hostile array body costs the journal its bytes, not 26 times as much."""
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for _ in range(20):
        response = client.post("/admin/identities", content=HOSTILE, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    entries = app.journal.entries("createIdentity")
    assert len(entries) == 20 and all(len(e.raw_body) == len(HOSTILE) for e in entries)
    assert after - before < 20 * len(HOSTILE) * 3  # parsed, it would be ~20 x 1.6 MB
    assert entries[0].body == json.loads(HOSTILE)  # still readable, parsed on demand


def test_the_journal_is_bounded_in_bytes() -> None:
    app = create_app(seed=1)
    app.journal.max_bytes = BODY_LIMIT * 4
    with TestClient(app, base_url="http://127.0.0.1:4434") as client:
        for _ in range(30):
            client.post(
                "/admin/identities", content=b" " * (BODY_LIMIT + 10), headers={"Content-Type": "application/json"}
            )
    assert app.journal.bytes <= BODY_LIMIT * 4
    assert 0 < len(app.journal) < 30
    assert all(len(e.raw_body) == BODY_LIMIT for e in app.journal.entries())  # the first 64 KiB of each


def test_validation_errors_never_echo_large_parts_of_the_body(client: TestClient) -> None:
    response = client.post("/admin/identities", content=HOSTILE, headers={"Content-Type": "application/json"})
    assert_error(response, 400)
    assert len(response.content) < 2_000


def test_control_characters_in_the_path_are_404(client: TestClient) -> None:
    assert_error(client.get("/admin/identities/%0Aabc"), 404)


def test_the_control_plane_is_not_journaled(client: TestClient, app: Any) -> None:
    client.get("/__mock__/health")
    client.get("/admin/identities")
    assert [e.path for e in app.journal.entries()] == ["/admin/identities"]
