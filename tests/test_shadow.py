"""``kratos-mock shadow``: the caller gets the upstream's answer, the report names where an
in-process mock (loaded with the upstream's state at start) would have answered differently.

A second mock stands in for the real Kratos: the same release, with one behaviour changed (the
recovery link strategy turned off, as stock Kratos ships), so the report must name exactly that
operation over a representative set of the official SDK's calls.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import httpx
import pytest
from ory_kratos_client import (
    ApiClient,
    Configuration,
    CreateIdentityBody,
    CreateRecoveryCodeForIdentityBody,
    CreateRecoveryLinkForIdentityBody,
    IdentityApi,
    IdentityWithCredentials,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    JsonPatch,
    UpdateIdentityBody,
)
from ory_kratos_client.exceptions import NotFoundException

from mockserver import create_app
from mockserver.app import Settings
from mockserver.cli import main
from mockserver.server import BackgroundServer, bind, url_for
from mockserver.shadow import ShadowApp, create_shadow
from mockserver.shadow_compare import Answer, differences, page_token
from mockserver.shadow_ids import IdMap
from mockserver.shadow_report import MAX_OPERATIONS, ShadowReport
from tests.test_readme import _env, _free_port, blocks, run_walk_through

ROOT = Path(__file__).resolve().parent.parent
ADA = "0b7a54d4-6d5e-4c4a-9a57-6f0f2f8f0a01"
GRACE = "0b7a54d4-6d5e-4c4a-9a57-6f0f2f8f0a02"
SESSIONS = [f"5e55f0d4-6d5e-4c4a-9a57-6f0f2f8f0b0{n}" for n in range(1, 4)]
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
STATE = {
    "identities": [
        {"id": ADA, "schema_id": "default", "traits": {"email": "ada@example.com"}},
        {"id": GRACE, "schema_id": "default", "traits": {"email": "grace@example.com"}},
    ],
    "sessions": [
        {"id": SESSIONS[0], "identity": {"id": ADA}, "issued_at": "2026-11-01T10:00:00Z"},
        {"id": SESSIONS[1], "identity": {"id": ADA}, "issued_at": "2026-11-01T11:00:00Z"},
        {"id": SESSIONS[2], "identity": {"id": GRACE}, "issued_at": "2026-11-01T12:00:00Z"},
    ],
}
PASSWORD = {"password": {"config": {"password": "s3cr3t-Pa55-word"}}}
LINK = re.compile(r'<([^>]+)>;\s*rel="(\w+)"')


def upstream_app(url: str, **settings: Any) -> Any:
    """The stand-in for a real Kratos: a mock on a real clock (sessions expire as in Kratos)."""
    return create_app(settings=Settings(base_url=url, **settings), fixtures=[STATE])


@contextlib.contextmanager
def shadow_of(upstream: BackgroundServer) -> Iterator[BackgroundServer]:
    with BackgroundServer(lambda url: create_shadow(upstream.url), date_header=False) as shadow:
        yield shadow


@pytest.fixture
def stock_kratos() -> Iterator[BackgroundServer]:
    """Differs from the mock in one behaviour: the recovery link strategy is off (Kratos' default)."""
    with BackgroundServer(lambda url: upstream_app(url, recovery_link_enabled=False)) as server:
        yield server


def sdk(url: str) -> IdentityApi:
    return IdentityApi(ApiClient(Configuration(host=url)))


def next_token(headers: Any) -> str | None:
    rels = {rel: parse_qs(urlsplit(url).query) for url, rel in LINK.findall(headers.get("link") or "")}
    return rels["next"]["page_token"][0] if "next" in rels else None


def drive(api: IdentityApi) -> None:
    """A representative client: identities, sessions and recovery, as the SDK calls them."""
    password = IdentityWithCredentials(
        password=IdentityWithCredentialsPassword(config=IdentityWithCredentialsPasswordConfig(password="s3cr3t-Pa55"))
    )
    made = api.create_identity(
        CreateIdentityBody(schema_id="default", traits={"email": "lin@example.com"}, credentials=password)
    )
    assert api.get_identity(made.id, include_credential=["password"]).traits == {"email": "lin@example.com"}
    patched = api.patch_identity(made.id, [JsonPatch(op="replace", path="/metadata_public", value={"plan": "pro"})])
    assert patched.metadata_public == {"plan": "pro"}
    api.update_identity(made.id, UpdateIdentityBody(schema_id="default", state="inactive", traits={"email": "l@x.io"}))
    token, seen = None, []
    while True:  # keyset pages of one, following Link: rel="next"
        page = api.list_identities_with_http_info(page_size=1, page_token=token)
        seen += [i.id for i in page.data]
        token = next_token(page.headers)
        if token is None:
            break
    assert set(seen) == {ADA, GRACE, made.id}
    assert [i.id for i in api.list_identities(credentials_identifier="ada@example.com")] == [ADA]

    token, sessions = None, []
    while True:  # session pages: base64 keyset tokens
        listed = api.list_sessions_with_http_info(page_size=2, page_token=token, expand=["identity"])
        sessions += [s.id for s in listed.data]
        token = next_token(listed.headers)
        if token is None:
            break
    assert sorted(sessions) == sorted(SESSIONS)
    assert [s.id for s in api.list_identity_sessions(ADA)] == [SESSIONS[1], SESSIONS[0]]
    assert api.get_session(SESSIONS[2], expand=["identity"]).identity.id == GRACE
    api.extend_session(SESSIONS[2])
    api.disable_session(SESSIONS[0])
    assert [s.id for s in api.list_sessions(active=False)] == [SESSIONS[0]]
    api.delete_identity_sessions(ADA)

    code = api.create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody(identity_id=made.id))
    assert re.fullmatch(r"\d{6}", code.recovery_code)
    with pytest.raises(NotFoundException):  # the upstream's answer, not the mock's 200
        api.create_recovery_link_for_identity(
            create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(identity_id=made.id)
        )
    api.delete_identity(made.id)
    with pytest.raises(NotFoundException):
        api.get_identity(made.id)
    assert [s.id for s in api.list_identity_schemas()] == ["default"]


