"""Our spec's frontend operations: structurally upstream's (spec-diff --tag frontend reports only
the operations not built yet), never fuzzed by the admin suites."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mockserver import create_app
from mockserver.fuzz import build_schema
from mockserver.spec import load_spec, operation_table, spec_path

from .test_spec import SHARED, SPEC_DIFF, frontend_operation_ids

# Upstream frontend operations the mock does not serve yet (each answers 404 here): WebAuthn's
# script and FedCM (methods the mock does not implement).
NOT_BUILT = {
    "GET /.well-known/ory/webauthn.js",
    "GET /self-service/fed-cm/parameters",
    "POST /self-service/fed-cm/token",
}


def test_frontend_operations_are_structurally_upstream() -> None:
    reference = SHARED / "reference" / "specs" / "kratos-v26.2.0.json"
    if not reference.is_file() or not SPEC_DIFF.is_file():
        pytest.skip(f"the upstream spec and spec-diff live in {SHARED}, which is not beside this checkout")
    result = subprocess.run(
        [sys.executable, str(SPEC_DIFF), str(spec_path()), str(reference), "--tag", "frontend"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    differences = lines[:-1]
    assert all(line.endswith(": operation missing") for line in differences), differences
    assert {line.removesuffix(": operation missing") for line in differences} == NOT_BUILT


def test_admin_fuzzing_leaves_the_frontend_operations_out() -> None:
    """fuzz.build_schema with our spec and no tag: the admin (and metadata) operations only."""
    schema = build_schema(app=create_app(seed=1), max_examples=1)
    fuzzed = {result.ok().definition.raw["operationId"] for result in schema.get_all_operations()}
    spec = load_spec()
    frontend = frontend_operation_ids(spec)
    assert frontend and not fuzzed & frontend
    assert fuzzed == {op_id for _, _, op_id in operation_table(spec)} - frontend
