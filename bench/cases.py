"""The benchmarks: each function measures one thing and returns the dict stored under its key in
results.json. Timing targets live here, not in the test suite: on a shared machine a wall-clock
assertion fails for reasons that are not defects, while a recorded number can be read against its target.

* startup: ``kratos-mock run --port <free> --log-level warning`` until the first 200 from ``GET /health/ready``
  (polled every 5 ms), from this checkout's wheel as installed (``peers.installed_wheel``) and, interleaved,
  from the checkout's own console script; median of 9 each (this machine's neighbours move a single start
  by +-30%). Target <= 0.5 s for the installed wheel.
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
* peers (issue #9): the same get-identity load, interleaved in one run, on this checkout's server (access log
  off), a git ref's server (``--ref``, a temporary worktree), the bare ASGI app (``variants.py bare``, the
  Python ceiling) and WireMock's standalone jar with one static stub (``peers.py``), all answering the same
  bytes; req/s, p50/p99 and every server's req/s as a ratio of the bare app's, WireMock's and the ref's.
  ``throughput --ref`` runs the peers in the same interleaving as the access-log pair.
* inprocess (issue #15): what a pytest suite pays per request without a socket: ``GET /admin/identities/{id}``
  and ``POST /admin/identities`` through ``httpx.AsyncClient(transport=httpx.ASGITransport(app))`` and
  starlette's ``TestClient`` (inside ``with``, and without it: a new event-loop thread per request),
  interleaved, median (p90, p99) of N requests each.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import peers as peer
from harness import (
    BODY,
    ROOT,
    Load,
    Server,
    Spawn,
    create_identity,
    free_port,
    get_full,
    interleaved,
    interleaved_medians,
    kratos_mock_args,
    kratos_mock_argv,
    kratos_mock_module_argv,
    python_env,
    variant_argv,
)

STDLIB = os.path.dirname(os.__file__)
STARTUP_TARGET_S = 0.5  # #15: cold start <= 0.5 s
THROUGHPUT_TARGET_RPS = 1500.0
FIXTURE_LOAD_TARGET_S = 2.0
BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
FLASK_HINT = (
    "FlaskApp needs Flask and a2wsgi: pip install 'connexion[flask]' "
    "(or pip install --target DIR flask a2wsgi itsdangerous blinker, then PYTHONPATH=DIR)"
)

# One fresh interpreter: where the in-process part of startup goes (imports vs building the app).
# As ``kratos-mock run`` does it (``mockserver.__main__``, ``cli._run``): collector off, the server's imports.
_STARTUP_BREAKDOWN = """
import gc, json, time, warnings
gc.disable()
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import mockserver.cli
try:
    from mockserver.connexion_import import SERVER, import_connexion
    import_connexion(SERVER)
except ImportError:  # a tree from before connexion_import
    pass