def test_sdk_calls_through_the_shadow_report_exactly_the_one_differing_operation(
    stock_kratos: BackgroundServer,
) -> None:
    with shadow_of(stock_kratos) as shadow:
        drive(sdk(shadow.url))
    report: ShadowReport = shadow.app.report
    assert not report.errors, list(report.errors)
    assert [o.operation for o in report.differing] == ["createRecoveryLinkForIdentity"], report.table()
    [link] = report.differing
    assert (link.calls, link.differing, link.kinds) == (1, 1, {"status": 1, "body": 1})
    [example] = link.examples
    assert example["upstream"]["status"] == 404 and example["mock"]["status"] == 200
    assert example["request"] == "POST /admin/recovery/link"
    operations = {o.operation: o.calls for o in report.snapshot()}
    assert {"createIdentity", "getIdentity", "patchIdentity", "updateIdentity", "deleteIdentity"} <= set(operations)
    assert operations["listIdentities"] == 4  # three pages of one, and one filter
    assert {"listSessions", "getSession", "extendSession", "disableSession", "deleteIdentitySessions"} <= set(
        operations
    )
    assert report.ok is False
    assert report.summary().endswith("1 differ: createRecoveryLinkForIdentity")


def test_the_same_behaviour_reports_nothing(tmp_path: Path) -> None:
    with (
        BackgroundServer(upstream_app) as kratos,
        shadow_of(kratos) as shadow,
    ):
        api = sdk(shadow.url)
        made = api.create_identity(CreateIdentityBody(schema_id="default", traits={"email": "lin@example.com"}))
        api.create_recovery_link_for_identity(
            create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(identity_id=made.id)
        )
        api.delete_identity(made.id)
    report: ShadowReport = shadow.app.report
    assert report.ok, report.table()
    [junit, document] = report.write(["junit", "json"], tmp_path)
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "0", "0")
    assert json.loads(document.read_text())["differing_operations"] == []


