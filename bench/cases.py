"""The benchmarks: each function measures one thing and returns the dict stored under its key in
results.json. Timing targets live here, not in the test suite: on a shared machine a wall-clock
assertion fails for reasons that are not defects, while a recorded number can be read against its target.

* startup: ``kratos-mock run --port <free> --log-level warning`` until the first 200 from ``GET /health/ready``
  (polled every 5 ms); median of 5. Target <= 1.0 s.
* throughput: one uvicorn worker; one identity created over HTTP, then ``GET /admin/identities/{id}`` from 16
  keep-alive connections for 10 s (``wrk -t2 -c16 -d10s``), 3 runs, median. Access log off (``--log-level
  warning``) and on (``--log-level info``, written to a file). Target >= 1,500 req/s.
* flask-vs-async: the same get-identity load on connexion's ``AsyncApp`` (our handlers) and on a ``FlaskApp``
  variant with sync functions (``bench/variants.py``), same spec and middlewares; skipped without Flask.
* pages: no HTTP: a ``Store`` with 1,000 and 100,000 identities, one 250-item keyset page from the middle
  (``list_identities`` + ``wire.identity_json`` per item), median; the 100k/1k ratio should be about 1. Also the
  same page through the ASGI app in-process (starlette TestClient).
* restore: what the pytest plugin does between tests (``controller.reset()``), target <= 1 ms whatever was seeded.
* fixture-load: 10,000 identities from a JSON and a YAML fixture file into a fresh mock, target <= 2 s.
* profile: the CLI server under cProfile for one load run; the top costs.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import (
    ROOT,
    Load,
    Server,
    create_identity,
    free_port,
    interleaved,
    interleaved_medians,
    kratos_mock_args,
    kratos_mock_argv,
    variant_argv,
)

STDLIB = os.path.dirname(os.__file__)
STARTUP_TARGET_S = 1.0
THROUGHPUT_TARGET_RPS = 1500.0
FIXTURE_LOAD_TARGET_S = 2.0
BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
FLASK_HINT = (
    "FlaskApp needs Flask and a2wsgi: pip install 'connexion[flask]' "
    "(or pip install --target DIR flask a2wsgi itsdangerous blinker, then PYTHONPATH=DIR)"
)

# One fresh interpreter: where the in-process part of startup goes (imports vs building the app).
_STARTUP_BREAKDOWN = """
import json, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import mockserver.app
t1 = time.perf_counter()
import uvicorn, uvicorn.loops.uvloop, uvicorn.protocols.http.httptools_impl
t2 = time.perf_counter()
mockserver.app.create_app()
t3 = time.perf_counter()
print(json.dumps({"import_mockserver_app": t1 - t0, "import_uvicorn": t2 - t1, "create_app": t3 - t2}))
"""


def startup(runs: int = 5) -> dict[str, Any]:
    """Spawn to first ready, as a user starting the sidecar sees it, plus the in-process share of it."""
    samples = []
    for _ in range(runs):
        port = free_port()
        with Server(kratos_mock_argv(port, "warning"), port) as server:
            samples.append(server.start())
    breakdown = subprocess.run(
        [sys.executable, "-c", _STARTUP_BREAKDOWN], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    median = statistics.median(samples)
    return {
        "runs_s": samples,
        "median_s": median,
        "target_s": STARTUP_TARGET_S,
        "ok": median <= STARTUP_TARGET_S,
        "in_process_s": json.loads(breakdown.stdout.strip().splitlines()[-1]),
    }


def throughput(load: Load) -> dict[str, Any]:
    """Get-identity req/s with the access log off and on: what logging costs a busy test suite."""
    servers = {
        "access_log_off": kratos_mock_argv(free_port(), "warning"),
        "access_log_on": kratos_mock_argv(free_port(), "info"),
    }
    result: dict[str, Any] = interleaved(load, servers)
    result["target_rps"] = THROUGHPUT_TARGET_RPS
    result["ok"] = result["access_log_off"]["median"]["rps"] >= THROUGHPUT_TARGET_RPS
    result["load"] = load.tool
    return result


def flask_vs_async(load: Load) -> dict[str, Any]:
    """Whether connexion's AsyncApp with async handlers pays off against a FlaskApp with sync ones."""
    try:
        import a2wsgi  # noqa: F401
        import flask  # noqa: F401
    except ImportError:
        print(FLASK_HINT, file=sys.stderr)
        return {"skipped": FLASK_HINT}
    servers = {"async": variant_argv("async", free_port()), "flask": variant_argv("flask", free_port())}
    result: dict[str, Any] = interleaved(load, servers)
    result["flask_over_async"] = result["flask"]["median"]["rps"] / result["async"]["median"]["rps"]
    result["load"] = load.tool
    result["note"] = "both bare connexion apps (no KratosMockApp wrapper), same spec and middlewares, bench/variants.py"
    return result


def _fill(store: Any, n: int) -> tuple[list[str], float]:
    """Create ``n`` identities; their ids and the seconds it took."""
    from mockserver.models import IdentityDraft

    began = time.perf_counter()
    ids = [
        store.create_identity(IdentityDraft(schema_id="default", traits={"email": f"u{i}@example.com"})).id
        for i in range(n)
    ]
    return ids, time.perf_counter() - began


def _new_store() -> Any:
    from mockserver.clock import Entropy
    from mockserver.identity_schemas import SchemaRegistry, default_schemas
    from mockserver.store import Store

    return Store(SchemaRegistry(default_schemas()), entropy=Entropy(42), public_url="http://x")


