"""Logging a user in without the flow dance (ory/kratos#3301): ``kratos_mock.login(...)`` in a
downstream project (pytester), the control plane's ``POST /__mock__/login``, and the function
both use (``mockserver.direct_login``)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import KratosMockApp
from mockserver.direct_login import login

from .conftest import new_identity

DOWNSTREAM = """
import httpx
from ory_kratos_client import ApiClient, Configuration, FrontendApi


def test_login_by_email_token_and_cookie(kratos_mock):
    body = {"schema_id": "default", "traits": {"email": "ada@example.com"}}
    created = httpx.post(kratos_mock.url + "/admin/identities", json=body).json()
    user = kratos_mock.login("ada@example.com")
    assert user.session.identity_id == created["id"] and user.token.startswith("ory_st_")
    frontend = FrontendApi(ApiClient(Configuration(host=kratos_mock.url)))
    assert frontend.to_session(x_session_token=user.token).identity.id == created["id"]
    assert frontend.to_session(cookie=user.cookie).id == user.session.id
    whoami = httpx.get(kratos_mock.url + "/sessions/whoami", headers=user.headers)
    assert whoami.json()["authenticator_assurance_level"] == "aal1"


def test_aal2(kratos_mock):
    body = {"schema_id": "default", "traits": {"email": "grace@example.com"}}
    httpx.post(kratos_mock.url + "/admin/identities", json=body)
    user = kratos_mock.login("grace@example.com", aal="aal2")
    session = httpx.get(kratos_mock.url + "/sessions/whoami", headers=user.headers).json()
    assert session["authenticator_assurance_level"] == "aal2"
    assert [m["method"] for m in session["authentication_methods"]] == ["password", "totp"]


def test_custom_cookie_name_from_kratos_yml(kratos_mock):
    body = {"schema_id": "default", "traits": {"email": "linus@example.com"}}
    httpx.post(kratos_mock.url + "/admin/identities", json=body)
    assert kratos_mock.login("linus@example.com").cookie.startswith("app_session=")
"""


def test_pytest_handle_login(pytester: pytest.Pytester) -> None:
    """The pytest handle, with the kratos.yml named by the ini option ``kratos_mock_config``."""
    pytester.makefile(".yml", kratos="session:\n  cookie:\n    name: app_session\n")
    pytester.makeini("[pytest]\nkratos_mock_config = kratos.yml\n")
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_unsupported_kratos_yml_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", kratos="selfservice:\n  methods:\n    oidc:\n      enabled: true\n")
    pytester.makeini("[pytest]\nkratos_mock_config = kratos.yml\n")
    pytester.makepyfile("def test_x(kratos_mock):\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.stderr.fnmatch_lines(["*selfservice.methods.oidc is not supported by kratos-mock yet*"])  # a usage error
    assert result.ret != 0


def test_login_finds_identities_by_id_identifier_or_address(app: KratosMockApp, client: TestClient) -> None:
    ada = new_identity(client)
    for identifier in (ada["id"], "ada@example.com", " ADA@example.com "):
        assert login(app.store, app.kratos_config, identifier).identity.id == ada["id"]
    with pytest.raises(ValueError, match="no identity"):
        login(app.store, app.kratos_config, "nobody@example.com")
    with pytest.raises(ValueError, match="aal must be"):
        login(app.store, app.kratos_config, ada["id"], aal="aal3")


def test_disabled_identity_gets_no_session(app: KratosMockApp, client: TestClient) -> None:
    """manager_http.go ActivateSession refuses inactive identities (ErrIdentityDisabled)."""
    ada = new_identity(client)
    client.patch(f"/admin/identities/{ada['id']}", json=[{"op": "replace", "path": "/state", "value": "inactive"}])
    with pytest.raises(ValueError, match="disabled"):
        login(app.store, app.kratos_config, "ada@example.com")


def test_control_plane_login(client: TestClient) -> None:
    """POST /__mock__/login: the session (identity expanded), token, cookie and logout token."""
    ada = new_identity(client)
    response = client.post("/__mock__/login", json={"identifier": "ada@example.com"})
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    assert body["session"]["identity"]["id"] == ada["id"] and body["logout_token"].startswith("ory_lo_")
    whoami = client.get("/sessions/whoami", headers={"Cookie": body["cookie"]})
    assert whoami.json()["id"] == body["session"]["id"]
    assert client.get("/sessions/whoami", headers={"X-Session-Token": body["token"]}).status_code == 200
    assert client.post("/__mock__/login", json={"identifier": "nobody@example.com"}).status_code == 404
    assert client.post("/__mock__/login", json={"identifier": ada["id"], "aal": "aal3"}).status_code == 400
