"""The pytest plugin's configuration: marker checks, reset inside a marked test, the in-process
app, the overridable settings fixture and the rule for relative fixture paths (``pytester``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.clock import ManualClock

EXTRA = """
schemas:
  member: {type: object, properties: {traits: {type: object, properties: {handle: {type: string}}}}}
identities:
  - id: 11111111-2222-4333-8444-555555555555
    schema_id: member
    traits: {handle: ada}
"""

MARKED = """
import httpx
import pytest

@pytest.mark.kratos_mock(fixtures=["extra.yaml"], seed=7)
def test_reset_returns_to_this_tests_start(kratos_mock):
    def create(email):
        body = {"schema_id": "default", "traits": {"email": email}}
        response = httpx.post(kratos_mock.url + "/admin/identities", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    first = create("bob@example.com")
    kratos_mock.clock.advance("25h")
    session = kratos_mock.create_session(first, authenticator_assurance_level="aal2")
    assert session.aal == "aal2"
    kratos_mock.reset()
    assert create("bob@example.com") == first                       # the marker's seed, not the session's
    assert httpx.get(kratos_mock.url + "/schemas/member").status_code == 200   # the marker's schema
    ids = [i["id"] for i in httpx.get(kratos_mock.url + "/admin/identities").json()]
    assert "11111111-2222-4333-8444-555555555555" in ids           # the marker's identity
    assert kratos_mock.clock.now().isoformat() == "2026-01-01T00:00:00+00:00"
    assert httpx.get(kratos_mock.url + "/admin/sessions").json() == []

def test_the_next_test_starts_clean(kratos_mock):
    assert httpx.get(kratos_mock.url + "/schemas/member").status_code == 404
    assert httpx.get(kratos_mock.url + "/admin/identities").json() == []
"""


def test_reset_inside_a_marked_test_returns_to_that_tests_start(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", extra=EXTRA)
    pytester.makeini("[pytest]\nkratos_mock_seed = 42\n")
    pytester.makepyfile(test_marked=MARKED)
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


BAD_MARKERS = [
    ('fixture=["extra.yaml"]', "unknown argument fixture=['extra.yaml']; did you mean fixtures=?"),
    ('"extra.yaml"', "takes keyword arguments only (fixtures=, seed=, require_token=, faults=), got 'extra.yaml'"),
    ('seed="abc"', "seed= must be an integer, got 'abc'"),
    ("seed=True", "seed= must be an integer, got True"),
    ('fixtures="extra.yaml"', "fixtures= must be a list of paths, got 'extra.yaml' (write fixtures=['extra.yaml'])"),
    ('fixtures=["missing.yaml"]', "fixtures= file 'missing.yaml' not found"),
    ("require_token=5", "require_token= must be a string (or None), got 5"),
    ('faults={"operation_id": "getIdentity"}', "faults= must be a list of dicts, got {'operation_id': 'getIdentity'}"),
    ('faults=[{"operation_id": "getIdentty", "status": 503}]', "faults[0]: operation_id 'getIdentty' is not an"),
]


def test_marker_mistakes_are_one_usage_error_naming_each_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", extra=EXTRA)
    tests = [
        f"@pytest.mark.kratos_mock({a})\ndef test_{n}(kratos_mock):\n    pass\n" for n, (a, _) in enumerate(BAD_MARKERS)
    ]
    pytester.makepyfile(test_typo="import pytest\n\n" + "\n".join(tests) + "\ndef test_fine(kratos_mock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    stderr = result.stderr.str()
    assert stderr.count("ERROR") == 1 and stderr.startswith("ERROR: kratos-mock: "), stderr
    for n, (_, problem) in enumerate(BAD_MARKERS):
        assert f"test_typo.py::test_{n}: @pytest.mark.kratos_mock {problem}" in stderr
    assert "test_fine" not in stderr
    assert "Traceback" not in result.stdout.str() + stderr


def test_marker_mistakes_under_xdist_stop_the_run_with_one_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_typo="""
import pytest

@pytest.mark.kratos_mock(fixture=["extra.yaml"])
def test_typo(kratos_mock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    assert result.ret not in (pytest.ExitCode.OK, pytest.ExitCode.INTERNAL_ERROR)
    output = result.stdout.str()
    assert "INTERNALERROR" not in output
    # One report, not one per worker: the error section shows the message once (the short summary
    # repeats it in full or truncated, depending on the terminal width, so it is not counted).
    reports = [line for line in output.splitlines() if line.startswith("kratos-mock: ")]
    assert reports == [
        "kratos-mock: test_typo.py::test_typo: @pytest.mark.kratos_mock unknown argument"
        " fixture=['extra.yaml']; did you mean fixtures=?"
    ], output
    assert output.count("ERROR collecting") == 1 and "1 error" in output


def test_in_process_app_needs_no_socket_and_its_urls_follow_the_client(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
from mockserver.server import BackgroundServer

def refuse(self, *args, **kwargs):
    raise AssertionError("kratos_mock_app must not start a socket server")

BackgroundServer.start = refuse
"""
    )
    pytester.makepyfile(
        """
from starlette.testclient import TestClient

def test_testclient(kratos_mock_app):
    client = TestClient(kratos_mock_app)                   # base_url http://testserver
    created = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "a@b.org"}})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "http://testserver/identities/" + created.json()["id"]
    assert created.json()["schema_url"] == "http://testserver/schemas/ZGVmYXVsdA"
    other = TestClient(kratos_mock_app, base_url="https://kratos.internal:8443")
    assert other.get("/admin/identities/" + created.json()["id"]).json()["schema_url"].startswith(
        "https://kratos.internal:8443/schemas/")

