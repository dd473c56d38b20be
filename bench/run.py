"""kratos-mock benchmarks: startup, get-identity throughput, page cost, FlaskApp vs AsyncApp.

Run from the checkout with the project's venv::

    /work/venv/bin/python bench/run.py all              # everything (~2.5 min): a table, and bench/results.json
    /work/venv/bin/python bench/run.py startup          # one benchmark: startup | throughput | pages | flask-vs-async
    /work/venv/bin/python bench/run.py throughput --runs 1 --duration 5 --python-load
    /work/venv/bin/python bench/run.py profile          # cProfile the server under load, print the top costs

* startup: ``kratos-mock run --port <free> --log-level warning`` until the first 200 from ``GET /health/ready``
  (polled every 5 ms); median of 5. Target <= 1.0 s.
* throughput: one uvicorn worker; one identity created over HTTP, then ``GET /admin/identities/{id}`` from 16
  keep-alive connections for 10 s (``wrk -t2 -c16 -d10s``), 3 runs, median. Access log off (``--log-level
  warning``) and on (``--log-level info``, written to a file). Target >= 1,500 req/s.
* pages: no HTTP: a ``Store`` with 1,000 and 100,000 identities, one 250-item keyset page from the middle
  (``list_identities`` + ``wire.identity_json`` per item), median; the 100k/1k ratio should be about 1. Also the
  same page through the ASGI app in-process (starlette TestClient).
* flask-vs-async: the same get-identity load on connexion's ``AsyncApp`` (our handlers) and on a ``FlaskApp``
  variant with sync functions (``bench/variants.py``), same spec and middlewares. Needs Flask and a2wsgi:
  ``pip install 'connexion[flask]'`` (or ``pip install --target DIR flask a2wsgi itsdangerous blinker`` and
  ``PYTHONPATH=DIR``); skipped when they are missing.

HTTP load comes from ``wrk`` when it is on PATH (Debian/Ubuntu: ``apt-get install wrk``; macOS: ``brew install
wrk``); without it (or with ``--python-load``) a small generator (one thread + one keep-alive ``http.client``
connection per connection) is used: it needs more CPU than wrk, so its numbers may be a lower bound.
Everything talks to 127.0.0.1 only. The server and the load generator run on the same machine and share its
cores (2 on the reference box): req/s measures the pair, not the server alone. Each section first samples how
busy the CPUs are (/proc/stat) and warns when other work would skew it (recorded in results.json).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.client
import json
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
STDLIB = os.path.dirname(os.__file__)
ROOT = BENCH.parent
HOST = "127.0.0.1"
BODY = {"schema_id": "default", "traits": {"email": "bench@example.com"}}
STARTUP_TARGET_S = 1.0
THROUGHPUT_TARGET_RPS = 1500.0
BUSY_WARNING = 0.15  # share of CPU in use by others before a section that makes us warn
WRK_HINT = "wrk not found: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk); using Python load"
FLASK_HINT = (
    "FlaskApp needs Flask and a2wsgi: pip install 'connexion[flask]' "
    "(or pip install --target DIR flask a2wsgi itsdangerous blinker, then PYTHONPATH=DIR)"
)


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def kratos_mock_argv(port: int, log_level: str) -> list[str]:
    """The console script of the venv running this file (falls back to ``python -m mockserver``)."""
    script = Path(sys.executable).parent / "kratos-mock"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]
    return [*command, "run", "--port", str(port), "--log-level", log_level]


def variant_argv(kind: str, port: int, log_level: str = "warning") -> list[str]:
    return [sys.executable, str(BENCH / "variants.py"), kind, "--port", str(port), "--log-level", log_level]


def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def create_identity(port: int) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("POST", "/admin/identities", json.dumps(BODY), {"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 201:
        raise RuntimeError(f"POST /admin/identities answered {response.status}: {body[:300]!r}")
    return json.loads(body)["id"]


class Server:
    """A server subprocess; ``start`` returns the seconds from spawn to the first 200 on /health/ready."""

    def __init__(self, argv: list[str], port: int) -> None:
        self.argv = argv
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="kratos-mock-bench-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self, timeout: float = 20.0, poll: float = 0.005) -> float:
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, "/health/ready", timeout=1.0)[0] == 200:
                    return time.perf_counter() - started
            time.sleep(poll)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- load generators ---------------------------------------------------------------------------

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_TIME = r"([\d.]+)(us|ms|s|m|h)"


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(text: str) -> dict[str, Any]:
    """Requests/s, latency (ms) and errors from ``wrk --latency`` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    latency = re.search(rf"Latency\s+{_TIME}\s+{_TIME}\s+{_TIME}", text)
    if not (rps and total and latency):
        raise RuntimeError(f"cannot parse wrk output:\n{text}")
    out: dict[str, Any] = {"rps": float(rps[1]), "requests": int(total[1]), "avg_ms": _ms(latency[1], latency[2])}
    for pct, value, unit in re.findall(rf"^\s+(50|90|99)%\s+{_TIME}", text, re.MULTILINE):
        out[f"p{pct}_ms"] = _ms(value, unit)
    out["max_ms"] = _ms(latency[5], latency[6])
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["errors"] = (int(non_2xx[1]) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return out


def wrk_load(port: int, path: str, connections: int, threads: int, duration: float) -> dict[str, Any]:
    url = f"http://{HOST}:{port}{path}"
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", url]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30, check=True)
    return parse_wrk(result.stdout)


def python_load(port: int, path: str, connections: int, duration: float) -> dict[str, Any]:
    """Closed-loop load: one thread and one keep-alive connection per connection."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    gate = threading.Barrier(connections + 1)

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        samples = latencies[slot]
        gate.wait()
        deadline = time.perf_counter() + duration
        while (sent := time.perf_counter()) < deadline:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            samples.append(time.perf_counter() - sent)
            errors[slot] += not ok
        conn.close()

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in workers:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in workers:
        thread.join(duration + 30)
    elapsed = time.perf_counter() - began
    ordered = sorted(x * 1e3 for samples in latencies for x in samples)
    if not ordered:
        raise RuntimeError("the Python load generator completed no request")

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {
        "rps": len(ordered) / elapsed,
        "requests": len(ordered),
        "avg_ms": statistics.fmean(ordered),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": ordered[-1],
        "errors": sum(errors),
    }


class Load:
    """The configured load: wrk when available, the Python generator otherwise."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.connections = args.connections
        self.threads = args.threads
        self.duration = args.duration
        self.runs = args.runs
        self.use_wrk = not args.python_load and shutil.which("wrk") is not None
        if not self.use_wrk and not args.python_load:
            print(WRK_HINT, file=sys.stderr)

    @property
    def tool(self) -> str:
        if self.use_wrk:
            return f"wrk -t{self.threads} -c{self.connections} -d{round(self.duration)}s"
        return f"python threads, {self.connections} keep-alive http.client connections, {self.duration:g} s"

    def run(self, port: int, path: str, duration: float | None = None) -> dict[str, Any]:
        seconds = self.duration if duration is None else duration
        if self.use_wrk:
            return wrk_load(port, path, self.connections, self.threads, seconds)
        return python_load(port, path, self.connections, seconds)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-metric medians over the runs (the runs themselves are kept too)."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)]
    return {"median": {k: statistics.median(r[k] for r in runs if k in r) for k in keys}, "runs": runs}


def interleaved(load: Load, servers: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Start every server, create the identity, warm up 1 s, then run A, B, A, B, ... (fair against drift)."""
    with contextlib.ExitStack() as stack:
        targets: dict[str, tuple[int, str]] = {}
        for name, argv in servers.items():
            port = int(argv[argv.index("--port") + 1])
            server = stack.enter_context(Server(argv, port))
            server.start()
            path = f"/admin/identities/{create_identity(port)}"
            status, _ = get(port, path)
            if status != 200:
                raise RuntimeError(f"{name}: GET {path} answered {status}")
            load.run(port, path, duration=1)
            targets[name] = (port, path)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
        for i in range(load.runs):
            for name, (port, path) in targets.items():
                result = load.run(port, path)
                runs[name].append(result)
                print(f"  {name} run {i + 1}/{load.runs}: {result['rps']:,.0f} req/s", file=sys.stderr)
    return {name: summarize(r) for name, r in runs.items()}


# --- benchmarks --------------------------------------------------------------------------------


def bench_startup(runs: int = 5) -> dict[str, Any]:
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


def bench_throughput(load: Load) -> dict[str, Any]:
    servers = {
        "access_log_off": kratos_mock_argv(free_port(), "warning"),
        "access_log_on": kratos_mock_argv(free_port(), "info"),
    }
    result: dict[str, Any] = interleaved(load, servers)
    result["target_rps"] = THROUGHPUT_TARGET_RPS
    result["ok"] = result["access_log_off"]["median"]["rps"] >= THROUGHPUT_TARGET_RPS
    result["load"] = load.tool
    return result


def bench_flask_vs_async(load: Load) -> dict[str, Any]:
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


def _interleaved_medians(fns: dict[int, Callable[[], Any]], reps: int) -> dict[int, float]:
    """Median seconds per function, timing them in turn (A, B, A, B, ...) so background noise hits all alike."""
    samples: dict[int, list[float]] = {key: [] for key in fns}
    for _ in range(reps):
        for key, fn in fns.items():
            began = time.perf_counter()
            fn()
            samples[key].append(time.perf_counter() - began)
    return {key: statistics.median(values) for key, values in samples.items()}


def _build_store(n: int) -> tuple[Any, list[str], float]:
    from mockserver.clock import Entropy
    from mockserver.identity_schemas import SchemaRegistry, default_schemas
    from mockserver.models import IdentityDraft
    from mockserver.store import Store

    store = Store(SchemaRegistry(default_schemas()), entropy=Entropy(42), public_url="http://x")
    began = time.perf_counter()
    ids = [
        store.create_identity(IdentityDraft(schema_id="default", traits={"email": f"u{i}@example.com"})).id
        for i in range(n)
    ]
    return store, ids, time.perf_counter() - began


def bench_pages(sizes: tuple[int, ...] = (1_000, 100_000), reps: int = 60, http_reps: int = 60) -> dict[str, Any]:
    """All stores are built first, then measured in turn: the ratio compares like with like."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient notice about httpx (connexion imports it too)
        from starlette.testclient import TestClient

        from mockserver import wire
        from mockserver.app import Settings, create_app

    out: dict[str, Any] = {"page_size": 250, "reps": reps, "http_reps": http_reps}
    pages: dict[int, Callable[[], Any]] = {}
    listings: dict[int, Callable[[], Any]] = {}
    requests: dict[int, Callable[[], Any]] = {}
    with contextlib.ExitStack() as stack:
        for n in sizes:
            store, ids, create_s = _build_store(n)
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
            pages[n], listings[n], requests[n] = page, listing, over_http
        gc.collect()
        for key, fns, count in (
            ("page_ms", pages, reps),
            ("store_only_ms", listings, reps),
            ("http_ms", requests, http_reps),
        ):
            for n, seconds in _interleaved_medians(fns, count).items():
                out[str(n)][key] = seconds * 1e3
    small, large = (out[str(n)] for n in (min(sizes), max(sizes)))
    out["ratio"] = {k: large[k] / small[k] for k in ("page_ms", "store_only_ms", "http_ms")}
    return out


def bench_restore(sizes: tuple[int, ...] = (1_000, 100_000), reps: int = 201) -> dict[str, Any]:
    """What the pytest plugin does between tests: ``controller.reset()`` after a test that created
    one identity and a session, with 1,000 and 100,000 identities seeded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mockserver.app import create_app

    out: dict[str, Any] = {"reps": reps}
    for n in sizes:
        app = create_app(seed=1)
        store, _, create_s = _build_store_into(app.store, n)
        app.controller.seal()
        timings = []
        for i in range(reps):
            from mockserver.models import IdentityDraft

            identity = store.create_identity(IdentityDraft(schema_id="default", traits={"email": f"t{i}@example.com"}))
            store.create_session(identity.id)
            began = time.perf_counter()
            app.controller.reset()
            timings.append(time.perf_counter() - began)
        out[str(n)] = {
            "seed_s": create_s,
            "restore_ms_median": statistics.median(timings) * 1e3,
            "restore_ms_p99": sorted(timings)[int(len(timings) * 0.99)] * 1e3,
        }
    return out


def _build_store_into(store: Any, n: int) -> tuple[Any, list[str], float]:
    from mockserver.models import IdentityDraft

    began = time.perf_counter()
    ids = [
        store.create_identity(IdentityDraft(schema_id="default", traits={"email": f"u{i}@example.com"})).id
        for i in range(n)
    ]
    return store, ids, time.perf_counter() - began


BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"


def bench_fixture_load(n: int = 10_000, reps: int = 3) -> dict[str, Any]:
    """Loading a YAML fixture file of ``n`` identities (with hashed passwords) into a fresh mock."""
    import tempfile

    import yaml

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mockserver.app import create_app

    identities = [
        {
            "schema_id": "default",
            "traits": {"email": f"user{i}@example.com", "name": {"first": f"U{i}"}},
            "credentials": {
                "password": {
                    "config": {"hashed_password": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}
                }
            },
        }
        for i in range(n)
    ]
    out: dict[str, Any] = {"identities": n, "target_s": 2.0}
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


def bench_profile(load: Load, top: int = 25) -> dict[str, Any]:
    """The CLI server under cProfile for one load run (cProfile slows it down: read shares, not totals)."""
    port = free_port()
    stats_file = Path(tempfile.gettempdir()) / f"kratos-mock-bench-{port}.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "mockserver"]
    argv += kratos_mock_argv(port, "warning")[-5:]
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


# --- output ------------------------------------------------------------------------------------


def _load_cell(summary: dict[str, Any]) -> str:
    m = summary["median"]
    return f"{m['rps']:>8,.0f} req/s  p50 {m['p50_ms']:.1f} ms  p99 {m['p99_ms']:.1f} ms  err {m['errors']:.0f}"


def table(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str]] = []
    if "startup" in results:
        s = results["startup"]
        rows.append(("startup to first ready (median of 5)", f"{s['median_s']:.3f} s", f"<= {s['target_s']:.1f} s"))
        parts = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in s["in_process_s"].items())
        rows.append(("  in-process share", parts, ""))
    if "throughput" in results:
        t = results["throughput"]
        target = f">= {t['target_rps']:,.0f} req/s"
        rows.append(("get identity, access log off", _load_cell(t["access_log_off"]), target))
        rows.append(("get identity, access log on", _load_cell(t["access_log_on"]), ""))
    if "pages" in results:
        p = results["pages"]
        for n in (k for k in p if k.isdigit()):
            r = p[n]
            rows.append(
                (
                    f"page of 250 @ {int(n):,} identities",
                    f"{r['page_ms']:.2f} ms (store {r['store_only_ms']:.3f} ms; in-process HTTP "
                    f"{r['http_ms']:.1f} ms); {int(n):,} creates {r['create_s']:.1f} s",
                    "",
                )
            )
        ratio = p["ratio"]
        rows.append(
            (
                "  ratio largest/smallest",
                f"page {ratio['page_ms']:.2f}x, store {ratio['store_only_ms']:.2f}x, HTTP {ratio['http_ms']:.2f}x",
                "~1.0x",
            )
        )
    if "restore" in results:
        for n, r in ((k, v) for k, v in results["restore"].items() if k.isdigit()):
            rows.append(
                (
                    f"restore between tests @ {int(n):,} identities",
                    f"{r['restore_ms_median']:.3f} ms median, p99 {r['restore_ms_p99']:.3f} ms",
                    "<= 1 ms",
                )
            )
    if "fixture_load" in results:
        f = results["fixture_load"]
        for kind in ("json", "yaml"):
            label = f"load {f['identities']:,} identities ({kind} file)"
            rows.append((label, f"{f[kind]['load_s_median']:.2f} s median", "<= 2 s"))
    if "flask_vs_async" in results:
        f = results["flask_vs_async"]
        if "skipped" in f:
            rows.append(("flask vs async", "skipped", f["skipped"]))
        else:
            rows.append(("AsyncApp (our async handlers)", _load_cell(f["async"]), ""))
            rows.append(("FlaskApp (sync variant)", _load_cell(f["flask"]), f"{f['flask_over_async']:.2f}x async"))
    if "profile" in results:
        rows.append(("profiled run (cProfile on, slower)", f"{results['profile']['load']['rps']:,.0f} req/s", ""))
        for row in results["profile"]["top_by_tottime"][:15]:
            rows.append((f"  {row['tottime_s']:.2f} s self", row["function"], f"{row['calls']} calls"))
    width = max(len(r[0]) for r in rows)
    middle = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:<{middle}}  {c}".rstrip() for a, b, c in rows)


def meta(load: Load | None) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_generator": load.tool if load else None,
        "note": "server (1 uvicorn worker) and load generator share the same cores, all on 127.0.0.1",
        "loadavg_before": os.getloadavg(),
        "cpu_busy_before": {},
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def cpu_busy(interval: float = 0.5) -> float | None:
    """Share of all CPUs in use over ``interval`` (Linux /proc/stat; None elsewhere)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, total

    try:
        idle0, total0 = sample()
        time.sleep(interval)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


@contextlib.contextmanager
def section(name: str, results: dict[str, Any]) -> Iterator[None]:
    """Log progress and note how busy the machine was before (other work skews every number here)."""
    busy = cpu_busy()
    results["meta"]["cpu_busy_before"][name] = busy
    note = f" (CPU {busy:.0%} busy before starting)" if busy is not None else ""
    print(f"[{name}] ...{note}", file=sys.stderr, flush=True)
    if busy is not None and busy > BUSY_WARNING:
        print(f"[{name}] warning: the machine is busy with other work; expect low, noisy numbers", file=sys.stderr)
    began = time.perf_counter()
    yield
    print(f"[{name}] done in {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kratos-mock benchmarks (see the module docstring).")
    parser.add_argument(
        "command",
        choices=("all", "startup", "throughput", "pages", "restore", "fixture-load", "flask-vs-async", "profile"),
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="load runs per server, median reported (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--page-sizes", default="1000,100000", help="store sizes for the page benchmark")
    parser.add_argument("--out", type=Path, help="write JSON here (default for 'all': bench/results.json)")
    args = parser.parse_args(argv)

    everything = {"startup", "throughput", "pages", "restore", "fixture-load", "flask-vs-async"}
    wanted = everything if args.command == "all" else {args.command}
    load = Load(args) if wanted & {"throughput", "flask-vs-async", "profile"} else None
    results: dict[str, Any] = {"meta": meta(load)}
    began = time.perf_counter()
    if "startup" in wanted:
        with section("startup", results):
            results["startup"] = bench_startup()
    if "throughput" in wanted:
        with section("throughput", results):
            assert load is not None
            results["throughput"] = bench_throughput(load)
    if "flask-vs-async" in wanted:
        with section("flask-vs-async", results):
            assert load is not None
            results["flask_vs_async"] = bench_flask_vs_async(load)
    if "pages" in wanted:
        with section("pages", results):
            sizes = tuple(int(s) for s in args.page_sizes.split(","))
            results["pages"] = bench_pages(sizes)
    if "restore" in wanted:
        with section("restore", results):
            results["restore"] = bench_restore(tuple(int(s) for s in args.page_sizes.split(",")))
    if "fixture-load" in wanted:
        with section("fixture-load", results):
            results["fixture_load"] = bench_fixture_load()
    if "profile" in wanted:
        with section("profile", results):
            assert load is not None
            results["profile"] = bench_profile(load)
    results["meta"]["elapsed_s"] = time.perf_counter() - began

    print(f"\nkratos-mock bench  ({results['meta']['cpus']} CPUs shared by server and load generator; 127.0.0.1)")
    if load is not None:
        print(f"load: {load.tool}" + (f"; {load.runs} runs per server, medians" if args.command != "profile" else ""))
    print(table(results))
    for name, busy in results["meta"]["cpu_busy_before"].items():
        if busy is not None and busy > BUSY_WARNING:
            print(f"note: CPU was {busy:.0%} busy with other work before '{name}'; its numbers are pessimistic")
    out = args.out or (BENCH / "results.json" if args.command == "all" else None)
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
