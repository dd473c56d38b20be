"""Faults over a real socket, as the official Python SDK (ory-kratos-client, urllib3) and httpx
see them: the issue's acceptance checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import urllib3
from ory_kratos_client import ApiClient, Configuration, CreateIdentityBody, IdentityApi
from ory_kratos_client.exceptions import ApiException

from mockserver import create_app
from mockserver.app import KratosMockApp, Settings
from mockserver.server import BackgroundServer


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    srv = BackgroundServer(lambda url: create_app(seed=3, settings=Settings(base_url=url))).start()
    yield srv
    srv.stop()


@pytest.fixture
def mock(server: BackgroundServer) -> KratosMockApp:
    app: KratosMockApp = server.app
    app.controller.reset()
    return app


@pytest.fixture
def api(server: BackgroundServer, mock: KratosMockApp) -> Iterator[IdentityApi]:
    # No retries: urllib3's default would retry a dropped GET and use the fault up.
    client = ApiClient(Configuration(host=server.url, retries=False))
    yield IdentityApi(client)
    client.rest_client.pool_manager.clear()


def add_fault(server: BackgroundServer, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/__mock__/faults", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create(api: IdentityApi, email: str) -> Any:
    return api.create_identity(create_identity_body=CreateIdentityBody(schema_id="default", traits={"email": email}))


def test_503_twice_then_success(server: BackgroundServer, api: IdentityApi) -> None:
    ada = create(api, "ada@example.com")
    add_fault(server, operation_id="getIdentity", status=503, times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            api.get_identity(ada.id)
        assert caught.value.status == 503
        assert caught.value.body == (
            '{"error":{"code":503,"status":"Service Unavailable","message":"Service Unavailable"}}'
        )
    assert api.get_identity(ada.id).id == ada.id
    [listed] = httpx.get(f"{server.url}/__mock__/faults").json()
    assert (listed["fired"], listed["remaining"]) == (2, 0)


def test_a_delay_holds_the_answer(server: BackgroundServer, api: IdentityApi) -> None:
    ada = create(api, "ada@example.com")
    add_fault(server, operation_id="getIdentity", delay_ms=300, times=1)
    started = time.perf_counter()
    assert api.get_identity(ada.id).id == ada.id
    assert time.perf_counter() - started >= 0.3


def test_connection_reset_is_a_connection_error(
    server: BackgroundServer, mock: KratosMockApp, api: IdentityApi
) -> None:
    add_fault(server, operation_id="createIdentity", fault="connection_reset", times=1)
    with pytest.raises(urllib3.exceptions.ProtocolError) as caught:
        create(api, "ada@example.com")
    assert isinstance(caught.value.args[1], ConnectionResetError)
    assert len(mock.store) == 0  # before the handler: nothing written
    with pytest.raises(httpx.ReadError):  # httpx sees the reset too
        add_fault(server, operation_id="listIdentities", fault="connection_reset", times=1)
        httpx.get(f"{server.url}/admin/identities")
    assert create(api, "ada@example.com").traits == {"email": "ada@example.com"}


def test_empty_response_closes_without_a_word(server: BackgroundServer) -> None:
    add_fault(server, operation_id="listIdentities", fault="empty_response", times=1)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.get(f"{server.url}/admin/identities")


def test_after_loses_the_response_but_the_identity_exists(
    server: BackgroundServer, mock: KratosMockApp, api: IdentityApi
) -> None:
    add_fault(server, operation_id="createIdentity", fault="connection_reset", after=True, times=1)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        create(api, "ada@example.com")
    assert [i.traits["email"] for i in api.list_identities()] == ["ada@example.com"]
    with pytest.raises(ApiException) as caught:  # the naive retry
        create(api, "ada@example.com")
    assert caught.value.status == 409
    entry = mock.journal.entries("createIdentity")[0]
    assert (entry.status, entry.fault) == (0, "connection_reset after")


def test_malformed_json_breaks_the_sdks_parsing(server: BackgroundServer, api: IdentityApi) -> None:
    add_fault(server, operation_id="createIdentity", fault="malformed_json", times=1)
    with pytest.raises(ValueError):  # json.JSONDecodeError inside the SDK's deserialiser
        create(api, "ada@example.com")


def test_timeout_holds_the_request_until_the_client_gives_up(server: BackgroundServer, mock: KratosMockApp) -> None:
    add_fault(server, operation_id="listIdentities", fault="timeout", times=1)
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{server.url}/admin/identities", timeout=0.4)
    assert 0.4 <= time.perf_counter() - started < 5
    assert httpx.get(f"{server.url}/admin/identities").status_code == 200
    deadline = time.monotonic() + 5
    while mock.journal.count("listIdentities") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # the held request is journaled once the mock sees the client leave
    assert sorted(e.fault or "" for e in mock.journal.entries("listIdentities")) == ["", "timeout"]


def _fired_on(server: BackgroundServer, api: IdentityApi) -> list[int]:
    httpx.post(f"{server.url}/__mock__/reset")
    ada = create(api, "ada@example.com")
    add_fault(server, operation_id="getIdentity", status=503, probability=0.5)
    fired = []
    for n in range(30):
        try:
            api.get_identity(ada.id)
        except ApiException:
            fired.append(n)
    return fired


def test_the_same_seed_fires_on_the_same_requests(server: BackgroundServer, api: IdentityApi) -> None:
    first = _fired_on(server, api)
    assert 5 < len(first) < 25
    assert _fired_on(server, api) == first  # reset rewinds the seeded stream; a new process draws alike


def test_reset_clears_all_faults(server: BackgroundServer, api: IdentityApi) -> None:
    add_fault(server, operation_id="listIdentities", status=503)
    add_fault(server, operation_id="createIdentity", fault="connection_reset")
    assert httpx.post(f"{server.url}/__mock__/reset").status_code == 200
    assert httpx.get(f"{server.url}/__mock__/faults").json() == []
    assert create(api, "ada@example.com").id
    assert len(api.list_identities()) == 1


def test_a_request_delayed_past_a_reset_is_dropped_not_served(server: BackgroundServer, mock: KratosMockApp) -> None:
    """The next test must not see a write, or a journal entry, of the test before it."""
    add_fault(server, operation_id="createIdentity", delay_ms=400)
    outcome: list[object] = []

    def slow_create() -> None:
        body = {"schema_id": "default", "traits": {"email": "late@example.com"}}
        try:
            outcome.append(httpx.post(f"{server.url}/admin/identities", json=body).status_code)
        except httpx.HTTPError as error:
            outcome.append(type(error))

    worker = threading.Thread(target=slow_create)
    worker.start()
    deadline = time.monotonic() + 5
    while not any(f.fired for f in mock.faults.list()) and time.monotonic() < deadline:
        time.sleep(0.01)  # until the request is inside its delay (however loaded the machine)
    mock.controller.reset()  # the test's end
    worker.join(timeout=5)
    assert outcome == [httpx.RemoteProtocolError]
    assert len(mock.store) == 0 and len(mock.journal) == 0
