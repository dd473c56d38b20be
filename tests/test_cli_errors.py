"""The command line's mistakes and edges: range-checked arguments, unreachable URLs and a missing
``fuzz`` extra in one line each, and ``run --log-format json``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mockserver.cli import build_parser, main

from .conftest import HAS_FUZZ_EXTRA

ROOT = Path(__file__).resolve().parent.parent


def _dead_url() -> str:
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("value", ["99999", "-1", "http"])
def test_port_out_of_range_is_an_argparse_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser({}).parse_args(["run", "--port", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kratos-mock run") and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("kratos-mock run: error: argument --port: ")


def test_port_from_the_environment_is_range_checked() -> None:
    with pytest.raises(SystemExit, match="KRATOS_MOCK_PORT must be between 0 and 65535, got 70000"):
        build_parser({"KRATOS_MOCK_PORT": "70000"})


@pytest.mark.parametrize("argv", [["fuzz", "--max-examples", "0"], ["diff", "--examples", "-3"]])
def test_counts_must_be_positive(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser({}).parse_args(argv)
    assert "expected a positive integer" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_FUZZ_EXTRA, reason="needs the fuzz extra")
@pytest.mark.parametrize("command", ["fuzz", "diff"])
def test_an_unreachable_url_is_one_line(command: str) -> None:
    """In a fresh process, as a user runs it: one line on stderr, exit 2, no traceback."""
    url = _dead_url()
    argv = ["fuzz", "--base-url", url] if command == "fuzz" else ["diff", "--b", url]
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"kratos-mock: cannot reach {url}: Connection refused"]
    assert done.stdout == ""


@pytest.mark.parametrize("command", ["fuzz", "diff"])
def test_without_the_fuzz_extra_fuzz_and_diff_say_what_to_install(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # as if it were not installed
    assert main([command], env={}) == 2
    err = capsys.readouterr().err
    assert err == (
        f"kratos-mock {command} needs schemathesis, from the fuzz extra: "
        "pip install 'kratos-mock[fuzz]' (or '.[fuzz]' in a checkout)\n"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_json_logs_are_one_object_per_line() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KRATOS_MOCK_LOG_FORMAT": "json"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "run", "--port", str(port), "--seed", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.05)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/identities?page_size=2", timeout=2).close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    access = [json.loads(line) for line in out.splitlines()]
    listed = [a for a in access if a["path"] == "/admin/identities?page_size=2"]
    assert len(listed) == 1
    assert {k: listed[0][k] for k in ("logger", "level", "method", "status", "http_version")} == {
        "logger": "uvicorn.access",
        "level": "INFO",
        "method": "GET",
        "status": 200,
        "http_version": "1.1",
    }
    assert listed[0]["message"].endswith('"GET /admin/identities?page_size=2 HTTP/1.1" 200')
    others = [json.loads(line) for line in err.splitlines()]  # every stderr line is JSON too
    assert others[0]["message"].startswith("kratos-mock ") and others[0]["url"] == f"http://127.0.0.1:{port}"
    assert any(o["message"].startswith("Finished server process") for o in others)


def test_run_refuses_several_workers_rather_than_split_the_store(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue #15: each uvicorn worker would hold its own store; one process, or a clear refusal."""
    assert main(["run", "--workers", "4"], env={}) == 2
    err = capsys.readouterr().err
    assert err.startswith("kratos-mock: --workers 4 would give each worker its own store") and err[-1] == "\n"
    assert err.count("\n") == 1


def test_export_from_an_unreachable_url_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """README, Command line: a URL given to fixtures export that does not answer: one line, exit 2."""
    url = _dead_url()
    assert main(["fixtures", "export", "--base-url", url], env={}) == 2
    assert capsys.readouterr().err.splitlines() == [f"kratos-mock: cannot reach {url}: Connection refused"]
