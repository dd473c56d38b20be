"""schemathesis against the mock, in-process: no 5xx, and responses match our spec.

The mock runs with a token (Ory Network mode), so the spec's ``oryAccessToken`` requirement is
real and a request without it must be rejected. Check left out, and why:
``positive_data_acceptance``: Kratos, and so the mock, rejects schema-valid requests the spec
cannot describe (unknown identity schemas, traits failing the identity schema, non-UUID session ids).
``negative_data_rejection`` runs less the bundled baseline's entries: Kratos reads bodies with Go's
decoder, not the spec, and accepts some bodies the spec calls invalid (a create without
``schema_id``, ``expires_in: "1.5h"``).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.baseline.model import Baseline
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from mockserver import create_app
from mockserver.app import KratosMockApp, Settings
from mockserver.fuzz import bundled_baseline
from mockserver.spec import load_spec, without_tag

TOKEN = {"Authorization": "Bearer fuzz-token"}
ADMIN_SPEC = without_tag(load_spec(), "frontend")  # the public operations are not this suite's


def kratos_response_schema_conformance(ctx, response, case):  # type: ignore[no-untyped-def]
    """response_schema_conformance, less one known departure of real Kratos (README "Differences"):
    a batch entry without ``create`` is answered with ``null``, which the spec's item schema forbids."""
    if case.operation.label == "PATCH /admin/identities" and response.status_code == 200:
        items = response.json().get("identities") or []
        if None in items:
            return None
    return response_schema_conformance(ctx, response, case)


BASELINE = Baseline.load(bundled_baseline())


def kratos_negative_data_rejection(ctx, response, case):  # type: ignore[no-untyped-def]
    """negative_data_rejection, less the departures of real Kratos the bundled baseline lists."""
    try:
        return negative_data_rejection(ctx, response, case)
    except Failure as failure:
        if BASELINE.match(failure, "negative_data_rejection") is not None:
            return None
        raise


def authorize(case: schemathesis.Case) -> schemathesis.Case:
    """Give generated Authorization headers the real token; cases that omit it stay without."""
    if case.headers and "Authorization" in case.headers:
        case.headers["Authorization"] = TOKEN["Authorization"]
    return case


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    kratos_response_schema_conformance,
    kratos_negative_data_rejection,
]


@pytest.fixture(scope="module")
def mock_app() -> KratosMockApp:
    return create_app(seed=11, settings=Settings(require_token=TOKEN["Authorization"].split()[1]))


@pytest.fixture(scope="module")
def kratos_schema(mock_app: KratosMockApp) -> schemathesis.schemas.BaseSchema:
    schema = schemathesis.openapi.from_dict(ADMIN_SPEC)
    schema.app = mock_app
    return schema


schema = schemathesis.pytest.from_fixture("kratos_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_operations_conform(case: schemathesis.Case, mock_app: KratosMockApp) -> None:
    authorize(case).call_and_validate(checks=CHECKS)


def test_stateful_sequences_conform(mock_app: KratosMockApp) -> None:
    spec = schemathesis.openapi.from_dict(ADMIN_SPEC)
    spec.app = mock_app
    base = spec.as_state_machine()

    class Machine(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            mock_app.store.reset()  # each scenario starts empty, so shrinking sees consistent data

        def call(self, case: schemathesis.Case, **kwargs: object) -> object:
            return authorize(case).call(**kwargs)

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=[*CHECKS, use_after_free], transport_kwargs=kwargs or None)

    Machine.TestCase.settings = settings(
        max_examples=30, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
    )
    Machine.TestCase().runTest()
