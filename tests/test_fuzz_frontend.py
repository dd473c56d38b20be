"""The public (frontend) API fuzzed like the admin API: ``build_schema(tag="frontend")`` with its own
baseline, ``conformance/baseline-v26.2-frontend.json``, whose every entry names the Kratos function
behind it. Small example counts: the default suite stays fast (``pytest -m slow`` runs more)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mockserver import create_app
from mockserver.cli import main
from mockserver.fuzz import FRONTEND_TAG, FuzzResult, build_schema, bundled_baseline, run
from mockserver.spec import load_spec, operation_table

from .test_fuzz import Broken, Scope, _send_json


def frontend_operations() -> dict[str, str]:
    """``METHOD path`` → operationId of the spec's frontend operations."""
    spec = load_spec()
    tagged = {
        op["operationId"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and FRONTEND_TAG in (op.get("tags") or [])
    }
    return {f"{method} {path}": op_id for method, path, op_id in operation_table(spec) if op_id in tagged}


def fuzz_frontend(app: Any, *, examples: int, seed: int = 1, operations: list[str] | None = None) -> FuzzResult:
    schema = build_schema(
        app=app,
        tag=FRONTEND_TAG,
        max_examples=examples,
        seed=seed,
        stateful=operations is None,
        operation_ids=operations,
        baseline=bundled_baseline(FRONTEND_TAG),
    )
    return run(schema)


def test_the_public_api_passes_its_fuzzing_with_its_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``kratos-mock fuzz --frontend``: every phase, OpenAPI-link chains included, on every frontend
    operation of a fresh mock: nothing the baseline does not account for (a few seconds)."""
    argv = [
        "fuzz",
        "--frontend",
        "--max-examples",
        "5",
        "--seed",
        "1",
        "--report",
        "ndjson",
        "--report-dir",
        str(tmp_path),
    ]
    code = main(argv, env={})
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "findings.ndjson").read_text().splitlines()[-1])
    assert summary["ok"] is True and summary["operations"] >= len(frontend_operations())
    assert summary["known"] > 0  # the frontend baseline is in use, not the admin one


def test_frontend_fuzzing_by_url_takes_the_public_port_only(capsys: pytest.CaptureFixture[str]) -> None:
    """The public operations live on Kratos' public port: ``--base-url`` names it, alone."""
    argv = ["fuzz", "--frontend", "--base-url", "http://127.0.0.1:4433", "--public-url", "http://127.0.0.1:4433"]
    assert main(argv, env={}) == 2
    assert "with --frontend, --base-url is the public port" in capsys.readouterr().err


@pytest.mark.slow
def test_long_frontend_fuzzing_run() -> None:
    for seed in (1, 2, 3):
        result = fuzz_frontend(create_app(seed=seed), examples=100, seed=seed)
        assert result.ok, [(f.operation, f.check, f.message[:200]) for f in result.failures] + result.errors


def test_every_baseline_entry_is_a_frontend_operation_and_names_the_kratos_function() -> None:
    document = json.loads(bundled_baseline(FRONTEND_TAG).read_text(encoding="utf-8"))
    operations = frontend_operations()
    for entry in document["entries"]:
        assert entry["operation"] in operations, entry
        assert re.search(r"[a-z/_]+\.go \w+", entry["reason"]), entry["reason"]


async def whoami_fails(scope: Scope, receive: Any, send: Any, app: Any) -> bool:
    if scope["path"] == "/sessions/whoami":
        await _send_json(send, 500, {"error": {"code": 500, "message": "boom"}})
        return True
    return False


async def login_flow_without_ui(scope: Scope, receive: Any, send: Any, app: Any) -> bool:
    if scope["path"] == "/self-service/login/api":
        await _send_json(send, 200, {"id": "not-a-flow"})
        return True
    return False


async def logout_always_204(scope: Scope, receive: Any, send: Any, app: Any) -> bool:
    """performNativeLogout says 204 to any token, even unknown ones (Kratos: 403)."""
    if scope["path"] == "/self-service/logout/api":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return True
    return False


@pytest.mark.parametrize(
    ("defect", "operation", "check"),
    [
        (whoami_fails, "toSession", "not_a_server_error"),
        (login_flow_without_ui, "createNativeLoginFlow", "response_schema_conformance"),
        (logout_always_204, "performNativeLogout", "negative_data_rejection"),
    ],
    ids=["server-error", "schema-violation", "accepts-anything"],
)
def test_the_baseline_does_not_hide_a_broken_public_api(defect: Any, operation: str, check: str) -> None:
    result = fuzz_frontend(Broken(create_app(seed=1), defect), examples=3, seed=3, operations=[operation])
    assert not result.ok
    assert check in {f.check for f in result.failures}, [(f.operation, f.check) for f in result.findings]
