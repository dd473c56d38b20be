"""The fast lane answers exactly as connexion does: same status, headers and bytes, for good and
bad requests of every operation it serves, in every generation; what it cannot prove it leaves
to connexion."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.app import KratosMockApp, Settings
from mockserver.fastlane import BOUND_LIMIT, Route, lane_routes

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
GARBAGE = st.text(alphabet="abcdef0123456789-%/ .~éZ", max_size=40)
VALUES = st.sampled_from(
    ["1", "0", "-1", "2", "abc", "", "true", "password", "identity", "devices", "active", "9" * 30]
)


def call(app: KratosMockApp, method: str, path: str, query: bytes = b"", headers: list[Any] | None = None) -> Answer:
    """One request straight into the ASGI app."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:4434"), *(headers or [])],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 4434),
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], sorted(start["headers"]), body


@dataclass
class Pair:
    """Two mocks with the same seed and history: one with the lane, one without."""

    lane: KratosMockApp
    plain: KratosMockApp
    ids: list[str]
    tokens: list[str]

    def both(self, method: str, path: str, query: bytes = b"", headers: list[Any] | None = None) -> Answer:
        fast = call(self.lane, method, path, query, headers)
        slow = call(self.plain, method, path, query, headers)
        assert fast == slow, (method, path, query)
        return fast


def pair(api: str) -> Pair:
    people = [
        {
            "id": f"1f6bd7e1-5b3a-4b54-8a3c-00000000000{n}",
            "schema_id": "default",
            "traits": {"email": f"user{n}@example.com"},
            "credentials": {"password": {"config": {"password": "correct horse battery"}}},
        }
        for n in range(3)
    ]
    sessions = [{"identity": {"id": person["id"]}} for person in people]
    fixture = {"identities": people, "sessions": sessions}
    apps = [create_app(seed=7, api=api, settings=Settings(fast_lane=on), fixtures=[fixture]) for on in (True, False)]
    sessions_now = apps[0].store.list_sessions()[0]
    ids = [person["id"] for person in people] + [s.id for s in sessions_now][:2]
    return Pair(apps[0], apps[1], ids, [s.token for s in sessions_now])


def lane_templates(app: KratosMockApp) -> list[tuple[str, str, list[str]]]:
    """(method, path template, query parameter names) of every operation the lane serves."""
    assert app.lane is not None
    out = []
    for plans in app.lane.plans.values():
        for plan in plans:
            op = plan.route.operation
            names = [p["name"] for p in op.parameters if p["in"] == "query"]
            if "metrics" in plan.route.template:
                continue  # latencies differ between any two apps
            out.append((plan.route.method, plan.route.base_path + plan.route.template, names))
    return sorted(out)


@st.composite
def requests(
    draw: st.DrawFn, templates: list[tuple[str, str, list[str]]], ids: list[str], tokens: list[str]
) -> tuple[str, str, bytes, list[tuple[bytes, bytes]]]:
    method, template, names = draw(st.sampled_from(templates))
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        value = draw(st.one_of(st.sampled_from(ids), GARBAGE.filter(lambda v: "/" not in v and v)))
        path = path[:start] + value + path[end + 1 :]
    pairs = draw(
        st.lists(st.tuples(st.sampled_from([*names, "unknown"]) if names else st.just("x"), VALUES), max_size=3)
    )
    query = "&".join(f"{k}={v}" for k, v in pairs).encode()
    secret = draw(st.one_of(st.sampled_from(tokens), GARBAGE)).encode("utf-8", "replace")
    credentials = [
        (b"x-session-token", secret),
        (b"X-Session-Token", b"second-" + secret),
        (b"authorization", b"Bearer " + secret),
        (b"cookie", b"ory_kratos_session=" + secret),
        (b"cookie", b"other=1"),
    ]
    headers = draw(st.lists(st.sampled_from(credentials), max_size=3))
    return method, path, query, headers


