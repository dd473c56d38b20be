"""kratos-mock benchmarks: startup, get-identity throughput, page cost, restore, fixture load, FlaskApp vs AsyncApp,
peers (a git ref, a bare ASGI app, WireMock) and in-process clients.

Run from the checkout with the project's venv::

    /work/venv/bin/python bench/run.py all              # everything but profile (~5 min): a table, bench/results.json
    /work/venv/bin/python bench/run.py all --ref 93f05d9  # ... with that commit's server among the peers
    /work/venv/bin/python bench/run.py startup          # one: startup | throughput | flask-vs-async | pages | restore
                                                        #      | fixture-load | peers | inprocess | profile
    /work/venv/bin/python bench/run.py throughput --runs 1 --duration 5 --python-load
    /work/venv/bin/python bench/run.py throughput --ref 93f05d9 --merge   # + a ref, bare ASGI, WireMock, same run
    /work/venv/bin/python bench/run.py peers            # this checkout vs bare ASGI and WireMock (--ref to add one)
    /work/venv/bin/python bench/run.py inprocess --requests 500   # httpx ASGITransport / TestClient per request
    /work/venv/bin/python bench/run.py profile          # cProfile the server under load, print the top costs

A single command prints its table; ``--merge`` also writes its keys into bench/results.json (or ``--out``),
leaving the other keys as they are (this run's machine facts go to ``meta.merged.<command>``); ``all`` replaces
the file. ``--ref REF`` (any commit, branch or tag of this repository) is checked out into a temporary git
worktree and started as ``python -m mockserver run`` from there. WireMock (npm ``wiremock``, a Java runtime) is
installed on first use into bench/.cache (``apt-get install default-jre-headless`` if ``java`` is missing, as
root); when that is impossible it is skipped and says why (``bench/peers.py``).

What each benchmark measures: ``bench/cases.py``. flask-vs-async needs Flask and a2wsgi: ``pip install
'connexion[flask]'`` (or ``pip install --target DIR flask a2wsgi itsdangerous blinker`` and ``PYTHONPATH=DIR``);
it is skipped when they are missing.

HTTP load comes from ``wrk`` when it is on PATH (Debian/Ubuntu: ``apt-get install wrk``; macOS: ``brew install
wrk``); without it (or with ``--python-load``) a small generator (one thread + one keep-alive ``http.client``
connection per connection) is used: it needs more CPU than wrk, so its numbers may be a lower bound.
Everything talks to 127.0.0.1 only. The server and the load generator run on the same machine and share its
cores (2 on the reference box): req/s measures the pair, not the server alone. Each section first samples how
busy the CPUs are (/proc/stat) and warns when other work would skew it (recorded in results.json).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cases
import soak
from harness import BENCH, Load
from report import meta, print_summary, section, write_results

Case = Callable[[argparse.Namespace, Load | None], dict[str, Any]]  # -> {results.json key: result}


def _sizes(args: argparse.Namespace) -> tuple[int, ...]:
    return tuple(int(s) for s in args.page_sizes.split(","))


def _one(key: str, case: Callable[[argparse.Namespace, Load | None], dict[str, Any]]) -> Case:
    def run(args: argparse.Namespace, load: Load | None) -> dict[str, Any]:
        return {key: case(args, load)}

    return run


def _loaded(key: str, case: Callable[[Load], dict[str, Any]]) -> Case:
    def run(_args: argparse.Namespace, load: Load | None) -> dict[str, Any]:
        assert load is not None
        return {key: case(load)}

    return run


def _throughput(args: argparse.Namespace, load: Load | None) -> dict[str, Any]:
    """The access-log pair; with ``--ref`` the peers join the same interleaving (keys throughput and peers)."""
    assert load is not None
    if args.ref is None:
        return {"throughput": cases.throughput(load, warmup=args.warmup)}
    return cases.compare(load, ref=args.ref, warmup=args.warmup, access_log_pair=True)


def _peers(args: argparse.Namespace, load: Load | None) -> dict[str, Any]:
    assert load is not None
    return cases.compare(load, ref=args.ref, warmup=args.warmup)


# subcommand -> case; in the order they run (and appear in results.json)
CASES: dict[str, Case] = {
    "startup": _one("startup", lambda args, _load: cases.startup(ref=args.ref)),
    "throughput": _throughput,
    "flask-vs-async": _loaded("flask_vs_async", cases.flask_vs_async),
    "pages": _one("pages", lambda args, _load: cases.pages(_sizes(args))),
    "restore": _one("restore", lambda args, _load: cases.restore(_sizes(args))),
    "fixture-load": _one("fixture_load", lambda _args, _load: cases.fixture_load()),
    "peers": _peers,
    "inprocess": _one("inprocess", lambda args, _load: cases.inprocess(args.requests)),
    "soak": _one("soak", lambda args, _load: soak.soak(args.soak_requests)),
    "profile": _loaded("profile", cases.profile),
}
ALL = [name for name in CASES if name != "profile"]  # profiling slows the server: not a number to keep
NEEDS_LOAD = {"throughput", "flask-vs-async", "peers", "profile"}
TAKES_REF = {"all", "throughput", "peers", "startup"}


def merge_into(path: Path, results: dict[str, Any], command: str) -> dict[str, Any]:
    """``path``'s results with this run's keys replaced; this run's ``meta`` under ``meta.merged.<command>``."""
    if not path.exists():
        return results
    merged: dict[str, Any] = json.loads(path.read_text())
    merged.update({key: value for key, value in results.items() if key != "meta"})
    merged.setdefault("meta", {}).setdefault("merged", {})[command] = results["meta"]
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kratos-mock benchmarks (see the module docstring).")
    parser.add_argument("command", choices=("all", *CASES))
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="load runs per server, median reported (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--page-sizes", default="1000,100000", help="store sizes for the page benchmark")
    parser.add_argument("--out", type=Path, help="write JSON here (default for 'all' and --merge: bench/results.json)")
    parser.add_argument(
        "--merge", action="store_true", help="write only this run's keys into the JSON file, keeping the others"
    )
    parser.add_argument(
        "--ref", help="throughput, peers, all: also run this git ref's server (a temporary worktree) among the peers"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="throughput, peers: seconds of load on each server before measuring (default 1)",
    )
    parser.add_argument("--requests", type=int, default=500, help="inprocess: timed requests per client and operation")
    parser.add_argument("--soak-requests", type=int, default=30_000, help="soak: requests in all (default 30,000)")
    args = parser.parse_args(argv)
    if args.ref is not None and args.command not in TAKES_REF:
        parser.error(f"--ref applies to {', '.join(sorted(TAKES_REF))}")

    wanted = ALL if args.command == "all" else [args.command]
    load = None
    if NEEDS_LOAD.intersection(wanted):
        load = Load(args.connections, args.threads, args.duration, args.runs, python_load=args.python_load)
    results: dict[str, Any] = {"meta": meta(load)}
    began = time.perf_counter()
    for name in wanted:
        if name == "peers" and "peers" in results:  # all --ref: throughput already ran the peers with it
            continue
        with section(name, results):
            results.update(CASES[name](args, load))
    results["meta"]["elapsed_s"] = time.perf_counter() - began

    print_summary(results, load, per_server_runs=args.command != "profile")
    out = args.out or (BENCH / "results.json" if args.command == "all" or args.merge else None)
    if out is not None:
        write_results(out, merge_into(out, results, args.command) if args.merge else results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