def pages(sizes: tuple[int, ...] = (1_000, 100_000), reps: int = 60, http_reps: int = 60) -> dict[str, Any]:
    """A page must cost the same whatever the store size (keyset pagination).

    All stores are built first, then measured in turn: the ratio compares like with like.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient notice about httpx (connexion imports it too)
        from starlette.testclient import TestClient

        from mockserver import wire
        from mockserver.app import Settings, create_app

    out: dict[str, Any] = {"page_size": 250, "reps": reps, "http_reps": http_reps}
    page_fns: dict[int, Callable[[], Any]] = {}
    listings: dict[int, Callable[[], Any]] = {}
    requests: dict[int, Callable[[], Any]] = {}
    with contextlib.ExitStack() as stack:
        for n in sizes:
            store = _new_store()
            ids, create_s = _fill(store, n)
            token = sorted(ids)[n // 2]  # a page from the middle of the id order
            out[str(n)] = {"create_s": create_s, "create_us_each": create_s / n * 1e6}

            def listing(store: Any = store, token: str = token) -> Any:
                return store.list_identities(page_size=250, page_token=token).items

            def page(listing: Callable[[], Any] = listing) -> list[dict[str, Any]]:
                return [wire.identity_json(identity, "http://x") for identity in listing()]

            app = create_app(store=store, settings=Settings(base_url="http://x"))
            client = stack.enter_context(TestClient(app, base_url="http://x"))

            def over_http(
                client: Any = client, url: str = f"/admin/identities?page_size=250&page_token={token}"
            ) -> Any:
                response = client.get(url)
                assert response.status_code == 200, response.text
                return response

            assert len(page()) == 250 and len(over_http().json()) == 250
            page_fns[n], listings[n], requests[n] = page, listing, over_http
        gc.collect()
        for key, fns, count in (
            ("page_ms", page_fns, reps),
            ("store_only_ms", listings, reps),
            ("http_ms", requests, http_reps),
        ):
            for n, seconds in interleaved_medians(fns, count).items():
                out[str(n)][key] = seconds * 1e3
    small, large = (out[str(n)] for n in (min(sizes), max(sizes)))
    out["ratio"] = {k: large[k] / small[k] for k in ("page_ms", "store_only_ms", "http_ms")}
    return out


def restore(sizes: tuple[int, ...] = (1_000, 100_000), reps: int = 201) -> dict[str, Any]:
    """What the pytest plugin does between tests: ``controller.reset()`` after a test that created
    one identity and a session, with 1,000 and 100,000 identities seeded. It should cost what the
    test changed, not what was seeded (target <= 1 ms)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mockserver.app import create_app
        from mockserver.models import IdentityDraft

    out: dict[str, Any] = {"reps": reps}
    for n in sizes:
        app = create_app(seed=1)
        store = app.store
        _, create_s = _fill(store, n)
        app.controller.seal()
        sealed = len(store)
        timings = []
        for i in range(reps):
            identity = store.create_identity(IdentityDraft(schema_id="default", traits={"email": f"t{i}@example.com"}))
            store.create_session(identity.id)
            began = time.perf_counter()
            app.controller.reset()
            timings.append(time.perf_counter() - began)
            assert len(store) == sealed  # the time is only worth reporting if the reset happened
        out[str(n)] = {
            "seed_s": create_s,
            "restore_ms_median": statistics.median(timings) * 1e3,
            "restore_ms_p99": sorted(timings)[int(len(timings) * 0.99)] * 1e3,
        }
    return out


def fixture_load(n: int = 10_000, reps: int = 3) -> dict[str, Any]:
    """Loading a fixture file of ``n`` identities (with hashed passwords) into a fresh mock, from JSON
    (what ``fixtures export -o x.json`` writes) and from YAML (PyYAML's parsing dominates); target <= 2 s."""
    import yaml

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mockserver.app import create_app

    identities = [
        {
            "schema_id": "default",
            "traits": {"email": f"user{i}@example.com", "name": {"first": f"U{i}"}},
            "credentials": {"password": {"config": {"hashed_password": BCRYPT}}},
        }
        for i in range(n)
    ]
    out: dict[str, Any] = {"identities": n, "target_s": FIXTURE_LOAD_TARGET_S}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, dump in (("json", json.dumps), ("yaml", yaml.safe_dump)):
            path = Path(tmp) / f"many.{kind}"
            path.write_text(dump({"identities": identities}))
            timings = []
            for _ in range(reps):
                began = time.perf_counter()
                app = create_app(seed=1, fixtures=[path])
                timings.append(time.perf_counter() - began)
                assert len(app.store) == n
            out[kind] = {"load_s_median": statistics.median(timings), "runs_s": timings}
    return out


def profile(load: Load, top: int = 25) -> dict[str, Any]:
    """The CLI server under cProfile for one load run: where a request's time goes.

    cProfile slows the server down: read the shares, not the totals.
    """
    port = free_port()
    stats_file = Path(tempfile.gettempdir()) / f"kratos-mock-bench-{port}.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "mockserver"]
    argv += kratos_mock_args(port, "warning")
    with Server(argv, port) as server:
        server.start(timeout=60)
        path = f"/admin/identities/{create_identity(port)}"
        result = load.run(port, path)
    stats = pstats.Stats(str(stats_file))
    stats_file.unlink(missing_ok=True)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = re.sub(r".*/site-packages/", "", filename)
        where = where.replace(str(ROOT) + "/", "").replace(STDLIB + "/", "stdlib/")
        rows.append({"function": f"{where}:{line}({name})", "calls": calls, "tottime_s": tottime, "cumtime_s": cumtime})
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return {"load": result, "requests": result["requests"], "top_by_tottime": rows[:top]}
