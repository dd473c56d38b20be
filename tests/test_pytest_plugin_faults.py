"""Faults and request matchers from pytest: ``kratos_mock.faults``, the marker's ``faults=`` and
``kratos_mock.requests.assert_called(..., json=...)`` in a downstream project (``pytester``)."""

from __future__ import annotations

import pytest

DOWNSTREAM = """
import ory_kratos_client
import pytest
import urllib3
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models.create_identity_body import CreateIdentityBody


@pytest.fixture
def api(kratos_mock):
    configuration = ory_kratos_client.Configuration(host=kratos_mock.url, retries=False)
    return IdentityApi(ory_kratos_client.ApiClient(configuration))


def create(api, email):
    return api.create_identity(create_identity_body=CreateIdentityBody(schema_id="default", traits={"email": email}))


def test_handle_faults(kratos_mock, api):
    ada = create(api, "ada@example.com")
    kratos_mock.faults.add("getIdentity", status=503, times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            api.get_identity(ada.id)
        assert caught.value.status == 503
    assert api.get_identity(ada.id).id == ada.id
    kratos_mock.faults.assert_all_fired()
    kratos_mock.requests.assert_called("getIdentity", status=503, times=2)


LOST = {"operation_id": "createIdentity", "fault": "connection_reset", "after": True}


@pytest.mark.kratos_mock(faults=[LOST], seed=3)
def test_marker_faults(kratos_mock, api):
    with pytest.raises(urllib3.exceptions.ProtocolError):
        create(api, "ada@example.com")
    assert [i.traits["email"] for i in api.list_identities()] == ["ada@example.com"]
    kratos_mock.requests.assert_called("createIdentity", json={"traits": {"email": "ada@example.com"}}, times=1)
    kratos_mock.reset()                                   # clears every fault, the marker's too
    assert create(api, "bob@example.com").traits == {"email": "bob@example.com"}


def test_no_fault_leaks_into_the_next_test(kratos_mock, api):
    assert kratos_mock.faults.list() == []
    assert create(api, "ada@example.com").id


def test_near_miss(kratos_mock, api):
    create(api, "bob@example.com")
    kratos_mock.requests.assert_called("createIdentity", json={"traits": {"email": "ada@example.com"}})
"""


def test_faults_and_matchers_from_pytest(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nkratos_mock_seed = 42\n")
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=1)
    assert "mockserver/control.py" not in result.stdout.str()  # the failure points at the test, not the journal
    result.stdout.fnmatch_lines(
        [
            "E *AssertionError: createIdentity with json={'traits': {'email': 'ada@example.com'}} was never called;*",
            "E *- json.traits.email: expected 'ada@example.com', got 'bob@example.com'",
        ]
    )


def test_a_fault_for_an_operation_the_configured_api_lacks_is_that_tests_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def kratos_mock_settings(kratos_mock_settings):
    return {**kratos_mock_settings, "api": "v0.6", "fixtures": []}
"""
    )
    pytester.makepyfile(
        test_old="""
import pytest

@pytest.mark.kratos_mock(faults=[{"operation_id": "batchPatchIdentities", "status": 503}])
def test_batch(kratos_mock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    assert "During handling" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["kratos-mock: test_old.py::test_batch: faults=: operation_id 'batchPatchIdentities' is not an operation*"]
    )
    assert "Traceback" not in result.stdout.str()
