"""kratos-mock benchmarks: startup, get-identity throughput, page cost, restore, fixture load, FlaskApp vs AsyncApp.

Run from the checkout with the project's venv::

    /work/venv/bin/python bench/run.py all              # everything but profile (~2.5 min): a table, bench/results.json
    /work/venv/bin/python bench/run.py startup          # one: startup | throughput | flask-vs-async | pages | restore
                                                        #      | fixture-load | profile
    /work/venv/bin/python bench/run.py throughput --runs 1 --duration 5 --python-load
    /work/venv/bin/python bench/run.py profile          # cProfile the server under load, print the top costs

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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cases
from harness import BENCH, Load
from report import meta, print_summary, section, write_results

Case = Callable[[argparse.Namespace, Load | None], dict[str, Any]]


def _sizes(args: argparse.Namespace) -> tuple[int, ...]:
    return tuple(int(s) for s in args.page_sizes.split(","))


def _loaded(case: Callable[[Load], dict[str, Any]]) -> Case:
    def run(_args: argparse.Namespace, load: Load | None) -> dict[str, Any]:
        assert load is not None
        return case(load)

    return run


# subcommand -> (results.json key, case); in the order they run (and appear in results.json)
CASES: dict[str, tuple[str, Case]] = {
    "startup": ("startup", lambda _args, _load: cases.startup()),
    "throughput": ("throughput", _loaded(cases.throughput)),
    "flask-vs-async": ("flask_vs_async", _loaded(cases.flask_vs_async)),
    "pages": ("pages", lambda args, _load: cases.pages(_sizes(args))),
    "restore": ("restore", lambda args, _load: cases.restore(_sizes(args))),
    "fixture-load": ("fixture_load", lambda _args, _load: cases.fixture_load()),
    "profile": ("profile", _loaded(cases.profile)),
}
ALL = [name for name in CASES if name != "profile"]  # profiling slows the server: not a number to keep
NEEDS_LOAD = {"throughput", "flask-vs-async", "profile"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kratos-mock benchmarks (see the module docstring).")
    parser.add_argument("command", choices=("all", *CASES))
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="load runs per server, median reported (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--page-sizes", default="1000,100000", help="store sizes for the page benchmark")
    parser.add_argument("--out", type=Path, help="write JSON here (default for 'all': bench/results.json)")
    args = parser.parse_args(argv)

    wanted = ALL if args.command == "all" else [args.command]
    load = None
    if NEEDS_LOAD.intersection(wanted):
        load = Load(args.connections, args.threads, args.duration, args.runs, python_load=args.python_load)
    results: dict[str, Any] = {"meta": meta(load)}
    began = time.perf_counter()
    for name in wanted:
        key, case = CASES[name]
        with section(name, results):
            results[key] = case(args, load)
    results["meta"]["elapsed_s"] = time.perf_counter() - began

    print_summary(results, load, per_server_runs=args.command != "profile")
    out = args.out or (BENCH / "results.json" if args.command == "all" else None)
    if out is not None:
        write_results(out, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
