"""Shared fixtures: a fresh seeded app per test, driven in-process (no socket)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.app import KratosMockApp, Settings

BASE_URL = "http://127.0.0.1:4434"
HAS_FUZZ_EXTRA = all(importlib.util.find_spec(m) is not None for m in ("schemathesis", "requests"))

if not HAS_FUZZ_EXTRA:  # pip install '.[test]' without '.[fuzz]': the schemathesis tests cannot run
    collect_ignore = ["test_fuzz.py", "test_diff_and_conformance.py", "conformance"]


@pytest.fixture
def app() -> KratosMockApp:
    return create_app(seed=7)


@pytest.fixture
def client(app: KratosMockApp) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1:4434") as c:
        yield c


@pytest.fixture
def make_client() -> Iterator[Any]:
    """Build a client for an app with other settings."""
    clients: list[TestClient] = []

    def build(**kwargs: Any) -> TestClient:
        settings = kwargs.pop("settings", None) or Settings()
        c = TestClient(create_app(settings=settings, **kwargs), base_url="http://127.0.0.1:4434")
        clients.append(c)
        return c

    yield build
    for c in clients:
        c.close()


@pytest.fixture
def serve() -> Iterator[Any]:
    """In-process clients for apps built with ``create_app(**kwargs)``, closed after the test."""
    clients: list[TestClient] = []

    def build(**kwargs: Any) -> tuple[KratosMockApp, TestClient]:
        app = create_app(**kwargs)
        client = TestClient(app, base_url=BASE_URL)
        clients.append(client)
        return app, client

    yield build
    for client in clients:
        client.close()


def new_identity(client: TestClient, email: str = "ada@example.com", **extra: Any) -> dict[str, Any]:
    body = {"schema_id": "default", "traits": {"email": email}, **extra}
    response = client.post("/admin/identities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response: Any, status: int, *, reason: str | None = None, message: str | None = None) -> None:
    """The Kratos envelope, with the status mirrored in the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == status
    assert isinstance(error["status"], str) and error["status"]
    assert isinstance(error["message"], str) and error["message"]
    if reason is not None:
        assert reason in error.get("reason", ""), error
    if message is not None:
        assert message in error["message"], error


pytest_plugins = ["pytester"]