import mockserver.app
t1 = time.perf_counter()
import uvicorn, uvicorn.loops.uvloop, uvicorn.protocols.http.httptools_impl
t2 = time.perf_counter()
mockserver.app.create_app()
t3 = time.perf_counter()
print(json.dumps({"import_mockserver_app": t1 - t0, "import_uvicorn": t2 - t1, "create_app": t3 - t2}))
"""


def startup(runs: int = 9, ref: str | None = None) -> dict[str, Any]:
    """Spawn to first ready, as a user starting the sidecar sees it (the installed wheel), interleaved
    with this checkout's console script (an editable install: no JSON specs), WireMock's standalone
    jar (when it can be had: the same-run yardstick on a machine whose speed drifts) and, with ``ref``,
    that commit's checkout (byte-compiled first, as an install would be); plus the in-process share
    of the installed start."""
    with contextlib.ExitStack() as stack:
        servers: dict[str, tuple[Callable[[int, str], list[str]], dict[str, str], Path]] = {}
        unavailable = None
        try:
            site: Path | None = stack.enter_context(peer.installed_wheel())
        except peer.UnavailableError as exc:
            site, unavailable = None, str(exc)
        if site is not None:
            servers["wheel"] = (kratos_mock_module_argv, python_env(site), site.parent)
        servers["checkout"] = (kratos_mock_argv, python_env(), ROOT)
        ref_info = None
        if ref is not None:
            tree, ref_info = stack.enter_context(peer.ref_checkout(ref))
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(tree / "mockserver")], check=True, timeout=300
            )
            servers["ref"] = (kratos_mock_module_argv, python_env(tree), tree)
        wiremock: dict[str, Any] = {}
        try:
            jar, java_bin = peer.wiremock_jar(), peer.java()
            root = peer.wiremock_root(
                Path(stack.enter_context(tempfile.TemporaryDirectory())), b"{}", "x", "text/plain"
            )
            servers["wiremock"] = (
                lambda port, _level: peer.wiremock_argv(java_bin, jar, port, root),
                dict(os.environ),
                ROOT,
            )
            wiremock = {"version": peer.WIREMOCK_VERSION, "java": peer.java_version(java_bin)}
        except peer.UnavailableError as exc:
            wiremock = {"skipped": str(exc)}
        samples: dict[str, list[float]] = {name: [] for name in servers}
        for _ in range(runs):
            for name, (argv, env, cwd) in servers.items():
                port = free_port()
                with Server(argv(port, "warning"), port, env=env, cwd=cwd) as server:
                    samples[name].append(server.start(timeout=90))
        breakdown = subprocess.run(
            [sys.executable, "-c", _STARTUP_BREAKDOWN],
            capture_output=True,
            text=True,
            cwd=site.parent if site else ROOT,
            env=python_env(site) if site else python_env(),
            timeout=60,
            check=True,
        )
    headline = samples["wheel" if site else "checkout"]
    median = statistics.median(headline)
    result: dict[str, Any] = {
        "measured": "installed wheel" if site else "checkout (editable)",
        "runs_s": headline,
        "median_s": median,
        "target_s": STARTUP_TARGET_S,
        "ok": median <= STARTUP_TARGET_S,
        "checkout": {"runs_s": samples["checkout"], "median_s": statistics.median(samples["checkout"])},
        "in_process_s": json.loads(breakdown.stdout.strip().splitlines()[-1]),
    }
    if unavailable:
        result["wheel_unavailable"] = unavailable
    if ref_info is not None:
        result["ref"] = {**ref_info, "runs_s": samples["ref"], "median_s": statistics.median(samples["ref"])}
    if "wiremock" in samples:
        wiremock.update(runs_s=samples["wiremock"], median_s=statistics.median(samples["wiremock"]))
    result["wiremock"] = wiremock
    return result


def throughput(load: Load, warmup: float = 1.0) -> dict[str, Any]:
    """Get-identity req/s with the access log off and on: what logging costs a busy test suite."""
    servers = {
        "access_log_off": kratos_mock_argv(free_port(), "warning"),
        "access_log_on": kratos_mock_argv(free_port(), "info"),
    }
    result: dict[str, Any] = interleaved(load, servers, warmup=warmup)
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


# --- peers: a git ref, the bare ASGI app and WireMock, interleaved with this checkout -----------------


def _capture_answer() -> tuple[bytes, str, str]:
    """This checkout's answer to ``GET /admin/identities/{id}`` (body, Content-Type, id), from a throw-away
    server: the bytes the bare app and WireMock will serve."""
    port = free_port()
    with Server(kratos_mock_module_argv(port, "warning"), port) as server:
        server.start()
        identity_id = create_identity(port)
        status, headers, body = get_full(port, f"/admin/identities/{identity_id}")
    if status != 200:
        raise RuntimeError(f"GET /admin/identities/{{id}} answered {status}")
    return body, headers.get("content-type", "application/json"), identity_id


def _ratios(summaries: dict[str, dict[str, Any]], bases: Sequence[str]) -> dict[str, dict[str, float]]:
    """Every server's median req/s divided by each base's (``rps_vs_<base>``): above 1 is faster."""
    out: dict[str, dict[str, float]] = {}
    for name, summary in summaries.items():
        rps = summary["median"]["rps"]
        out[name] = {f"rps_vs_{base}": rps / summaries[base]["median"]["rps"] for base in bases if base != name}
    return out


def compare(
    load: Load, ref: str | None = None, warmup: float = 1.0, access_log_pair: bool = False
) -> dict[str, dict[str, Any]]:
    """One interleaved run over this checkout's server, ``ref``'s, the bare ASGI app and WireMock.

    Returns ``{"peers": ...}``, and with ``access_log_pair`` also ``{"throughput": ...}`` in the format of
    ``throughput()`` (its ``access_log_off`` server is then the peers' ``current``).
    """
    tree = peer.describe_tree()
    peer.mockserver_origin(ROOT)
    body, content_type, identity_id = _capture_answer()
    try:
        jar, java_bin = peer.wiremock_jar(), peer.java()
        wiremock: dict[str, Any] = {
            "version": peer.WIREMOCK_VERSION,
            "jar": jar.name,
            "java": peer.java_version(java_bin),
        }
    except peer.UnavailableError as exc:
        print(str(exc), file=sys.stderr)
        wiremock = {"skipped": str(exc)}

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kratos-mock-bench-peers-")))
        specs: dict[str, Spawn] = {}
        labels: dict[str, str] = {}
        if access_log_pair:
            for name, level in (("access_log_off", "warning"), ("access_log_on", "info")):
                port = free_port()
                specs[name] = Spawn(kratos_mock_argv(port, level), port)
            current = "access_log_off"
        else:
            port = free_port()
            specs["current"] = Spawn(kratos_mock_module_argv(port, "warning"), port)
            current = "current"
        labels[current] = (
            f"this checkout ({tree['commit'][:12]}{' + uncommitted changes' if tree['uncommitted_changes'] else ''})"
        )
        ref_info = None
        if ref is not None:
            ref_tree, ref_info = stack.enter_context(peer.ref_checkout(ref))
            ref_info["imports_from"] = peer.mockserver_origin(ref_tree)
            port = free_port()
            specs["ref"] = Spawn(kratos_mock_module_argv(port, "warning"), port, env=python_env(ref_tree), cwd=ref_tree)
            labels["ref"] = f"git ref {ref} ({ref_info['commit'][:12]}: {ref_info['subject']})"
        body_file = tmp / "body.json"
        body_file.write_bytes(body)
        port = free_port()
        specs["bare_asgi"] = Spawn(
            variant_argv("bare", port, "warning", "--body-file", str(body_file), "--content-type", content_type), port
        )
        labels["bare_asgi"] = "bare ASGI app on uvicorn (httptools, uvloop, 1 worker, access log off), fixed body"
        if "skipped" not in wiremock:
            port = free_port()
            root = peer.wiremock_root(tmp / "wiremock", body, identity_id, content_type)
            specs["wiremock"] = Spawn(peer.wiremock_argv(java_bin, jar, port, root), port, start_timeout=90)
            labels["wiremock"] = f"WireMock {peer.WIREMOCK_VERSION} standalone jar, static stub, no request journal"
        summaries = interleaved(load, specs, warmup=warmup)

    servers: dict[str, Any] = {}
    for name, summary in summaries.items():
        key = "current" if name == current else name
        servers[key] = {"what": labels.get(name, name), **specs[name].info, **summary}
    bases = [b for b in ("bare_asgi", "wiremock", "ref") if b in servers]
    peers_result: dict[str, Any] = {
        "servers": servers,
        "ratios": _ratios(servers, bases),
        "current": tree,
        "ref": ref_info,
        "wiremock": wiremock,
        "body_bytes": len(body),
        "order": [("current" if n == current else n) for n in specs],
        "load": load.tool,
        "runs": load.runs,
        "warmup_s": warmup,
        "note": "one interleaved run (each server in turn, per run); medians of the runs; ratios are req/s over req/s",
    }
    if wiremock.get("skipped"):
        servers["wiremock"] = {"skipped": wiremock["skipped"]}
        peers_result["order"].append("wiremock")
    out: dict[str, dict[str, Any]] = {}
    if access_log_pair:
        pair: dict[str, Any] = {name: summaries[name] for name in ("access_log_off", "access_log_on")}
        pair["target_rps"] = THROUGHPUT_TARGET_RPS
        pair["ok"] = pair["access_log_off"]["median"]["rps"] >= THROUGHPUT_TARGET_RPS
        pair["load"] = load.tool
        out["throughput"] = pair
    out["peers"] = peers_result
    return out


# --- in-process clients (what a pytest suite without a socket pays) ---------------------------------


def inprocess(requests: int = 500, warmup: int = 20) -> dict[str, Any]:
    """Per-request seconds of get and create identity through in-process clients, interleaved.

    Every client has its own fresh app (same store size as the others at every step). Each round times
    one request of each (client, operation) in turn; the status is checked outside the timing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient notice about httpx; connexion's deprecations
        import httpx
        from starlette.testclient import TestClient

        from mockserver.app import Settings, create_app

    base = "http://testserver"
    emails = itertools.count()

    def new_body() -> dict[str, Any]:
        return {**BODY, "traits": {"email": f"inprocess{next(emails)}@example.com"}}

    loop = asyncio.new_event_loop()
    timed: dict[tuple[str, str], Callable[[], float]] = {}
    with contextlib.ExitStack() as stack:
        stack.callback(loop.close)

        async_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings=Settings(base_url=base))), base_url=base
        )
        stack.callback(lambda: loop.run_until_complete(async_client.aclose()))

        async def timed_async(method: str, url: str, body: Any) -> tuple[float, Any]:
            began = time.perf_counter()
            response = await async_client.request(method, url, json=body)
            return time.perf_counter() - began, response

        def async_send(method: str, url: str, body: Any = None) -> tuple[float, Any]:
            return loop.run_until_complete(timed_async(method, url, body))

        def sync_sender(client: Any) -> Callable[..., tuple[float, Any]]:
            def send(method: str, url: str, body: Any = None) -> tuple[float, Any]:
                began = time.perf_counter()
                response = client.request(method, url, json=body)
                return time.perf_counter() - began, response

            return send

        entered = stack.enter_context(TestClient(create_app(settings=Settings(base_url=base)), base_url=base))
        no_with = TestClient(create_app(settings=Settings(base_url=base)), base_url=base)  # a portal per request
        senders: dict[str, Callable[..., tuple[float, Any]]] = {
            "httpx_asgi_transport": async_send,
            "testclient": sync_sender(entered),
            "testclient_no_with": sync_sender(no_with),
        }
        for kind, send in senders.items():
            _, created = send("POST", "/admin/identities", new_body())  # the identity every get fetches
            assert created.status_code == 201, created.text
            url = f"/admin/identities/{created.json()['id']}"

            def get_one(send: Callable[..., tuple[float, Any]] = send, url: str = url) -> float:
                elapsed, response = send("GET", url)
                assert response.status_code == 200, response.text
                return elapsed

            def create_one(send: Callable[..., tuple[float, Any]] = send) -> float:
                elapsed, response = send("POST", "/admin/identities", new_body())
                assert response.status_code == 201, response.text
                return elapsed

            timed[(kind, "get_identity")] = get_one
            timed[(kind, "create_identity")] = create_one
        for _ in range(warmup):  # connexion builds parts of its chain on first use
            for fn in timed.values():
                fn()
        gc.collect()
        samples: dict[tuple[str, str], list[float]] = {key: [] for key in timed}
        for _ in range(requests):
            for key, fn in timed.items():
                samples[key].append(fn())

    import mockserver

    out: dict[str, Any] = {"requests": requests, "warmup": warmup, "unit": "microseconds per request"}
    out["imports_from"] = str(Path(mockserver.__file__).parent)
    for (kind, op), values in samples.items():
        ordered = sorted(values)
        out.setdefault(kind, {})[op] = {
            "median_us": statistics.median(ordered) * 1e6,
            "p90_us": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1e6,
            "p99_us": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e6,
        }
    out["note"] = (
        "each client on its own fresh create_app(); httpx.AsyncClient(transport=ASGITransport) awaited on one "
        "asyncio loop (timed inside the coroutine); TestClient inside `with` (one portal thread) and without "
        "(a portal per request); create_identity grows the store by one per request"
    )
    return out
