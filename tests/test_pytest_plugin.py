"""The pytest plugin, exercised the way a downstream project uses it (``pytester``)."""

from __future__ import annotations

import re

import pytest

FIXTURE = """
identities:
  - id: 6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01
    schema_id: default
    traits: {email: seeded@example.com}
    credentials:
      password: {config: {password: "hunter2hunter2"}}
sessions:
  - id: 6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c02
    identity: {identifier: seeded@example.com}
    authenticator_assurance_level: aal1
"""

DOWNSTREAM_TESTS = """
import ory_kratos_client
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.models.create_identity_body import CreateIdentityBody

SEEDED = "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01"
SESSION = "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c02"


def api(kratos_mock):
    return IdentityApi(ory_kratos_client.ApiClient(ory_kratos_client.Configuration(host=kratos_mock.url)))


def test_seeded_identity_and_session(kratos_mock):
    identity = api(kratos_mock).get_identity(SEEDED, include_credential=["password"])
    assert identity.traits == {"email": "seeded@example.com"}
    assert identity.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
    assert api(kratos_mock).get_session(SESSION).active is True
    kratos_mock.requests.assert_called("getIdentity", times=1)


def test_create_disable_and_journal(kratos_mock):
    created = api(kratos_mock).create_identity(
        create_identity_body=CreateIdentityBody(schema_id="default", traits={"email": "new@example.com"})
    )
    session = kratos_mock.create_session(created.id, aal="aal2")
    api(kratos_mock).disable_session(session.id)
    assert api(kratos_mock).get_session(session.id).active is False
    kratos_mock.requests.assert_called("createIdentity", times=1)
    kratos_mock.requests.assert_called("disableSession", times=1)
    assert kratos_mock.requests.entries("createIdentity")[0].body["traits"] == {"email": "new@example.com"}


def test_seed_gives_stable_ids(kratos_mock):
    created = api(kratos_mock).create_identity(
        create_identity_body=CreateIdentityBody(schema_id="default", traits={"email": "new@example.com"})
    )
    assert created.id == STABLE_ID
    assert str(created.created_at).startswith("2026-01-01")


def test_state_of_other_tests_is_invisible(kratos_mock):
    ids = [i.id for i in api(kratos_mock).list_identities()]
    assert ids == [SEEDED]
    assert [s.id for s in api(kratos_mock).list_sessions()] == [SESSION]
    assert kratos_mock.requests.entries() != []  # list calls above are journaled
    assert all(e.operation_id in ("listIdentities", "listSessions") for e in kratos_mock.requests)
"""


@pytest.fixture
def downstream(pytester: pytest.Pytester) -> pytest.Pytester:
    """A new project: one YAML fixture, a test file, and ini configuration naming them."""
    pytester.makefile(".yaml", users=FIXTURE)
    pytester.makeini("[pytest]\nkratos_mock_fixtures = users.yaml\nkratos_mock_seed = 42\n")
    return pytester


def _stable_id(pytester: pytest.Pytester) -> str:
    """The id the seeded mock gives the first identity created in a test."""
    pytester.makepyfile(
        probe="""
def test_probe(kratos_mock):
    from mockserver.models import IdentityDraft
    print("STABLE", kratos_mock.store.create_identity(IdentityDraft(schema_id="default",
          traits={"email": "new@example.com"})).id)
"""
    )
    result = pytester.runpytest_subprocess("-s", "probe.py")
    found = next(m for line in result.outlines if (m := re.search(r"STABLE (\S+)", line)))
    (pytester.path / "probe.py").unlink()
    return found.group(1)


def test_downstream_project_passes_in_any_order_and_in_parallel(downstream: pytest.Pytester) -> None:
    stable = _stable_id(downstream)
    downstream.makepyfile(test_downstream=DOWNSTREAM_TESTS.replace("STABLE_ID", repr(stable)))
    forward = downstream.runpytest_subprocess("-p", "no:cacheprovider")
    forward.assert_outcomes(passed=4)
    downstream.makeconftest("def pytest_collection_modifyitems(items):\n    items.reverse()\n")
    backward = downstream.runpytest_subprocess("-p", "no:cacheprovider")
    backward.assert_outcomes(passed=4)
    parallel = downstream.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    parallel.assert_outcomes(passed=4)


def test_marker_loads_fixtures_sets_token_and_seed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", extra=FIXTURE)
    pytester.makepyfile(
        """
import httpx
import pytest

@pytest.mark.kratos_mock(fixtures=["extra.yaml"], require_token="t0k3n", seed=5)
def test_marked(kratos_mock):
    assert httpx.get(kratos_mock.url + "/admin/identities").status_code == 401
    listed = httpx.get(kratos_mock.url + "/admin/identities", headers={"Authorization": "Bearer t0k3n"})
    assert [i["traits"]["email"] for i in listed.json()] == ["seeded@example.com"]

def test_unmarked_is_clean(kratos_mock):
    assert httpx.get(kratos_mock.url + "/admin/identities").json() == []

def test_in_process_app(kratos_mock_app):
    transport = httpx.ASGITransport(app=kratos_mock_app)
    async def call():
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return (await client.get("/health/ready")).json()
    import asyncio
    assert asyncio.run(call()) == {"status": "ok"}
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_broken_fixture_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", broken="identities: [{schema_id: default, traits: {email: 5}}]\n")
    pytester.makeini("[pytest]\nkratos_mock_fixtures = broken.yaml\n")
    pytester.makepyfile("def test_x(kratos_mock):\n    pass\n")
    pytester.makepyfile(test_more="def test_y(kratos_mock):\n    pass\n\ndef test_z(kratos_mock_app):\n    pass\n")
    for args in ((), ("-n", "2")):
        result = pytester.runpytest_subprocess(*args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
        # ory/jsonschema's isEmail is false for a non-string too, so both errors are listed, as in Kratos
        result.stderr.fnmatch_lines(
            ["ERROR: kratos-mock: *broken.yaml: $.identities[[]0[]]*5 is not of type 'string'*5 is not valid \"email\""]
        )
        assert "Traceback" not in result.stdout.str() + result.stderr.str()
        assert result.stderr.str().count("is not of type") == 1


def test_api_generation_from_ini_or_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """ini ``kratos_mock_api`` (or ``KRATOS_MOCK_API``) picks the generation; without fixtures an
    older one starts with its release's default fixtures (v1.0: the quickstart schema)."""
    pytester.makeini("[pytest]\nkratos_mock_api = v1.0\n")
    pytester.makepyfile(
        """
import httpx

def test_v1_0(kratos_mock):
    assert kratos_mock.app.generation.name == "v1.0"
    body = {"schema_id": "default", "traits": {"email": "a@example.com"}}
    created = httpx.post(kratos_mock.url + "/admin/identities", json=body)
    assert created.status_code == 201, created.text
    assert set(created.json()["credentials"]) == {"password"}  # no code credential in v1.0
    assert "organization_id" not in created.json()
    moved = httpx.get(kratos_mock.url + "/identities")
    assert moved.status_code == 307 and moved.headers["location"] == "/admin/identities"
"""
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)
    monkeypatch.setenv("KRATOS_MOCK_API", "v9")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*kratos_mock_api / KRATOS_MOCK_API must be one of*"])
