"""The official SDKs' FrontendApi against the mock over a real socket: an app's backend test end to
end. The Python SDK (ory-kratos-client 25.4.0) decodes every response into its strict pydantic
models; the npm @ory/client-fetch runs ``tests/clients/ory_client_fetch_frontend_api.js`` (installed
once per session, skipped without node or a registry, as in ``test_legacy_clients``) against the
public port. Every change is checked through the admin API."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ory_kratos_client import (
    ApiClient,
    Configuration,
    CreateIdentityBody,
    FrontendApi,
    IdentityApi,
    IdentityWithCredentials,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    LoginFlow,
    PerformNativeLogoutBody,
    RegistrationFlow,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithPasswordMethod,
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithPasswordMethod,
)
from ory_kratos_client.exceptions import BadRequestException, ForbiddenException, UnauthorizedException

from mockserver import create_app
from mockserver.app import Settings
from mockserver.clock import EPOCH
from mockserver.server import BackgroundServer

from .test_legacy_clients import CLIENTS, RUN_TIMEOUT, _assert_ok, _npm_install, _run

PASSWORD = "correct horse battery staple"
NPM_FETCH_SDK = "@ory/client-fetch@1.22.66"  # the newest release when written (Ory Network's client)


def _serve(config: Any = None) -> BackgroundServer:
    return BackgroundServer(lambda url: create_app(seed=5, settings=Settings(base_url=url), config=config)).start()


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    srv = _serve()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def hook_server() -> Iterator[BackgroundServer]:
    """A kratos.yml with the session hook after password registration."""
    config = {"selfservice": {"flows": {"registration": {"after": {"password": {"hooks": [{"hook": "session"}]}}}}}}
    srv = _serve(config)
    yield srv
    srv.stop()


def _clients(server: BackgroundServer) -> Iterator[tuple[FrontendApi, IdentityApi]]:
    server.app.store.reset()
    server.app.store.clock.set(EPOCH)
    client = ApiClient(Configuration(host=server.url))
    yield FrontendApi(client), IdentityApi(client)
    client.rest_client.pool_manager.clear()


@pytest.fixture
def apis(server: BackgroundServer) -> Iterator[tuple[FrontendApi, IdentityApi]]:
    yield from _clients(server)


@pytest.fixture
def hook_apis(hook_server: BackgroundServer) -> Iterator[tuple[FrontendApi, IdentityApi]]:
    yield from _clients(hook_server)


def seed_ada(admin: IdentityApi) -> str:
    password = IdentityWithCredentialsPassword(config=IdentityWithCredentialsPasswordConfig(password=PASSWORD))
    body = CreateIdentityBody(
        schema_id="default",
        traits={"email": "ada@example.com"},
        credentials=IdentityWithCredentials(password=password),
    )
    return admin.create_identity(create_identity_body=body).id


def native_login(frontend: FrontendApi, identifier: str = "ada@example.com", password: str = PASSWORD) -> Any:
    flow = frontend.create_native_login_flow()
    assert isinstance(flow, LoginFlow) and flow.type == "api"
    method = UpdateLoginFlowWithPasswordMethod(method="password", identifier=identifier, password=password)
    return frontend.update_login_flow(flow.id, UpdateLoginFlowBody(method))


def browser_login(base_url: str, identifier: str = "ada@example.com") -> tuple[str, str]:
    """An SPA's login as Kratos expects it (``Accept: application/json``, the CSRF cookie sent back
    with the flow's token): the Cookie header an app's backend then forwards, and the session id.
    The cookies are ``Secure`` (no ``dev: true``), so the header is built from Set-Cookie by hand,
    as a backend behind TLS termination would see it."""
    with httpx.Client(base_url=base_url, headers={"Accept": "application/json"}) as spa:
        started = spa.get("/self-service/login/browser")
        assert started.status_code == 200, started.text
        csrf_cookie = started.headers["set-cookie"].split(";")[0]
        flow = started.json()
        token = next(n for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")["attributes"]["value"]
        body = {"method": "password", "identifier": identifier, "password": PASSWORD, "csrf_token": token}
        done = spa.post("/self-service/login", params={"flow": flow["id"]}, json=body, headers={"Cookie": csrf_cookie})
        assert done.status_code == 200, done.text
        session = next(
            c.split(";")[0] for c in done.headers.get_list("set-cookie") if c.startswith("ory_kratos_session=")
        )
        return session, done.json()["session"]["id"]


@pytest.mark.parametrize("hooked", [False, True], ids=["default-config", "session-hook"])
def test_backend_test_end_to_end(
    hooked: bool, apis: tuple[FrontendApi, IdentityApi], hook_apis: tuple[FrontendApi, IdentityApi]
) -> None:
    """Issue #11's "done when": seed, log in natively with the SDK, whoami by token, bearer and a
    browser login's cookie, list and revoke sessions, log out: each step visible through the admin
    API; with the default kratos.yml and with the session hook after registration."""
    frontend, admin = hook_apis if hooked else apis
    base_url = frontend.api_client.configuration.host
    ada = seed_ada(admin)

    first = native_login(frontend)
    assert first.session_token.startswith("ory_st_") and first.session.identity.id == ada
    assert [m.method for m in first.session.authentication_methods] == ["password"]
    assert first.continue_with is None

    me = frontend.to_session(x_session_token=first.session_token)
    assert me.id == first.session.id and me.identity.traits == {"email": "ada@example.com"}
    bearer = frontend.to_session(_headers={"Authorization": f"Bearer {first.session_token}"})
    assert bearer.id == first.session.id
    assert admin.get_session(first.session.id).active is True

    cookie, browser_session = browser_login(base_url)
    by_cookie = frontend.to_session(cookie=cookie)
    assert by_cookie.id == browser_session and by_cookie.identity.id == ada
    assert admin.get_session(browser_session).active is True

    second = native_login(frontend)
    mine = frontend.list_my_sessions(x_session_token=first.session_token)
    assert {s.id for s in mine} == {second.session.id, browser_session}
    assert {s.id for s in admin.list_identity_sessions(ada)} == {first.session.id, second.session.id, browser_session}

    frontend.disable_my_session(browser_session, x_session_token=first.session_token)
    assert admin.get_session(browser_session).active is False
    with pytest.raises(UnauthorizedException):
        frontend.to_session(cookie=cookie)
    revoked = frontend.disable_my_other_sessions(x_session_token=first.session_token)
    assert revoked.count == 2  # the already revoked one is counted again (rows matched)
    assert admin.get_session(second.session.id).active is False
    assert frontend.list_my_sessions(x_session_token=first.session_token) == []

    frontend.perform_native_logout(PerformNativeLogoutBody(session_token=first.session_token))
    assert admin.get_session(first.session.id).active is False
    with pytest.raises(UnauthorizedException) as caught:
        frontend.to_session(x_session_token=first.session_token)
    assert json.loads(caught.value.body)["error"]["reason"] == "No valid session credentials found in the request."

    flow = frontend.create_native_registration_flow()
    method = UpdateRegistrationFlowWithPasswordMethod(
        method="password", traits={"email": "grace@example.com"}, password=PASSWORD
    )
    done = frontend.update_registration_flow(flow.id, UpdateRegistrationFlowBody(method))
    # registration/hook.go PostRegistrationHook persists an active session whatever the hooks
    # ("so that subsequent hooks ... can use it"); only the session hook hands it out
    [persisted] = admin.list_identity_sessions(done.identity.id)
    assert persisted.active is True
    if hooked:
        assert done.session_token is not None and done.session is not None and done.session.id == persisted.id
        assert frontend.to_session(x_session_token=done.session_token).identity.id == done.identity.id
    else:
        assert done.session_token is None and done.session is None


def test_wrong_password_is_a_400_login_flow(apis: tuple[FrontendApi, IdentityApi]) -> None:
    """strategy/password/login.go Login: the flow again with 4000006, the identifier kept."""
    frontend, admin = apis
    seed_ada(admin)
    with pytest.raises(BadRequestException) as caught:
        native_login(frontend, password="not the password")
    flow = LoginFlow.from_json(caught.value.body)
    assert flow.ui.messages is not None and [m.id for m in flow.ui.messages] == [4000006]
    identifier = next(n for n in flow.ui.nodes if n.attributes.actual_instance.name == "identifier")
    assert identifier.attributes.actual_instance.value == "ada@example.com"


def test_native_registration_without_and_with_the_session_hook(
    apis: tuple[FrontendApi, IdentityApi], hook_apis: tuple[FrontendApi, IdentityApi]
) -> None:
    """registration/hook.go PostRegistrationHook: the identity only by default; with the session
    hook (hook/session_issuer.go) also the session and its token, usable at once."""
    for (frontend, admin), hooked in ((apis, False), (hook_apis, True)):
        flow = frontend.create_native_registration_flow()
        assert isinstance(flow, RegistrationFlow)
        method = UpdateRegistrationFlowWithPasswordMethod(
            method="password", traits={"email": "grace@example.com"}, password=PASSWORD
        )
        done = frontend.update_registration_flow(flow.id, UpdateRegistrationFlowBody(method))
        assert done.identity.traits == {"email": "grace@example.com"}
        assert admin.get_identity(done.identity.id).state == "active"
        if not hooked:
            assert done.session is None and done.session_token is None and done.continue_with is None
            native_login(frontend, "grace@example.com")
            continue
        assert done.session is not None and done.session_token is not None
        assert done.continue_with is not None
        assert done.continue_with[0].actual_instance.ory_session_token == done.session_token
        assert frontend.to_session(x_session_token=done.session_token).identity.id == done.identity.id


def test_duplicate_and_short_password_registration(apis: tuple[FrontendApi, IdentityApi]) -> None:
    """password/validator.go validate (4000032) and registration/error.go's duplicate (4000007)."""
    frontend, admin = apis
    seed_ada(admin)
    for password, where, expected in (("short", "password", 4000032), (PASSWORD, None, 4000007)):
        flow = frontend.create_native_registration_flow()
        method = UpdateRegistrationFlowWithPasswordMethod(
            method="password", traits={"email": "ada@example.com"}, password=password
        )
        with pytest.raises(BadRequestException) as caught:
            frontend.update_registration_flow(flow.id, UpdateRegistrationFlowBody(method))
        answered = RegistrationFlow.from_json(caught.value.body)
        if where is None:
            assert [m.id for m in answered.ui.messages or []] == [expected]
        else:
            node = next(n for n in answered.ui.nodes if n.attributes.actual_instance.name == where)
            assert [m.id for m in node.messages] == [expected]


