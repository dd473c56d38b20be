"""The conformance suite for downstream teams: run it against your own Kratos from your tests.

    # tests/test_kratos_contract.py
    import os
    import pytest
    import schemathesis
    from mockserver.conformance import kratos_schema, validate

    @pytest.fixture(scope="session")
    def kratos():
        return kratos_schema(os.environ["KRATOS_ADMIN_URL"], token=os.environ.get("KRATOS_TOKEN"))

    schema = schemathesis.pytest.from_fixture("kratos")

    @schema.parametrize()
    def test_kratos_contract(case):
        validate(case)

Without a URL (``kratos_schema(app=create_app())``) the same suite runs against the mock in-process.
"""

from __future__ import annotations

from typing import Any

from .fuzz import build_schema, bundled_baseline


def kratos_schema(
    base_url: str | None = None,
    *,
    app: Any = None,
    token: str | None = None,
    spec: str | None = None,
    max_examples: int = 25,
) -> Any:
    """A schemathesis schema of the Kratos identity API, configured like ``kratos-mock fuzz``."""
    return build_schema(
        app=app,
        base_url=base_url,
        spec=spec,
        token=token,
        max_examples=max_examples,
        baseline=bundled_baseline() if spec is None else None,
    )


def validate(case: Any) -> Any:
    """Call the server and run the checks that apply to Kratos, less the baseline's known departures."""
    from schemathesis.core.failures import FailureGroup

    response = case.call()
    baseline = case.operation.schema.config.load_baseline() if case.operation.schema.config.baseline else None
    try:
        case.validate_response(response, excluded_checks=_excluded(case))
    except FailureGroup as group:
        new = [f for f in group.exceptions if baseline is None or baseline.match(f, _check_of(f)) is None]
        if new:
            raise FailureGroup(new, str(group)) from None
    return response


def _excluded(case: Any) -> list[Any]:
    from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

    excluded: list[Any] = [positive_data_acceptance]  # Kratos rejects schema-valid data the spec cannot describe
    if "Authorization" not in (case.operation.schema.config.headers or {}):
        excluded.append(ignored_auth)
    return excluded


def _check_of(failure: Any) -> str:
    checks = getattr(type(failure), "checks", ()) or ()
    return checks[0] if checks else ""
