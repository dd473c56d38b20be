"""Our spec: every operation has a handler, and it stays structurally faithful to upstream Kratos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import generations
from mockserver.app import Settings, create_app
from mockserver.handlers import Context, build_handlers, handler_name
from mockserver.spec import load_spec, operation_table, spec_path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SPEC_DIFF = SHARED / "tools" / "spec-diff"


def test_every_operation_has_a_handler_and_every_handler_an_operation() -> None:
    app = create_app(settings=Settings())
    table = build_handlers(Context(app.store, "http://a", "http://p", "http://ui"), app.generation.handler_groups)
    spec = load_spec()
    operations = {handler_name(op_id) for _, _, op_id in operation_table(spec)}
    admin = {handler_name(op_id) for _, _, op_id in operation_table(spec) if op_id not in frontend_operation_ids(spec)}
    assert len(admin) == 24  # with the courier's two
    assert operations == set(table)


def frontend_operation_ids(spec: dict[str, object]) -> set[str]:
    return {
        op["operationId"]
        for item in spec["paths"].values()  # type: ignore[attr-defined]
        for op in item.values()
        if isinstance(op, dict) and "frontend" in op.get("tags", [])
    }


@pytest.mark.parametrize("api", ["v1.1", "v1.0", "v0.6"])
def test_every_operation_of_older_generations_has_a_handler(api: str) -> None:
    generation = generations.get(api)
    app = create_app(settings=Settings(), api=api)
    table = build_handlers(Context(app.store, "http://a", "http://p", "http://ui"), generation.handler_groups)
    operations = {handler_name(op_id) for _, _, op_id in operation_table(load_spec(generation.spec))}
    assert operations <= set(table), operations - set(table)


def test_handler_names_follow_operation_ids() -> None:
    assert handler_name("getIdentityByExternalID") == "get_identity_by_external_id"
    assert handler_name("createRecoveryCodeForIdentity") == "create_recovery_code_for_identity"


def test_links_let_fuzzers_chain_create_to_the_rest() -> None:
    spec = load_spec()
    links = spec["paths"]["/admin/identities"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"] for link in links.values()}
    assert {"getIdentity", "patchIdentity", "updateIdentity", "deleteIdentity"} <= targets


@pytest.mark.parametrize(
    ("ours", "upstream", "tag"),
    [
        ("kratos-v26.2.yaml", "kratos-v26.2.0.json", "identity"),
        ("kratos-v26.2.yaml", "kratos-v26.2.0.json", "metadata"),
        ("kratos-v1.1.yaml", "kratos-v1.1.0.json", "identity"),
        ("kratos-v1.1.yaml", "kratos-v1.1.0.json", "metadata"),
        ("kratos-v1.0.yaml", "kratos-v1.0.0.json", "identity"),
        ("kratos-v1.0.yaml", "kratos-v1.0.0.json", "metadata"),
        ("kratos-v0.6.yaml", "kratos-v0.6.3-alpha.1.json", "admin"),
    ],
)
def test_structurally_identical_to_upstream(ours: str, upstream: str, tag: str) -> None:
    reference = SHARED / "reference" / "specs" / upstream
    if not reference.is_file() or not SPEC_DIFF.is_file():
        pytest.skip(f"the upstream spec and spec-diff live in {SHARED}, which is not beside this checkout")
    result = subprocess.run(
        [sys.executable, str(SPEC_DIFF), str(spec_path(ours)), str(reference), "--tag", tag],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("0 differences")


def test_spec_has_no_jinja_markers() -> None:
    """connexion renders spec *files* as Jinja templates; ours must survive that too."""
    text = spec_path().read_text(encoding="utf-8")
    assert "{{" not in text and "{%" not in text


def test_readme_operations_table_is_generated() -> None:
    from mockserver.docs import operations_markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- operations:start -->\n", 1)[1].split("\n<!-- operations:end -->", 1)[0]
    assert table == operations_markdown(), "regenerate with: python -m mockserver.docs"
    assert "**missing**" not in table