def test_a_native_login_through_the_shadow_agrees_on_every_call() -> None:
    """The public API: the flow and session the upstream made are the mock's too (adopted ids), the
    session token is translated, and the proxy's address is the client both servers saw."""
    ada, grace = STATE["identities"]
    state = {**STATE, "identities": [{**ada, "credentials": PASSWORD}, grace]}
    with (
        BackgroundServer(lambda url: create_app(settings=Settings(base_url=url), fixtures=[state])) as kratos,
        shadow_of(kratos) as shadow,
        httpx.Client(base_url=shadow.url) as client,
    ):
        flow = client.get("/self-service/login/api").json()
        login = client.post(
            f"/self-service/login?flow={flow['id']}",
            json={"method": "password", "identifier": "ada@example.com", "password": "s3cr3t-Pa55-word"},
        )
        token = login.json()["session_token"]
        assert client.get("/sessions/whoami", headers={"X-Session-Token": token}).status_code == 200
        client.request("DELETE", "/self-service/logout/api", json={"session_token": token})
        assert client.get("/sessions/whoami", headers={"X-Session-Token": token}).status_code == 401
    report: ShadowReport = shadow.app.report
    assert report.ok, report.table()
    assert len(shadow.app.ids) == 0  # the mock's session has the upstream's id and token: nothing to translate
    assert {o.operation: o.calls for o in report.snapshot()} == {
        "createNativeLoginFlow": 1,
        "updateLoginFlow": 1,
        "toSession": 2,
        "performNativeLogout": 1,
    }


def csrf_value(flow: dict[str, Any]) -> str:
    return next(n for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]


def test_a_browser_app_with_a_cookie_jar_agrees_on_every_call() -> None:
    """Browser flows: the mock adopts the upstream's CSRF token (nosurf's cookie and masked token
    match), and the session cookie is translated, so registration, login, whoami by cookie and
    logout are each compared for what they are."""
    dev = {"dev": True}  # plain-http cookies (Kratos --dev), so the client's jar sends them
    with (
        BackgroundServer(lambda url: create_app(settings=Settings(base_url=url), config=dev)) as kratos,
        BackgroundServer(lambda url: create_shadow(kratos.url, config=dev), date_header=False) as shadow,
        httpx.Client(base_url=shadow.url, headers={"Accept": "application/json"}) as spa,
    ):
        flow = spa.get("/self-service/registration/browser").json()
        body = {"method": "password", "traits": {"email": "spa@example.com"}, "password": "correct horse staple"}
        params = {"flow": flow["id"]}
        assert spa.post("/self-service/registration", params=params, json={**body, "csrf_token": csrf_value(flow)})
        flow = spa.get("/self-service/login/browser").json()
        credentials = {"method": "password", "identifier": "spa@example.com", "password": body["password"]}
        logged_in = spa.post(
            "/self-service/login", params={"flow": flow["id"]}, json={**credentials, "csrf_token": csrf_value(flow)}
        )
        assert logged_in.status_code == 200, logged_in.text
        assert spa.get("/sessions/whoami").json()["identity"]["traits"]["email"] == "spa@example.com"
        logout = spa.get("/self-service/logout/browser").json()
        # links name the upstream's base URL: a client that should stay behind the shadow is pointed back
        assert spa.get(logout["logout_url"].replace(kratos.url, shadow.url)).status_code == 204
        assert spa.get("/sessions/whoami").status_code == 401
    report: ShadowReport = shadow.app.report
    assert report.ok, json.dumps([o.as_json() for o in report.differing], indent=1)[:3000]
    assert {o.operation: o.calls for o in report.snapshot()} == {
        "createBrowserRegistrationFlow": 1,
        "updateRegistrationFlow": 1,
        "createBrowserLoginFlow": 1,
        "updateLoginFlow": 1,
        "toSession": 2,
        "createBrowserLogoutFlow": 1,
        "updateLogoutFlow": 1,
    }


