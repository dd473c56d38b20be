"""Request verification: ``assert_called`` with JSON, header and query matchers, the near-miss
message when nothing matches, ``assert_not_called``/``assert_all_called``, and the filters of
``GET /__mock__/requests``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import ANY

import pytest
from starlette.testclient import TestClient

from mockserver.app import KratosMockApp
from mockserver.clock import EPOCH
from mockserver.control import HEADER_LIMIT, JournalEntry, RequestJournal, kept_headers
from mockserver.matchers import json_differences

from .conftest import assert_error


@pytest.fixture
def mock(serve: Any) -> tuple[KratosMockApp, TestClient]:
    return serve(seed=7)


def person(email: str, **extra: Any) -> dict[str, Any]:
    return {"schema_id": "default", "traits": {"email": email}, **extra}


# --- JSON subset matching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual", "differences"),
    [
        ({"traits": {"email": "a@x"}}, {"schema_id": "default", "traits": {"email": "a@x", "n": 1}}, []),
        ({"traits": {"email": "a@x"}}, {"traits": {"email": "b@x"}}, ["json.traits.email: expected 'a@x', got 'b@x'"]),
        ({"state": "active"}, {"traits": {}}, ["json.state: missing (expected 'active')"]),
        ({"traits": {"email": ANY}}, {"traits": {"email": "anything"}}, []),
        ({"tags": ["a", {"k": 1}]}, {"tags": ["a", {"k": 1, "x": 2}]}, []),
        ({"tags": ["a"]}, {"tags": ["a", "b"]}, ["json.tags: expected 1 items, got 2: ['a', 'b']"]),
        ({"tags": ["a", "c"]}, {"tags": ["a", "b"]}, ["json.tags[1]: expected 'c', got 'b'"]),
        ({"verified": True}, {"verified": 1}, ["json.verified: expected True, got 1"]),
        ({"n": 1}, {"n": 1.0}, []),
        ({"traits": {}}, {"traits": "x"}, ["json.traits: expected an object, got 'x'"]),
        ({"a": 1}, None, ["json: expected an object, got None"]),
    ],
)
def test_json_matches_as_a_subset(expected: Any, actual: Any, differences: list[str]) -> None:
    assert json_differences(expected, actual, "json") == differences


# --- assert_called over an app -------------------------------------------------------------------


def test_assert_called_with_a_json_subset(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    client.post("/admin/identities", json=person("ada@example.com", state="active"))
    [entry] = app.journal.assert_called("createIdentity", json={"traits": {"email": "ada@example.com"}}, times=1)
    assert entry.status == 201
    app.journal.assert_called("createIdentity", json={"traits": {"email": ANY}}, method="post", status=201)


def test_a_failing_json_matcher_names_the_nearest_request_and_the_differing_field(
    mock: tuple[KratosMockApp, TestClient],
) -> None:
    app, client = mock
    client.post("/admin/identities", json=person("bob@example.com"))
    client.post("/admin/identities", json=person("grace@example.com", state="inactive"))
    client.get("/admin/identities")
    with pytest.raises(AssertionError) as caught:
        app.journal.assert_called("createIdentity", json={"traits": {"email": "ada@example.com"}, "state": "inactive"})
    assert str(caught.value) == (
        "createIdentity with json={'traits': {'email': 'ada@example.com'}, 'state': 'inactive'} was never called;"
        " nearest recorded requests:\n"
        "  POST /admin/identities (createIdentity, 201, 2026-01-01T00:00:00Z):\n"
        "    - json.traits.email: expected 'ada@example.com', got 'grace@example.com'\n"
        "  POST /admin/identities (createIdentity, 201, 2026-01-01T00:00:00Z):\n"
        "    - json.traits.email: expected 'ada@example.com', got 'bob@example.com'\n"
        "    - json.state: missing (expected 'inactive')\n"
        "  GET /admin/identities (listIdentities, 200, 2026-01-01T00:00:00Z):\n"
        "    - operation: expected createIdentity, got listIdentities\n"
        "    - json: expected an object, got None"
    )


def test_times_counts_only_matching_requests(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    for email in ("a@example.com", "b@example.com", "a2@example.com"):
        client.post("/admin/identities", json=person(email))
    app.journal.assert_called("createIdentity", times=3)
    with pytest.raises(AssertionError, match=r"^createIdentity with json=.* was called 1 times, not 2; nearest"):
        app.journal.assert_called("createIdentity", json={"traits": {"email": "b@example.com"}}, times=2)


def test_headers_and_query_are_matched(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    client.get("/admin/identities", params={"page_size": 2, "credentials_identifier": "ada@example.com"},
               headers={"X-Request-ID": "r-1", "Authorization": "Bearer t"})  # fmt: skip
    app.journal.assert_called(
        "listIdentities",
        headers={"x-request-id": "r-1", "Authorization": "Bearer t"},
        query={"page_size": 2, "credentials_identifier": ["ada@example.com"]},
        times=1,
    )
    with pytest.raises(AssertionError) as caught:
        app.journal.assert_called("listIdentities", headers={"X-Request-ID": "r-2"}, query={"page_token": "x"})
    message = str(caught.value)
    assert "    - headers.x-request-id: expected 'r-2', got 'r-1'\n" in message
    assert message.endswith("    - query.page_token: expected ['x'], got missing")


def test_assert_not_called_and_assert_all_called(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    client.post("/admin/identities", json=person("ada@example.com"))
    app.journal.assert_not_called("deleteIdentity")
    app.journal.assert_not_called("createIdentity", json={"traits": {"email": "bob@example.com"}})
    with pytest.raises(AssertionError, match=r"^createIdentity with json=.* was called 1 times: POST /admin/identi"):
        app.journal.assert_not_called("createIdentity", json={"traits": {"email": "ada@example.com"}})
    app.journal.assert_all_called("createIdentity")
    with pytest.raises(AssertionError, match=r"^never called: getIdentity, deleteIdentity; calls: createIdentity$"):
        app.journal.assert_all_called("createIdentity", "getIdentity", "deleteIdentity")


def test_plain_assert_called_keeps_its_messages() -> None:
    journal = RequestJournal()
    with pytest.raises(AssertionError, match=r"^createIdentity was never called; calls: none$"):
        journal.assert_called("createIdentity")
    with pytest.raises(AssertionError, match=r"^createIdentity with status=201 was never called; no requests"):
        journal.assert_called("createIdentity", status=201)


# --- the journal's headers -----------------------------------------------------------------------


def test_headers_are_kept_up_to_a_bound() -> None:
    small = [(b"x-a", b"1"), (b"x-a", b"2")]
    assert kept_headers(small) == tuple(small)
    entry = JournalEntry("GET", "/x", b"", b"", 200, None, EPOCH, raw_headers=kept_headers(small))
    assert entry.headers == {"x-a": "1, 2"}
    big = [(b"x-big", b"v" * 3000) for _ in range(5)]
    kept = kept_headers(big)
    assert len(kept) == 2 and sum(len(k) + len(v) for k, v in kept) <= HEADER_LIMIT
    assert JournalEntry("GET", "/x", b"", b"", 200, None, EPOCH, raw_headers=kept).size > 6000


def test_journal_entries_show_headers_and_fault(mock: tuple[KratosMockApp, TestClient]) -> None:
    _, client = mock
    client.get("/admin/identities", headers={"X-Request-ID": "r-9"})
    [entry] = client.get("/__mock__/requests").json()
    assert entry["headers"]["x-request-id"] == "r-9" and entry["fault"] is None


# --- GET /__mock__/requests filters --------------------------------------------------------------


def test_the_journal_filters_by_operation_method_path_status_and_time(mock: tuple[KratosMockApp, TestClient]) -> None:
    app, client = mock
    made = client.post("/admin/identities", json=person("ada@example.com")).json()
    app.store.clock.advance(timedelta(minutes=5))
    client.get(f"/admin/identities/{made['id']}")
    client.get("/admin/identities/00000000-0000-4000-8000-000000000000")
    app.store.clock.advance(timedelta(minutes=5))
    client.delete(f"/admin/identities/{made['id']}")

    def paths(**params: Any) -> list[str]:
        response = client.get("/__mock__/requests", params=params)
        assert response.status_code == 200, response.text
        return [f"{e['method']} {e['status']}" for e in response.json()]

    assert paths() == ["POST 201", "GET 200", "GET 404", "DELETE 204"]
    assert paths(operation_id="getIdentity") == ["GET 200", "GET 404"]
    assert paths(method="get", status=404) == ["GET 404"]
    assert paths(path=f"/admin/identities/{made['id']}") == ["GET 200", "DELETE 204"]
    assert paths(since="2026-01-01T00:05:00Z") == ["GET 200", "GET 404", "DELETE 204"]
    assert paths(since="2026-01-01T00:01:00Z", until=(EPOCH + timedelta(minutes=5)).isoformat()) == [
        "GET 200",
        "GET 404",
    ]


@pytest.mark.parametrize(
    ("params", "problem"),
    [({"since": "yesterday"}, "since must be"), ({"status": "abc"}, "status")],
)
def test_bad_filters_are_400s(mock: tuple[KratosMockApp, TestClient], params: dict[str, str], problem: str) -> None:
    _, client = mock
    response = client.get("/__mock__/requests", params=params)
    assert_error(response, 400)
    assert problem in response.text


def test_a_request_that_began_before_a_clear_is_not_recorded_after_it() -> None:
    journal = RequestJournal()
    epoch = journal.epoch
    journal.clear()  # a test's reset while the request was in flight
    journal.record(JournalEntry("GET", "/x", b"", b"", 200, "listIdentities", EPOCH), epoch)
    assert len(journal) == 0
    journal.record(JournalEntry("GET", "/x", b"", b"", 200, "listIdentities", EPOCH), journal.epoch)
    assert len(journal) == 1
