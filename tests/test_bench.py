"""The benchmark tooling's own logic (bench/): the bare ASGI peer, WireMock's stubs, ratios, merging
results and the in-process case on a tiny N. No load, no servers, no timing assertions."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import cases  # noqa: E402
import harness  # noqa: E402
import peers  # noqa: E402
import run  # noqa: E402
import variants  # noqa: E402

BODY = b'{"id":"6a93af7a-93a8-4f7a-a567-99c326630ecd","traits":{"email":"bench@example.com"}}'


def _request(app: Any, method: str, url: str, body: Any = None) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            return await client.request(method, url, json=body)

    return asyncio.run(go())


def test_bare_app_answers_what_the_harness_asks() -> None:
    app = variants.bare_app(BODY)
    got = _request(app, "GET", "/admin/identities/any-id")
    assert got.status_code == 200
    assert got.content == BODY
    assert got.headers["content-length"] == str(len(BODY))
    assert got.headers["content-type"] == "application/json; charset=utf-8"
    assert got.headers["cache-control"] == harness.NO_CACHE["Cache-Control"]
    created = _request(app, "POST", "/admin/identities", {"schema_id": "default"})
    assert created.status_code == 201
    assert created.json()["id"] == "6a93af7a-93a8-4f7a-a567-99c326630ecd"
    assert _request(app, "GET", "/health/ready").status_code == 200
    assert _request(app, "GET", "/admin/identities/a/b").status_code == 404
    assert _request(app, "DELETE", "/admin/identities/x").status_code == 404


def test_wiremock_stub_serves_the_same_bytes_without_chunking(tmp_path: Path) -> None:
    root = peers.wiremock_root(tmp_path, BODY, "6a93af7a", "application/json; charset=utf-8")
    stubs = json.loads((root / "mappings" / "kratos.json").read_text())["mappings"]
    get = next(s for s in stubs if s["request"]["method"] == "GET" and "identities" in s["request"]["url"])
    assert get["request"]["url"] == "/admin/identities/6a93af7a"
    assert get["response"]["body"].encode() == BODY
    assert get["response"]["headers"]["Content-Length"] == str(len(BODY))
    assert {(s["request"]["method"], s["request"]["url"]) for s in stubs} >= {
        ("POST", "/admin/identities"),
        ("GET", "/health/ready"),
    }
    argv = peers.wiremock_argv("java", Path("wm.jar"), 4444, root)
    assert argv[:3] == ["java", "-jar", "wm.jar"]
    assert {"--no-request-journal", "--disable-request-logging"} <= set(argv)
    assert argv[argv.index("--bind-address") + 1] == "127.0.0.1"


def test_ratios_are_rps_over_each_base() -> None:
    summaries = {name: {"median": {"rps": rps}} for name, rps in (("current", 5.0), ("bare_asgi", 50.0), ("wm", 10.0))}
    ratios = cases._ratios(summaries, ["bare_asgi", "wm"])
    assert ratios["current"] == {"rps_vs_bare_asgi": 0.1, "rps_vs_wm": 0.5}
    assert ratios["bare_asgi"] == {"rps_vs_wm": 5.0}


def test_merge_keeps_other_keys_and_records_the_run(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"meta": {"date": "old"}, "startup": {"median_s": 0.5}, "peers": {"old": True}}))
    merged = run.merge_into(path, {"meta": {"date": "new"}, "peers": {"new": True}}, "peers")
    assert merged["startup"] == {"median_s": 0.5}
    assert merged["peers"] == {"new": True}
    assert merged["meta"]["date"] == "old"
    assert merged["meta"]["merged"]["peers"] == {"date": "new"}
    fresh = {"meta": {}, "x": 1}
    assert run.merge_into(tmp_path / "absent.json", fresh, "x") is fresh


def test_servers_import_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = harness.python_env(Path("/tree"))
    assert env["PYTHONPATH"].split(os.pathsep) == ["/tree", "/elsewhere"]
    with harness.Server(["true"], 1) as server:  # never started; leaving the block removes its log file
        assert server.env["PYTHONPATH"].split(os.pathsep)[0] == str(harness.ROOT)


def test_ref_resolves_to_a_commit() -> None:
    try:
        info = peers.resolve_ref("HEAD")
    except RuntimeError as exc:  # not a git checkout (an sdist)
        pytest.skip(str(exc))
    assert len(info["commit"]) == 40


def test_run_rejects_ref_where_it_means_nothing() -> None:
    with pytest.raises(SystemExit):
        run.main(["pages", "--ref", "HEAD"])


def test_inprocess_times_every_client_and_operation() -> None:
    result = cases.inprocess(requests=3, warmup=1)
    for kind in ("httpx_asgi_transport", "testclient", "testclient_no_with"):
        for op in ("get_identity", "create_identity"):
            assert result[kind][op]["median_us"] > 0


def test_wiremock_is_skipped_with_a_reason_when_npm_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(peers, "WIREMOCK_CACHE", tmp_path)
    monkeypatch.setattr(peers.shutil, "which", lambda _name: None)
    with pytest.raises(peers.UnavailableError, match="npm not found"):
        peers.wiremock_jar()


def test_java_is_not_installed_without_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peers.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.setattr(peers.os, "geteuid", lambda: 1000)
    with pytest.raises(peers.UnavailableError, match="java not found"):
        peers.java()