def with_admin_location(app: Any) -> Any:
    """An upstream that differs in one header: ``Location`` under /admin (Kratos says /identities)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def rewrite(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v.replace(b"/identities/", b"/admin/identities/")) for k, v in message["headers"]]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, rewrite)

    return wrapped


def test_a_header_that_differs_is_named() -> None:
    with (
        BackgroundServer(lambda url: with_admin_location(upstream_app(url))) as kratos,
        shadow_of(kratos) as shadow,
    ):
        api = sdk(shadow.url)
        made = api.create_identity(CreateIdentityBody(schema_id="default", traits={"email": "lin@example.com"}))
        api.get_identity(made.id)
        api.list_identities()
    [differing] = shadow.app.report.differing
    assert (differing.operation, differing.kinds) == ("createIdentity", {"Location": 1})
    [example] = differing.examples
    assert example["upstream"]["headers"]["Location"].endswith(f"/admin/identities/{made.id}")


async def odd_upstream(scope: Any, receive: Any, send: Any) -> None:
    """Not Kratos: an answer whose status, repeated headers and gzip body a proxy could spoil."""
    await send(
        {
            "type": "http.response.start",
            "status": 418,
            "headers": [
                (b"Content-Encoding", b"gzip"),
                (b"Set-Cookie", b"a=1; Path=/"),
                (b"Set-Cookie", b"b=2; Path=/"),
                (b"X-Total-Count", b"7"),
                (b"Content-Length", b"23"),
                (b"Date", b"Thu, 01 Jan 2026 00:00:00 GMT"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + bytes(13)})


def raw_get(url: str, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    split = urlsplit(url)
    connection = http.client.HTTPConnection(split.hostname or "", split.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def test_the_caller_gets_the_upstream_answer_byte_for_byte() -> None:
    with BackgroundServer(lambda url: odd_upstream, date_header=False) as upstream:
        mock = create_app(seed=1)
        with BackgroundServer(lambda url: ShadowApp(upstream.url, mock), date_header=False) as shadow:
            direct = raw_get(upstream.url, "/admin/identities?page_size=1")
            proxied = raw_get(shadow.url, "/admin/identities?page_size=1")
    assert proxied == direct
    assert proxied[0] == 418
    assert [v for k, v in proxied[1] if k.lower() == "set-cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    [operation] = shadow.app.report.differing
    assert operation.operation == "listIdentities"
    assert set(operation.kinds) == {"status", "body", "X-Total-Count", "Link"}


def test_what_the_mock_creates_carries_the_upstreams_ids() -> None:
    """A create is replayed again from the same state with the upstream's ids in place of those the
    mock drew, so later requests naming them, and lists ordered by id, agree."""
    with BackgroundServer(upstream_app) as kratos, shadow_of(kratos) as shadow:
        api = sdk(shadow.url)
        made = api.create_identity(CreateIdentityBody(schema_id="default", traits={"email": "lin@example.com"}))
        code = api.create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody(identity_id=made.id))
        api.get_identity(made.id)
    app: ShadowApp = shadow.app
    mine = app.mock.store.find_identity(made.id)
    assert mine is not None and mine.traits == {"email": "lin@example.com"}
    assert [a.id for a in mine.verifiable_addresses] == [a.id for a in made.verifiable_addresses or []]
    [grant] = app.mock.store.recovery_grants(made.id)
    assert code.recovery_link.endswith(grant.flow_id)
    assert len(app.mock.store) == 3 and len(app.ids) == 0  # nothing left to translate
    assert app.report.ok, app.report.table()


def test_concurrent_callers_all_agree() -> None:
    def create(n: int) -> str:
        body = {"schema_id": "default", "traits": {"email": f"user{n}@example.com"}}
        with httpx.Client(base_url=shadow.url) as client:
            made = client.post("/admin/identities", json=body).json()["id"]
            assert client.get(f"/admin/identities/{made}").status_code == 200
            return str(made)

    with BackgroundServer(upstream_app) as kratos, shadow_of(kratos) as shadow:
        with ThreadPoolExecutor(max_workers=4) as pool:
            made = list(pool.map(create, range(12)))
        listed = httpx.get(f"{shadow.url}/admin/identities").json()
    assert {i["id"] for i in listed} == {ADA, GRACE, *made}
    report: ShadowReport = shadow.app.report
    assert report.ok, report.table()
    assert report.summary() == "25 calls to 3 operations; 0 differ"


def test_a_flow_made_by_a_redirect_carries_the_upstreams_id() -> None:
    with BackgroundServer(upstream_app) as kratos, shadow_of(kratos) as shadow:
        status, headers, _ = raw_get(shadow.url, "/self-service/login/browser")
    assert status == 303
    flow_id = parse_qs(urlsplit(dict(headers)["location"]).query)["flow"][0]
    assert [f.document["id"] for f in shadow.app.mock.store.flows()] == [flow_id]
    assert shadow.app.report.ok, shadow.app.report.table()


def test_an_upstream_that_stops_answering_is_a_502_and_a_proxy_error() -> None:
    kratos = BackgroundServer(upstream_app).start()
    with shadow_of(kratos) as shadow:
        kratos.stop()
        status, _, body = raw_get(shadow.url, "/admin/identities")
    assert status == 502
    assert json.loads(body)["error"]["code"] == 502
    [error] = shadow.app.report.errors
    assert error.startswith("GET /admin/identities: the upstream did not answer")
    assert not shadow.app.report.ok


def test_an_unreachable_upstream_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with bind("127.0.0.1", 0) as sock:  # a port nothing listens on once closed
        url = url_for("127.0.0.1", sock.getsockname()[1])
    assert main(["shadow", "--upstream", url, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kratos-mock: cannot reach {url}: ") and err.count("\n") == 1


def test_an_unknown_report_kind_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shadow", "--upstream", "http://127.0.0.1:1", "--report", "junit,xml"]) == 2
    assert capsys.readouterr().err == "kratos-mock: unknown report kind xml (choose from junit, json)\n"


def test_the_command_serves_until_sigterm_then_writes_reports(tmp_path: Path) -> None:
    options = ["--report-dir", str(tmp_path), "--log-level", "warning"]
    with BackgroundServer(lambda url: upstream_app(url, recovery_link_enabled=False)) as kratos:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "shadow", "--upstream", kratos.url, "--port", "0", *options],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stderr is not None
            line = proc.stderr.readline()
            assert "kratos-mock shadow of" in line and "(2 identities, 3 sessions)" in line, line
            url = line.rsplit(" on ", 1)[1].strip()
            api = sdk(url)
            api.get_identity(ADA)
            with pytest.raises(NotFoundException):
                api.create_recovery_link_for_identity(
                    create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(identity_id=ADA)
                )
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert out.rstrip().endswith("2 calls to 2 operations; 1 differ: createRecoveryLinkForIdentity")
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    [failure] = suite.iter("failure")
    assert failure.get("message") == "status, body differ in 1 of 1 calls"
    document = json.loads((tmp_path / "shadow.json").read_text())
    assert document["differing_operations"] == ["createRecoveryLinkForIdentity"]


def test_the_readme_walk_through_runs_under_bash_eu(tmp_path: Path) -> None:
    [script] = blocks("Shadow: your test suite, your Kratos and the mock at once", "bash")
    env = _env(KRATOS_MOCK_PORT=str(_free_port()), SHADOW_PORT=str(_free_port()), PYTHONPATH=str(ROOT))
    out, _ = run_walk_through(script, tmp_path, env, timeout=90)
    expected = script.rstrip().rsplit("\n", 1)[1].removeprefix("# ")
    assert out.rstrip().endswith(f"{expected}\nexit 1"), out
    assert json.loads((tmp_path / "reports" / "shadow.json").read_text())["differing_operations"] == [
        "createIdentity",
        "getIdentity",
        "listIdentities",
    ]


# --- comparison and bookkeeping -------------------------------------------------------------------


def answer(status: int = 200, body: Any = None, **headers: str) -> Answer:
    names = tuple((k.lower().replace("_", "-"), v) for k, v in headers.items())
    return Answer(status, names, json.dumps(body).encode())


def test_ids_times_and_secrets_do_not_count_as_differences() -> None:
    a = answer(201, {"id": ADA, "created_at": "2026-01-01T00:00:00Z"}, Location=f"http://k/identities/{ADA}")
    b = answer(201, {"id": GRACE, "created_at": "2026-11-27T12:00:00.5Z"}, Location=f"http://k/identities/{GRACE}")
    assert differences(a, b) == []
    assert differences(a, answer(201, {"id": GRACE}, Location="http://k/x")) == ["body", "Location"]
    assert differences(answer(200, [], X_Total_Count="2"), answer(200, [], X_Total_Count="3")) == ["X-Total-Count"]


def anything(value: str) -> bool:
    return True


def test_ids_are_paired_from_the_same_place_of_two_answers() -> None:
    ids = IdMap()
    ids.learn(answer(201, {"id": ADA, "code": "1"}), answer(201, {"id": GRACE, "code": "2"}), anything)
    ids.learn(answer(201, {"id": ADA}), answer(201, {"id": UNKNOWN_ID}), anything)  # first pairing wins
    ids.learn(answer(400, {"id": SESSIONS[0]}), answer(400, {"id": SESSIONS[1]}), anything)  # errors teach nothing
    ids.learn(answer(200, [{"id": SESSIONS[0]}]), answer(200, [{"id": SESSIONS[1]}]), lambda v: False)  # not new
    assert len(ids) == 1
    assert ids.to_mock(f"/admin/identities/{ADA}") == f"/admin/identities/{GRACE}"
    assert ids.to_upstream(f'{{"id":"{GRACE}"}}') == f'{{"id":"{ADA}"}}'


def test_session_page_tokens_are_rewritten_inside_their_base64() -> None:
    ids = IdMap()
    ids.learn(answer(200, {"id": ADA}), answer(200, {"id": GRACE}), anything)
    token = "Y3JlYXRlZF9hdD0yMDI2LTAxLTAxVDAwOjAwOjAwWi9pZD0" + "wYjdhNTRkNC02ZDVlLTRjNGEtOWE1Ny02ZjBmMmY4ZjBhMDE"
    assert page_token(token, lambda t: t) == token
    rewritten = ids.to_mock(f"page_size=2&page_token={token}")
    assert rewritten != f"page_size=2&page_token={token}" and GRACE not in rewritten
    assert ids.to_upstream(rewritten) == f"page_size=2&page_token={token}"


def test_the_report_stays_bounded() -> None:
    report = ShadowReport("http://kratos")
    a, b = answer(200, {"n": 1}), answer(500, {"n": 2})
    for n in range(MAX_OPERATIONS + 50):
        report.record(f"op{n}", "GET /", ["status"], a, b)
    for _ in range(10):
        report.record("op0", "GET /", ["status"], a, b)
    assert len(report.operations) == MAX_OPERATIONS + 1
    assert report.operations["(other operations)"].calls == 50
    assert report.operations["op0"].calls == 11 and len(report.operations["op0"].examples) == 3
    started = time.monotonic()
    assert report.table() and time.monotonic() - started < 5
