"""Browser flows: the CSRF cookie and token, JSON or redirects, the session cookie, browser logout,
the error container, token exchange. One test per Kratos v26.2.0 rule, each naming the Go function
it follows; the last one is an SPA with a real cookie jar over a socket."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.datastructures import Headers
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.app import KratosMockApp, Settings
from mockserver.selfservice import csrf
from mockserver.server import BackgroundServer

BASE = "http://127.0.0.1:4434"
PASSWORD = "correct horse battery staple"
CSRF_COOKIE = "csrf_token_" + hashlib.sha256(f"{BASE}/".encode()).hexdigest()
JSON = {"Accept": "application/json"}
DEV = {"dev": True}  # plain-http cookies (Kratos --dev), so the test client's jar sends them


@pytest.fixture
def browser(serve: Any) -> tuple[KratosMockApp, TestClient]:
    app, client = serve(seed=2, config=DEV)
    body = {
        "schema_id": "default",
        "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    assert client.post("/admin/identities", json=body).status_code == 201
    return app, client


def csrf_value(flow: dict[str, Any]) -> str:
    return next(n for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]


def login(client: TestClient, flow: dict[str, Any], **extra: Any) -> Any:
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_value(flow)}
    return client.post("/self-service/login", params={"flow": flow["id"]}, json=body, headers=JSON, **extra)


def test_browser_login_flow_sets_the_csrf_cookie(browser: tuple[KratosMockApp, TestClient]) -> None:
    """nosurf.go CSRFCookieName (sha256 of the public URL) and NosurfBaseCookieHandler; the flow's
    csrf_token node holds the cookie's token masked (nosurf maskToken)."""
    _, client = browser
    response = client.get("/self-service/login/browser", headers=JSON)
    assert response.status_code == 200
    [set_cookie] = response.headers.get_list("set-cookie")
    assert set_cookie.startswith(f"{CSRF_COOKIE}=")
    assert set_cookie.endswith("; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax")
    flow = response.json()
    assert flow["type"] == "browser"
    real = csrf.real_token(Headers({"cookie": set_cookie.split(";")[0]}), CSRF_COOKIE)
    assert real is not None and csrf.verify(real, csrf_value(flow))
    again = client.get("/self-service/login/browser", headers=JSON)
    assert again.headers.get_list("set-cookie") == []  # the cookie is kept while valid


def test_browser_flow_redirects_browsers_to_the_ui(browser: tuple[KratosMockApp, TestClient]) -> None:
    """x/http.go SendFlowCompletedAsRedirectOrJSON: only Accept decides; HTML gets a 303."""
    _, client = browser
    for path, ui in (("login", "login"), ("registration", "registration")):
        response = client.get(f"/self-service/{path}/browser", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith(f"https://www.ory.sh/kratos/docs/fallback/{ui}?flow=")


def test_get_browser_flow_checks_the_csrf_cookie(serve: Any) -> None:
    """login/handler.go getLoginFlow: nosurf.VerifyToken before anything else, with the
    CSRFErrorReason variants (no cookies / no CSRF cookie / token not sent)."""
    _, client = serve(seed=2, config=DEV)
    flow = client.get("/self-service/login/browser", headers=JSON).json()
    assert client.get("/self-service/login/flows", params={"id": flow["id"]}).status_code == 200
    stranger = TestClient(client.app, base_url=BASE)
    no_cookie = stranger.get("/self-service/login/flows", params={"id": flow["id"]})
    assert no_cookie.status_code == 403
    assert no_cookie.json()["error"]["details"]["reject_reason"] == "The HTTP Cookie Header is empty or not set."
    assert no_cookie.headers.get_list("set-cookie")  # nosurf still hands out a cookie
    other = TestClient(client.app, base_url=BASE).get(
        "/self-service/login/flows", params={"id": flow["id"]}, headers={"Cookie": "theme=dark"}
    )
    assert other.json()["error"]["details"]["reject_reason"] == csrf.COOKIE_MISSING
    fresh = TestClient(client.app, base_url=BASE)
    fresh.get("/self-service/login/browser", headers=JSON)  # its own, different CSRF cookie
    mismatch = fresh.get("/self-service/login/flows", params={"id": flow["id"]}, headers=JSON)
    assert mismatch.status_code == 403 and mismatch.json()["error"]["details"]["hint"] == csrf.NOT_SENT


def test_submit_without_the_csrf_token(browser: tuple[KratosMockApp, TestClient]) -> None:
    """flow/request.go EnsureCSRF for browser flows: a 403 security_csrf_violation envelope for
    JSON requests (not a flow message), else a 303 to the error UI whose container
    getFlowError serves (errorx/manager.go Forward, errorx/handler.go fetchError)."""
    _, client = browser
    flow = client.get("/self-service/login/browser", headers=JSON).json()
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD, "csrf_token": "forged"}
    response = client.post("/self-service/login", params={"flow": flow["id"]}, json=body, headers=JSON)
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "id": "security_csrf_violation",
            "code": 403,
            "status": "Forbidden",
            "reason": csrf.REASON,
            "details": {"docs": csrf.DOCS, "hint": csrf.SERVER_HINT, "reject_reason": csrf.MISMATCH},
            "message": "the request was rejected to protect you from Cross-Site-Request-Forgery",
        }
    }
    form = {k: v for k, v in body.items() if k != "csrf_token"}
    redirected = client.post("/self-service/login", params={"flow": flow["id"]}, data=form, follow_redirects=False)
    assert redirected.status_code == 303
    location = redirected.headers["location"]
    assert location.startswith("https://www.ory.sh/kratos/docs/fallback/error?id=")
    container = client.get("/self-service/errors", params={"id": location.split("id=")[1]}).json()
    assert (
        container["error"]["id"] == "security_csrf_violation" and container["error"]["details"]["hint"] == csrf.NOT_SENT
    )


