"""Faults per operation: the table's checks and seeded draws, and ``/__mock__/faults`` in-process.

Over a real socket with the official SDK (what a client sees): ``test_fault_injection.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import KratosMockApp
from mockserver.faults import FaultError, FaultTable, parse_fault

from .conftest import assert_error, new_identity

OPERATIONS = {"getIdentity": 200, "createIdentity": 201, "listIdentities": 200}


@pytest.fixture
def mock(serve: Any) -> tuple[KratosMockApp, TestClient]:
    return serve(seed=7)


def fault(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__mock__/faults", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# --- the table -----------------------------------------------------------------------------------


G = {"operation_id": "getIdentity"}
BAD_FAULTS = [
    ({}, "operation_id must name a Kratos operation (e.g. 'getIdentity'), got None"),
    ({**G, "operation_id": "getIdentty"}, "'getIdentty' is not an operation of this mock's Kratos API; did you mean"),
    (G, "a fault needs a status, a fault (connection_reset, empty_response, malformed_json, timeout) or a delay_ms"),
    ({**G, "status": 200}, "status must be an HTTP error status (400-599), got 200"),
    ({**G, "status": "503"}, "status must be an HTTP error status (400-599), got '503'"),
    ({**G, "fault": "reset"}, "fault must be one of connection_reset, empty_response, malformed_json, timeout, got"),
    ({**G, "fault": "timeout", "status": 504}, "fault 'timeout' sends no status; drop status=504"),
    ({**G, "delay_ms": -1}, "delay_ms must be an integer from 0 to 600000, got -1"),
    ({**G, "status": 503, "times": 0}, "times must be a positive integer (or null for every request), got 0"),
    ({**G, "status": 503, "probability": 1.5}, "probability must be a number from 0 to 1, got 1.5"),
    ({**G, "status": 503, "after": "yes"}, "after must be true or false, got 'yes'"),
    ({**G, "fault": "timeout", "body": {}}, "body is sent with a status; give status too"),
    ({**G, "status": 503, "statuss": 1}, "unknown field 'statuss'; did you mean 'status'?"),
    ({**G, "status": 429, "headers": {"Retry-After": 1}}, "headers must map header names to one-line Latin-1 strings"),
    ({**G, "status": 429, "headers": {"Retry After": "1"}}, "headers must map header names"),
    ({**G, "status": 429, "headers": {"X-A": "1\r\nX-B: 2"}}, "headers must map header names"),
    ({**G, "status": 429, "headers": {"X-A": "\u2603"}}, "headers must map header names"),
    ({**G, "status": 503, "times": True}, "times must be a positive integer"),
    ({**G, "delay_ms": 1.5}, "delay_ms must be an integer"),
    ({**G, "status": 503, "probability": "0.5"}, "probability must be a number from 0 to 1, got '0.5'"),
]


@pytest.mark.parametrize(("document", "problem"), BAD_FAULTS)
def test_a_bad_fault_is_refused_with_what_was_wrong(document: dict[str, Any], problem: str) -> None:
    with pytest.raises(FaultError) as caught:
        parse_fault(document, OPERATIONS)
    assert problem in str(caught.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(FaultError) as caught:
        parse_fault({"operation_id": "getIdentity", "status": 99, "times": -1}, OPERATIONS)
    assert str(caught.value).count(";") == 1


def test_faults_fire_in_order_until_their_times_run_out() -> None:
    table = FaultTable(operations=OPERATIONS)
    assert table.active is False and table.pick("getIdentity") is None
    first = table.add("getIdentity", status=503, times=2)
    second = table.add({"operation_id": "getIdentity", "status": 500})  # every time, once the first is spent
    assert table.active is True
    assert [table.pick("getIdentity") for _ in range(4)] == [first, first, second, second]
    assert table.pick("createIdentity") is None
    assert (first.fired, second.fired) == (2, 2)
    assert first.as_json()["remaining"] == 0 and second.as_json()["remaining"] is None


def test_the_request_path_stays_cheap_once_faults_are_spent() -> None:
    table = FaultTable(operations=OPERATIONS)
    table.add("getIdentity", status=503, times=1)
    table.pick("getIdentity")
    assert table.active is False  # the one attribute the middleware reads
    assert len(table) == 1  # still listed, with its count


def _fired(table: FaultTable, requests: int = 40) -> list[int]:
    table.add("getIdentity", status=503, probability=0.5)
    return [n for n in range(requests) if table.pick("getIdentity") is not None]


def test_a_seed_fires_the_same_requests_every_time() -> None:
    runs = [_fired(FaultTable(seed=42, operations=OPERATIONS)) for _ in range(2)]
    assert runs[0] == runs[1]
    assert 5 < len(runs[0]) < 35  # about half
    assert _fired(FaultTable(seed=43, operations=OPERATIONS)) != runs[0]


def test_reset_clears_faults_and_rewinds_the_stream() -> None:
    table = FaultTable(seed=42, operations=OPERATIONS)
    before = _fired(table)
    table.reset()
    assert table.list() == [] and table.active is False
    assert _fired(table) == before
    table.reseed(5)
    table.clear()
    assert _fired(table) == _fired(FaultTable(seed=5, operations=OPERATIONS))


def test_assert_all_fired_names_the_idle_faults() -> None:
    table = FaultTable(operations=OPERATIONS)
    table.add("getIdentity", status=503, times=2)
    table.add("createIdentity", fault="connection_reset")
    table.pick("getIdentity")
    with pytest.raises(AssertionError) as caught:
        table.assert_all_fired()
    assert str(caught.value) == (
        "faults that did not fire as often as set: #1 getIdentity fired 1 of 2; #2 createIdentity fired 0 of any"
    )
    table.pick("getIdentity")
    table.pick("createIdentity")
    table.assert_all_fired()


# --- the control plane ---------------------------------------------------------------------------


def test_add_list_delete_and_clear(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    added = fault(client, operation_id="getIdentity", status=503, times=2)
    assert added == {
        "id": 1,
        "operation_id": "getIdentity",
        "status": 503,
        "delay_ms": 0,
        "times": 2,
        "probability": 1.0,
        "after": False,
        "fired": 0,
        "remaining": 2,
    }
    fault(client, operation_id="createIdentity", fault="connection_reset")
    assert [f["id"] for f in client.get("/__mock__/faults").json()] == [1, 2]
    assert client.delete("/__mock__/faults/1").status_code == 204
    assert_error(client.delete("/__mock__/faults/1"), 404, reason="No fault has the id 1.")
    assert [f["id"] for f in client.get("/__mock__/faults").json()] == [2]
    assert client.delete("/__mock__/faults").status_code == 204
    assert client.get("/__mock__/faults").json() == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"operation_id": "resetMock", "status": 503}, "not an operation of this mock's Kratos API"),
        ({"operation_id": "getIdentity", "status": 503, "delay": 5}, "unknown field 'delay'; did you mean 'delay_ms'?"),
        ([1, 2], "[1, 2] is not of type 'object'"),  # the spec's check
    ],
)
def test_bad_bodies_are_400s_saying_what_was_wrong(
    mock: tuple[KratosMockApp, TestClient], body: Any, problem: str
) -> None:
    _, client = mock
    response = client.post("/__mock__/faults", json=body)
    assert_error(response, 400)
    assert problem in response.text
    assert client.get("/__mock__/faults").json() == []


def test_an_injected_status_answers_in_the_kratos_envelope_and_changes_nothing(
    mock: tuple[KratosMockApp, TestClient],
) -> None:
    app, client = mock
    fault(client, operation_id="createIdentity", status=503, times=1)
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "a@example.com"}})
    assert response.status_code == 503
    # Go's http.StatusText where herodot has no default message (herodot error_defaults.go)
    assert response.json() == {
        "error": {"code": 503, "status": "Service Unavailable", "message": "Service Unavailable"}
    }
    assert len(app.store) == 0  # the fault fired before the handler
    new_identity(client, "a@example.com")  # the fault is spent
    [first, second] = app.journal.entries("createIdentity")
    assert (first.status, first.fault, second.status, second.fault) == (503, "status", 201, None)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (500, "An internal server error occurred, please contact the system administrator"),
        (404, "The requested resource could not be found"),
        (415, "The request is using an unknown content type"),
        (502, "Upstream error"),
        (429, "Too Many Requests"),
    ],
)
def test_statuses_carry_kratos_wording(mock: tuple[KratosMockApp, TestClient], status: int, message: str) -> None:
    _, client = mock
    fault(client, operation_id="listIdentities", status=status)
    error = client.get("/admin/identities", headers={"X-Request-ID": "r1"}).json()["error"]
    assert (error["code"], error["message"], error["request"]) == (status, message, "r1")


def test_faults_reach_the_public_api(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    fault(client, operation_id="toSession", status=500, times=1)
    assert_error(client.get("/sessions/whoami"), 500)
    assert_error(client.get("/sessions/whoami"), 401)  # served again


def test_a_body_that_is_not_json_is_a_400(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    response = client.post("/__mock__/faults", content=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 400)


def test_a_given_body_and_headers_replace_the_envelope(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    fault(client, operation_id="listIdentities", status=429, body={"slow": "down"}, headers={"Retry-After": "2"})
    response = client.get("/admin/identities")
    assert (response.status_code, response.json(), response.headers["retry-after"]) == (429, {"slow": "down"}, "2")


def test_after_writes_then_loses_the_response(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    fault(client, operation_id="createIdentity", status=500, after=True, times=1)
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "a@example.com"}})
    assert response.status_code == 500
    assert [i["traits"]["email"] for i in client.get("/admin/identities").json()] == ["a@example.com"]
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "a@example.com"}})
    assert_error(response, 409)  # the retry that breaks naive retry logic


def test_after_on_a_rejected_request_does_not_use_the_fault_up(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    fault(client, operation_id="getIdentity", status=500, after=True, times=1)
    assert_error(client.get("/admin/identities/not-a-uuid"), 404)  # nothing was written, so nothing lost
    assert client.get("/__mock__/faults").json()[0]["fired"] == 0


def test_malformed_json_sends_the_success_status_with_a_broken_body(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    fault(client, operation_id="createIdentity", fault="malformed_json", times=1)
    response = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "a@example.com"}})
    assert response.status_code == 201 and response.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()
    fault(client, operation_id="listIdentities", fault="malformed_json", after=True)
    new_identity(client, "b@example.com")
    response = client.get("/admin/identities")
    assert response.status_code == 200 and response.text.startswith('[{"id":')
    with pytest.raises(ValueError):
        response.json()


@pytest.mark.parametrize(
    ("kind", "error"),
    [("connection_reset", ConnectionResetError), ("empty_response", ConnectionResetError), ("timeout", TimeoutError)],
)
def test_in_process_clients_get_an_exception_for_a_dropped_connection(
    mock: tuple[KratosMockApp, TestClient], kind: str, error: type[Exception]
) -> None:
    app, client = mock
    fault(client, operation_id="listIdentities", fault=kind, times=1)
    with pytest.raises(error, match=f"kratos-mock fault: {kind}"):
        client.get("/admin/identities")
    assert client.get("/admin/identities").status_code == 200
    assert [(e.status, e.fault) for e in app.journal] == [(0, kind), (200, None)]


def test_a_delay_alone_serves_the_request(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    fault(client, operation_id="listIdentities", delay_ms=1, times=1)
    assert client.get("/admin/identities").status_code == 200
    assert [e.fault for e in app.journal] == ["delay"]


def test_control_plane_calls_are_never_faulted_or_journaled(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    fault(client, operation_id="listIdentities", status=503)
    assert client.get("/__mock__/health").status_code == 200
    assert len(app.journal) == 0


def test_reset_clears_every_fault(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    fault(client, operation_id="listIdentities", status=503)
    assert client.post("/__mock__/reset").status_code == 200
    assert client.get("/__mock__/faults").json() == []
    assert client.get("/admin/identities").status_code == 200
    app.faults.add("listIdentities", status=503)
    app.controller.reset()
    assert app.faults.active is False


def test_faults_do_not_shift_seeded_ids(serve: Any) -> None:
    ids = []
    for probability in (None, 0.5):
        app, client = serve(seed=11)
        if probability is not None:
            app.faults.add("getIdentity", status=503, probability=probability)
        made = new_identity(client, "a@example.com")
        for _ in range(5):
            client.get(f"/admin/identities/{made['id']}")
        ids.append((made["id"], new_identity(client, "b@example.com")["id"]))
    assert ids[0] == ids[1]


def test_two_apps_with_one_seed_fault_the_same_requests(serve: Any) -> None:
    runs = []
    for _ in range(2):
        _, client = serve(seed=5)
        fault(client, operation_id="listIdentities", status=503, probability=0.5)
        runs.append([n for n in range(30) if client.get("/admin/identities").status_code == 503])
    assert runs[0] == runs[1] and 5 < len(runs[0]) < 25


def test_a_delay_after_the_write_answers_late(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    fault(client, operation_id="createIdentity", delay_ms=1, after=True, times=1)
    new_identity(client, "a@example.com")
    assert [e.fault for e in app.journal] == ["delay after"]
