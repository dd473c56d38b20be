"""``kratos-mock diff`` and the downstream conformance helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis

from mockserver import create_app
from mockserver.cli import main
from mockserver.conformance import kratos_schema, validate
from mockserver.diff import app_sender, compare, normalize
from mockserver.spec import load_spec, operation_table

from .test_spec import frontend_operation_ids

FRONTEND = frontend_operation_ids(load_spec())

ONLY_IN_B = {"identities": [{"schema_id": "default", "traits": {"email": "only-in-b@example.com"}}]}


def test_normalize_hides_ids_times_and_secrets() -> None:
    body = {
        "id": "0f6b1c9e-5d2a-4c1e-9a57-3e2f7a1b0c01",
        "created_at": "2026-01-01T00:00:00.123Z",
        "recovery_link": "http://x/self-service/recovery?flow=0f6b1c9e-5d2a-4c1e-9a57-3e2f7a1b0c01&token=abcDEF123",
        "recovery_code": "123456",
        "config": {"hashed_password": "$pbkdf2-sha256$i=1000,l=32$c2FsdA==$aGFzaA=="},
    }
    assert normalize(body) == {
        "id": "<uuid>",
        "created_at": "<time>",
        "recovery_link": "http://x/self-service/recovery?flow=<uuid>&token=<secret>",
        "recovery_code": "<code>",
        "config": {"hashed_password": "$pbkdf2-sha256$<secret>"},
    }


def test_two_mocks_with_different_fixtures_differ_exactly_where_expected() -> None:
    a = app_sender(create_app(seed=1))
    b = app_sender(create_app(seed=2, fixtures=[ONLY_IN_B]))
    diffs = compare((a, b), examples=10, seed=1)
    assert {d.operation for d in diffs if d.differs} == {"GET /admin/identities"}
    listing = next(d for d in diffs if d.operation == "GET /admin/identities")
    assert listing.status_differs == 0 and listing.body_differs >= 1
    assert listing.examples[0]["b"][1][0]["traits"] == {"email": "only-in-b@example.com"}
    admin = {f"{method} {path}" for method, path, op_id in operation_table(load_spec()) if op_id not in FRONTEND}
    assert all(d.cases >= 1 for d in diffs) and {d.operation for d in diffs} == admin


def test_identical_mocks_do_not_differ_even_with_other_seeds() -> None:
    diffs = compare((app_sender(create_app(seed=1)), app_sender(create_app(seed=9))), examples=8, seed=3)
    assert [d.operation for d in diffs if d.differs] == []


def test_cli_diff_exit_code_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = tmp_path / "b.json"
    fixture.write_text(json.dumps(ONLY_IN_B))
    out = tmp_path / "diff.json"
    code = main(
        [
            "diff",
            "--b-fixtures",
            str(fixture),
            "--examples",
            "5",
            "--operation-id",
            "listIdentities",
            "--operation-id",
            "getVersion",
            "--json",
            str(out),
        ],
        env={},
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert printed.strip().splitlines()[-1] == "1 of 2 operations differ: GET /admin/identities"
    assert [d["operation"] for d in json.loads(out.read_text()) if d["differs"]] == ["GET /admin/identities"]


@pytest.fixture(scope="module")
def kratos() -> schemathesis.schemas.BaseSchema:
    return kratos_schema(app=create_app(seed=5), max_examples=10)


schema = schemathesis.pytest.from_fixture("kratos")


@schema.parametrize()
def test_downstream_conformance_helper_on_the_mock(case: schemathesis.Case) -> None:
    validate(case)