def test_native_logout_of_an_unknown_token_is_403(apis: tuple[FrontendApi, IdentityApi]) -> None:
    frontend, _ = apis
    with pytest.raises(ForbiddenException):
        frontend.perform_native_logout(PerformNativeLogoutBody(session_token="ory_st_unknown"))


@pytest.fixture(scope="session")
def client_fetch_node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``node_modules`` holding @ory/client-fetch (no dependencies: Node's own fetch)."""
    return _npm_install(tmp_path_factory, NPM_FETCH_SDK, "@ory/client-fetch")


@pytest.fixture(scope="module")
def two_port_server() -> Iterator[BackgroundServer]:
    """Admin and public on their own ports, as an app's CI runs Kratos (``--public-port``)."""

    def build(url: str, public_url: str) -> Any:
        return create_app(seed=6, settings=Settings(base_url=url, public_url=public_url))

    srv = BackgroundServer(build, public_port=0).start()
    yield srv
    srv.stop()


def test_npm_client_fetch_frontend_api(client_fetch_node_modules: Path, two_port_server: BackgroundServer) -> None:
    """@ory/client-fetch's FrontendApi on the public port: native login (a wrong password first),
    whoami by token and bearer, my sessions, registration (duplicate, short password, success),
    native logout; then the same facts through the admin port."""
    server = two_port_server
    server.app.store.reset()
    client = ApiClient(Configuration(host=server.url))
    admin = IdentityApi(client)
    ada = seed_ada(admin)
    seed = {"identity": ada, "email": "ada@example.com", "password": PASSWORD}
    env = {**os.environ, "NODE_PATH": str(client_fetch_node_modules)}
    script = str(CLIENTS / "ory_client_fetch_frontend_api.js")
    node = shutil.which("node") or "node"
    result = _run([node, script, str(server.public_url), json.dumps(seed)], timeout=RUN_TIMEOUT, env=env)
    _assert_ok(result, minimum=16)
    seen = json.loads(result.stdout.strip().splitlines()[-2].removeprefix("SEEN "))
    assert {admin.get_session(s).active for s in seen["sessions"]} == {False}
    registered = admin.get_identity(seen["registered"], include_credential=["password"])
    assert registered.traits == {"email": "new@example.com"}
    assert registered.credentials is not None and registered.credentials["password"].identifiers == ["new@example.com"]
    client.rest_client.pool_manager.clear()
