"""The shared ``upstream-conformance`` tool (schemathesis with the *upstream* v26.2.0 spec) against a
served mock: no failure beyond the documented baseline, and with a token ``ignored_auth`` passes too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import create_app
from mockserver.app import Settings
from mockserver.server import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT.parent / "shared" / "tools" / "upstream-conformance"
BASELINE = ROOT / "conformance" / "baseline-v26.2.json"
TOKEN = "conformance"  # the tool always sends "Authorization: Bearer conformance"


@pytest.fixture(params=[None, TOKEN], ids=["oss-no-auth", "require-token"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, str | None]]:
    if not TOOL.is_file():
        pytest.skip(f"{TOOL} is not beside this checkout")
    token = request.param
    with BackgroundServer(lambda url: create_app(settings=Settings(base_url=url, require_token=token))) as server:
        yield server.url, token


def test_upstream_spec_finds_nothing_beyond_the_baseline(served: tuple[str, str | None], tmp_path: Path) -> None:
    url, token = served
    extra = [] if token else ["--exclude-checks", "ignored_auth"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CONFORMANCE_REPORT_DIR": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(TOOL), url, "v26.2.0", "50", *extra, "--baseline", str(BASELINE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    summary = [line for line in result.stdout.splitlines() if line.startswith("=")]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "failure" not in " ".join(summary), summary