def test_browser_login_success(browser: tuple[KratosMockApp, TestClient]) -> None:
    """login/hook.go PostLoginHook for browsers: the session cookie (manager_http.go IssueCookie:
    persistent, HttpOnly, SameSite Lax), a new CSRF cookie, redirect_browser_to for JSON requests."""
    _, client = browser
    flow = client.get("/self-service/login/browser", headers=JSON).json()
    response = login(client, flow)
    assert response.status_code == 200
    body = response.json()
    assert "session_token" not in body
    assert body["continue_with"] == [{"action": "redirect_browser_to", "redirect_browser_to": "http://127.0.0.1:4455/"}]
    session_cookie, csrf_cookie = response.headers.get_list("set-cookie")
    assert session_cookie.startswith("ory_kratos_session=ory_mock_")
    assert "; Path=/; Expires=Fri, 02 Jan 2026 00:00:00 GMT; Max-Age=86400; HttpOnly; SameSite=Lax" in session_cookie
    assert csrf_cookie.startswith(f"{CSRF_COOKIE}=")
    whoami = client.get("/sessions/whoami")  # the jar sends the cookie
    assert whoami.status_code == 200 and whoami.json()["id"] == body["session"]["id"]


def test_browser_login_form_post_redirects_to_return_to(browser: tuple[KratosMockApp, TestClient]) -> None:
    """x/redir SecureRedirectTo with the flow's return_to (a self-service URL is allowed)."""
    _, client = browser
    target = f"{BASE}/self-service/settings/browser"
    flow = client.get("/self-service/login/browser", params={"return_to": target}, headers=JSON).json()
    form = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_value(flow)}
    response = client.post("/self-service/login", params={"flow": flow["id"]}, data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == target
    again = client.get("/self-service/login/browser", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "http://127.0.0.1:4455/"
    assert client.get("/self-service/login/browser", headers=JSON).json()["error"]["id"] == "session_already_available"


def test_wrong_password_in_a_browser(browser: tuple[KratosMockApp, TestClient]) -> None:
    """login/error.go WriteFlowError: JSON gets the 400 flow (a freshly masked CSRF token, same
    cookie token), a form post a 303 back to the login UI."""
    _, client = browser
    flow = client.get("/self-service/login/browser", headers=JSON).json()
    body = {"method": "password", "identifier": "ada@example.com", "password": "nope", "csrf_token": csrf_value(flow)}
    answered = client.post("/self-service/login", params={"flow": flow["id"]}, json=body, headers=JSON).json()
    assert [m["id"] for m in answered["ui"]["messages"]] == [4000006]
    assert csrf_value(answered) != csrf_value(flow)
    assert login(client, answered).status_code == 200


def test_browser_registration_session_cookie_only_with_the_hook(serve: Any) -> None:
    """registration/hook.go: no hook, no cookie; hook/session_issuer.go: IssueCookie, and JSON
    requests get the session and identity with redirect_browser_to."""
    for hooked in (False, True):
        after = {"after": {"password": {"hooks": [{"hook": "session"}]}}} if hooked else {}
        _, client = serve(seed=2, config={**DEV, "selfservice": {"flows": {"registration": after}}})
        flow = client.get("/self-service/registration/browser", headers=JSON).json()
        body = {"method": "password", "traits": {"email": "grace@example.com"}, "password": PASSWORD}
        body["csrf_token"] = csrf_value(flow)
        response = client.post("/self-service/registration", params={"flow": flow["id"]}, json=body, headers=JSON)
        assert response.status_code == 200
        answered = response.json()
        assert ("session" in answered) is hooked and "session_token" not in answered
        assert answered["continue_with"][0]["action"] == "redirect_browser_to"
        assert any(c.startswith("ory_kratos_session=") for c in response.headers.get_list("set-cookie")) is hooked
        assert (client.get("/sessions/whoami").status_code == 200) is hooked


def test_browser_logout(browser: tuple[KratosMockApp, TestClient]) -> None:
    """logout/handler.go createBrowserLogoutFlow and updateLogoutFlow: the logout URL (return_to
    before token), a mismatched token 403, then the session revoked and the cookie cleared."""
    _, client = browser
    session_id = login(client, client.get("/self-service/login/browser", headers=JSON).json()).json()["session"]["id"]
    target = f"{BASE}/self-service/login/browser"
    flow = client.get("/self-service/logout/browser", params={"return_to": target}).json()
    token = flow["logout_token"]
    assert token.startswith("ory_lo_") and len(token) == 39
    assert (
        flow["logout_url"]
        == f"{BASE}/self-service/logout?return_to={target.replace(':', '%3A').replace('/', '%2F')}&token={token}"
    )
    wrong = client.get("/self-service/logout", params={"token": "ory_lo_nope"}, headers=JSON)
    assert wrong.status_code == 403
    assert wrong.json()["error"]["reason"] == (
        "Unable to log out because the logout token in the URL query does not match the session cookie."
    )
    missing = client.get("/self-service/logout", headers=JSON)
    assert missing.json()["error"]["reason"] == "Please include a token in the URL query."
    done = client.get(flow["logout_url"], follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == target
    cleared = next(c for c in done.headers.get_list("set-cookie") if c.startswith("ory_kratos_session="))
    assert "Max-Age=0" in cleared
    assert client.get(f"/admin/sessions/{session_id}").json()["active"] is False
    gone = client.get("/self-service/logout/browser", headers=JSON)
    assert gone.status_code == 401
    assert gone.json()["error"] == {
        "id": "session_inactive",
        "code": 401,
        "status": "Unauthorized",
        "reason": "No active session was found in this request.",
        "message": "request does not have a valid authentication session",
    }


def test_logout_with_only_a_session_token_revokes_nothing(browser: tuple[KratosMockApp, TestClient]) -> None:
    """manager_http.go PurgeFromRequest reads Authorization and the cookie, never X-Session-Token."""
    _, client = browser
    flow = client.get("/self-service/login/api").json()
    native = client.post(
        "/self-service/login",
        params={"flow": flow["id"]},
        json={"method": "password", "identifier": "ada@example.com", "password": PASSWORD},
        headers={"Cookie": ""},
    )
    token = native.json()["session_token"]
    stranger = TestClient(client.app, base_url=BASE)
    headers = {"X-Session-Token": token, **JSON}
    logout_token = stranger.get("/self-service/logout/browser", headers=headers).json()["logout_token"]
    assert stranger.get("/self-service/logout", params={"token": logout_token}, headers=headers).status_code == 204
    assert stranger.get("/sessions/whoami", headers=headers).status_code == 200
    bearer = {"Authorization": f"Bearer {token}", **JSON}
    assert stranger.get("/self-service/logout", params={"token": logout_token}, headers=bearer).status_code == 204
    assert stranger.get("/sessions/whoami", headers=headers).status_code == 401


def test_whoami_reissues_an_outdated_cookie(browser: tuple[KratosMockApp, TestClient]) -> None:
    """manager_http.go RefreshCookie: after the admin extends the session, whoami re-issues it."""
    app, client = browser
    session_id = login(client, client.get("/self-service/login/browser", headers=JSON).json()).json()["session"]["id"]
    assert client.get("/sessions/whoami").headers.get_list("set-cookie") == []
    app.store.clock.advance(timedelta(hours=1))
    client.patch(f"/admin/sessions/{session_id}/extend")
    renewed = client.get("/sessions/whoami").headers.get_list("set-cookie")
    assert len(renewed) == 1 and "Expires=Fri, 02 Jan 2026 01:00:00 GMT" in renewed[0]


def test_cookies_are_secure_unless_dev(serve: Any) -> None:
    """config.go CookieSecure / SessionCookieSecure: Secure unless --dev (and SameSite as configured)."""
    _, client = serve(seed=2)
    [set_cookie] = client.get("/self-service/login/browser", headers=JSON).headers.get_list("set-cookie")
    assert set_cookie.endswith("; HttpOnly; Secure; SameSite=Lax")


def test_exchange_session_token(client: TestClient) -> None:
    """session/handler.go exchangeCode: both codes needed; without OIDC no pair ever has a session."""
    missing = client.get("/sessions/token-exchange", params={"init_code": "a"})
    assert missing.status_code == 400
    assert missing.json()["error"]["reason"] == '"init_code" and "return_to_code" query params must be set'
    unknown = client.get("/sessions/token-exchange", params={"init_code": "a", "return_to_code": "b"})
    assert unknown.status_code == 404 and unknown.json()["error"]["reason"] == 'no session yet for this "code"'


def test_flow_error_stub(client: TestClient) -> None:
    """errorx/handler.go fetchError: stub:500 for UI development; unknown ids 404."""
    stub = client.get("/self-service/errors", params={"id": "stub:500"}).json()
    assert stub["error"]["reason"] == "This is a stub error." and stub["created_at"] == "0001-01-01T00:00:00Z"
    assert client.get("/self-service/errors", params={"id": "00000000-0000-4000-8000-000000000000"}).status_code == 404


@pytest.fixture(scope="module")
def spa_server() -> Iterator[BackgroundServer]:
    srv = BackgroundServer(lambda url: create_app(seed=4, settings=Settings(base_url=url), config=DEV)).start()
    yield srv
    srv.stop()


def test_spa_with_a_real_cookie_jar(spa_server: BackgroundServer) -> None:
    """An SPA over a socket with httpx's cookie jar: registration, browser login, whoami by cookie,
    the same session through the admin API, logout."""
    with httpx.Client(base_url=spa_server.url, headers=JSON) as spa:
        flow = spa.get("/self-service/registration/browser").json()
        body = {"method": "password", "traits": {"email": "spa@example.com"}, "password": PASSWORD}
        registered = spa.post(
            "/self-service/registration", params={"flow": flow["id"]}, json={**body, "csrf_token": csrf_value(flow)}
        )
        assert registered.status_code == 200
        flow = spa.get("/self-service/login/browser").json()
        credentials = {"method": "password", "identifier": "spa@example.com", "password": PASSWORD}
        logged_in = spa.post(
            "/self-service/login", params={"flow": flow["id"]}, json={**credentials, "csrf_token": csrf_value(flow)}
        )
        assert logged_in.status_code == 200
        assert "ory_kratos_session" in spa.cookies
        me = spa.get("/sessions/whoami").json()
        assert me["identity"]["traits"]["email"] == "spa@example.com"
        assert httpx.get(f"{spa_server.url}/admin/sessions/{me['id']}").json()["active"] is True
        logout = spa.get("/self-service/logout/browser").json()
        assert spa.get(logout["logout_url"]).status_code == 204
        assert spa.get("/sessions/whoami").status_code == 401
        assert httpx.get(f"{spa_server.url}/admin/sessions/{me['id']}").json()["active"] is False
