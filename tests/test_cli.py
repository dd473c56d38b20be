"""The command line: environment defaults, a real process serving, clean shutdown on SIGTERM."""

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

from mockserver.cli import _fixture_dir, build_parser, main


def test_environment_defaults_are_read_when_parsing() -> None:
    env = {
        "KRATOS_MOCK_PORT": "5000",
        "KRATOS_MOCK_SEED": "9",
        "KRATOS_MOCK_REQUIRE_TOKEN": "t",
        "KRATOS_MOCK_LOG_LEVEL": "WARNING",
    }
    args = build_parser(env).parse_args(["run"])
    assert (args.port, args.seed, args.require_token, args.log_level, args.host) == (
        5000,
        9,
        "t",
        "warning",
        "127.0.0.1",
    )
    args = build_parser(env).parse_args(["run", "--port", "6000", "--seed", "1"])
    assert (args.port, args.seed) == (6000, 1)


def test_bad_environment_is_a_clear_error() -> None:
    with pytest.raises(SystemExit, match="KRATOS_MOCK_PORT must be an integer"):
        build_parser({"KRATOS_MOCK_PORT": "eighty"})


def test_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["run", "--port", str(port)], env={}) == 1
    assert "cannot listen" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, json.loads(response.read())


def test_python_dash_m_serves_and_stops_on_sigterm() -> None:
    port = _free_port()
    env = {**os.environ, "KRATOS_MOCK_PORT": str(port), "KRATOS_MOCK_SEED": "5"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health/ready")
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() - started < 15, "the mock did not become ready"
                time.sleep(0.02)
        assert (status, body) == (200, {"status": "ok"})
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/admin/identities",
            method="POST",
            data=json.dumps({"schema_id": "default", "traits": {"email": "cli@example.com"}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=2) as response:
            created = json.loads(response.read())
        assert created["schema_url"] == f"http://127.0.0.1:{port}/schemas/ZGVmYXVsdA"
        assert created["created_at"] == "2026-01-01T00:00:00Z"  # --seed freezes the clock
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "serving the Kratos admin API" in err and "Warning" not in err
    assert "Finished server process" in err
    access = [line for line in out.splitlines() if "HTTP/1.1" in line]
    assert sum('"POST /admin/identities HTTP/1.1" 201' in line for line in access) == 1  # one line per request


def test_fixtures_dir_loads_yaml_and_json_in_name_order(tmp_path: Path) -> None:
    for name in ("b.json", "a.yaml", "c.yml", "notes.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "sub.yaml").mkdir()
    assert [p.name for p in _fixture_dir(str(tmp_path))] == ["a.yaml", "b.json", "c.yml"]
    assert _fixture_dir(str(tmp_path / "missing")) == []
    assert _fixture_dir(None) == []


def test_api_choices_come_from_the_generations_and_the_environment() -> None:
    from mockserver import generations

    assert build_parser({}).parse_args(["run", "--api", "v1.0"]).api == "v1.0"
    assert build_parser({"KRATOS_MOCK_API": "v1.1"}).parse_args(["run"]).api == "v1.1"
    assert set(generations.NAMES) == set(generations.generations())
    with pytest.raises(SystemExit):
        build_parser({}).parse_args(["run", "--api", "v9"])