def test_state_is_restored_between_tests(kratos_mock_app):
    assert TestClient(kratos_mock_app).get("/admin/identities").json() == []
"""
    )
    pytester.runpytest_subprocess("-p", "no:randomly", "-W", "ignore::DeprecationWarning").assert_outcomes(passed=2)


def test_settings_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nkratos_mock_seed = 42\n")
    pytester.makeconftest(
        """
import pytest
from mockserver import Settings

@pytest.fixture(scope="session")
def kratos_mock_settings(kratos_mock_settings):
    return {**kratos_mock_settings, "settings": Settings(require_token="from-conftest", recovery_link_enabled=False)}
"""
    )
    pytester.makepyfile(
        """
import httpx

def test_configured_in_python(kratos_mock):
    assert httpx.get(kratos_mock.url + "/admin/identities").status_code == 401
    auth = {"Authorization": "Bearer from-conftest"}
    created = httpx.post(kratos_mock.url + "/admin/identities", headers=auth,
                         json={"schema_id": "default", "traits": {"email": "a@b.org"}}).json()
    assert created["created_at"].startswith("2026-01-01")      # the ini seed is still applied
    link = httpx.post(kratos_mock.url + "/admin/recovery/link", headers=auth, json={"identity_id": created["id"]})
    assert link.status_code == 404                              # recovery_link_enabled=False
"""
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)


def test_relative_fixture_paths_are_relative_to_the_rootdir(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ini, environment and marker alike, wherever pytest is started from."""
    data = pytester.mkdir("data")
    (data / "ini.yaml").write_text("identities: [{schema_id: default, traits: {email: ini@example.com}}]\n")
    (data / "env.yaml").write_text("identities: [{schema_id: default, traits: {email: env@example.com}}]\n")
    (data / "marker.yaml").write_text("identities: [{schema_id: default, traits: {email: marker@example.com}}]\n")
    pytester.makeini("[pytest]\nkratos_mock_fixtures = data/ini.yaml\n")
    tests = pytester.mkdir("tests")
    (tests / "test_paths.py").write_text(
        """
import httpx
import pytest

def emails(kratos_mock):
    return sorted(i["traits"]["email"] for i in httpx.get(kratos_mock.url + "/admin/identities").json())

@pytest.mark.kratos_mock(fixtures=["data/marker.yaml"])
def test_marker(kratos_mock):
    assert emails(kratos_mock) == ["env@example.com", "ini@example.com", "marker@example.com"]
"""
    )
    monkeypatch.setenv("KRATOS_MOCK_FIXTURES", "data/env.yaml")
    monkeypatch.chdir(tests)
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)


def test_the_handle_clock_speaks_the_control_planes_vocabulary() -> None:
    clock = ManualClock()
    clock.advance("25h")
    assert clock.now() == datetime(2026, 1, 2, 1, tzinfo=UTC)
    clock.advance(timedelta(minutes=30))
    clock.advance("1h30m")
    assert clock.now() == datetime(2026, 1, 2, 3, tzinfo=UTC)
    clock.set("2026-02-01T12:00:00+02:00")
    assert clock.now() == datetime(2026, 2, 1, 10, tzinfo=UTC)
    clock.freeze("2027-01-01T00:00:00Z")
    assert clock.now() == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="Go duration"):
        clock.advance("25 hours")
    with pytest.raises(ValueError, match="RFC 3339"):
        clock.set("2026-01-02")
    assert clock.now() == datetime(2027, 1, 1, tzinfo=UTC)