@pytest.mark.parametrize("api", ["v26.2", "v1.1", "v1.0", "v0.6"])
def test_the_lane_answers_byte_for_byte_as_connexion(api: str) -> None:
    """Differential: connexion (lane off) is the oracle for every lane operation, reads and deletes,
    with and without session credentials (whoami's bindings are keyed by them)."""
    mocks = pair(api)
    templates = lane_templates(mocks.lane)
    assert templates, f"{api}: the lane serves nothing"

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests(templates, mocks.ids, mocks.tokens))
    def check(request: tuple[str, str, bytes, list[tuple[bytes, bytes]]]) -> None:
        method, path, query, headers = request
        mocks.both(method, path, query, headers)

    check()


def test_the_lane_serves_the_hot_reads_and_leaves_bodies_to_connexion() -> None:
    app = create_app(seed=1)
    served = {template for _, template, _ in lane_templates(app)}
    assert "/admin/identities/{id}" in served and "/sessions/whoami" in served
    methods = {method for method, _, _ in lane_templates(app)}
    assert not methods & {"POST", "PUT", "HEAD"}  # bodies and HEAD go through connexion


def test_errors_in_the_lane_are_kratos_envelopes_like_connexions() -> None:
    mocks = pair("v26.2")
    status, _, body = mocks.both("GET", "/admin/identities/not-a-uuid")
    assert status in (400, 404) and body.startswith(b'{"error":')
    assert mocks.both("GET", "/admin/identities", b"page_size=abc")[0] == 400
    assert mocks.both("GET", f"/admin/identities/{mocks.ids[0]}", b"include_credential=nope")[0] == 400
    request_id = [(b"x-request-id", b"r-1")]
    assert b'"request":"r-1"' in mocks.both("GET", "/admin/identities/nope", headers=request_id)[2]
    assert mocks.both("HEAD", f"/admin/identities/{mocks.ids[0]}")[0] == 200  # connexion's HEAD


def test_a_changed_identity_is_never_served_from_the_encoded_view() -> None:
    mocks = pair("v26.2")
    path = f"/admin/identities/{mocks.ids[0]}"
    before = mocks.both("GET", path)[2]
    for app in (mocks.lane, mocks.plain):
        body = {"schema_id": "default", "traits": {"email": "changed@example.com"}, "state": "active"}
        assert TestClient(app).put(path, json=body).status_code == 200
    after = mocks.both("GET", path)[2]
    assert b"changed@example.com" in after and after != before


def test_argument_bindings_are_bounded_whatever_the_paths() -> None:
    app = create_app(seed=1)
    for n in range(BOUND_LIMIT + 50):
        call(app, "GET", f"/admin/identities/00000000-0000-0000-0000-{n:012d}")
    assert app.lane is not None
    assert all(len(plan.bound) <= BOUND_LIMIT for plans in app.lane.plans.values() for plan in plans)


class _Op:
    def __init__(self, kinds: dict[str, str] | None = None) -> None:
        self.kinds = kinds or {}

    def get_path_parameter_types(self) -> dict[str, str]:
        return self.kinds


def _route(api: int, method: str, template: str, kinds: dict[str, str] | None = None) -> Route:
    return Route(api, method, template, _Op(kinds), "", None)  # type: ignore[arg-type]


def test_only_routes_nothing_can_shadow_join_the_lane() -> None:
    """Starlette: the first full match of a router wins, else its first partial one (405);
    connexion chains APIs of one base path, so an earlier API's partial match wins over a later
    API's full one."""
    get_one = _route(0, "GET", "/a/{id}")
    delete_one = _route(0, "DELETE", "/a/{id}")  # same template, same API: the method decides
    get_me = _route(1, "GET", "/a/me")  # a later API: GET /a/me is a 405 from API 0's DELETE route
    other = _route(0, "GET", "/b/{x}/c")
    same_method = _route(0, "GET", "/b/{x}/{y}")  # same API and method, overlapping: order decides
    wildcard = _route(0, "GET", "/files/{p}", {"p": "path"})
    chosen = lane_routes([get_one, delete_one, get_me, other, same_method, wildcard], lambda route: True)
    assert chosen == [get_one, delete_one]
