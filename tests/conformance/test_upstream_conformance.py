"""The shared ``upstream-conformance`` tool (schemathesis with the *upstream* spec of each generation's
Kratos release) against a served mock: no failure beyond that generation's documented baseline, and
with a token ``ignored_auth`` passes too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import create_app, generations
from mockserver.app import Settings
from mockserver.server import BackgroundServer
from mockserver.spec import bundled

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT.parent / "shared" / "tools" / "upstream-conformance"
TOKEN = "conformance"  # the tool always sends "Authorization: Bearer conformance"
RUNS = {  # id: (API generation, upstream version, baseline, token)
    "v26.2-oss-no-auth": ("v26.2", "v26.2.0", "baseline-v26.2.json", None),
    "v26.2-require-token": ("v26.2", "v26.2.0", "baseline-v26.2.json", TOKEN),
    "v0.6-oss-no-auth": ("v0.6", "v0.6.3-alpha.1", "baseline-v0.6.json", None),
    "v1.0-oss-no-auth": ("v1.0", "v1.0.0", "baseline-v1.0.json", None),
    "v1.1-oss-no-auth": ("v1.1", "v1.1.0", "baseline-v1.1.json", None),
}
DEFAULT_FIXTURES = ("v1.0", "v1.1")  # served as `kratos-mock run --api ...` serves them


@pytest.fixture(params=list(RUNS), ids=list(RUNS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, Path, str | None]]:
    if not TOOL.is_file():
        pytest.skip(f"{TOOL} is not beside this checkout")
    api, version, baseline, token = RUNS[request.param]
    settings = lambda url: Settings(base_url=url, require_token=token)  # noqa: E731
    fixtures = [bundled("fixtures", generations.get(api).default_fixtures)] if api in DEFAULT_FIXTURES else []
    with BackgroundServer(lambda url: create_app(settings=settings(url), api=api, fixtures=fixtures)) as server:
        yield server.url, version, ROOT / "conformance" / baseline, token


def test_upstream_spec_finds_nothing_beyond_the_baseline(
    served: tuple[str, str, Path, str | None], tmp_path: Path
) -> None:
    url, version, baseline, token = served
    extra = [] if token else ["--exclude-checks", "ignored_auth"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CONFORMANCE_REPORT_DIR": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(TOOL), url, version, "50", *extra, "--baseline", str(baseline)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    summary = [line for line in result.stdout.splitlines() if line.startswith("=")]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "failure" not in " ".join(summary), summary
