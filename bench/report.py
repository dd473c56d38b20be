"""Turning case results into what people read: the table on stdout, results.json, and the machine
facts (CPUs, load, how busy the box was) without which a number cannot be compared with another."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness import Load

BUSY_WARNING = 0.15  # share of CPU in use by others before a section that makes us warn


# --- machine facts -----------------------------------------------------------------------------


def meta(load: Load | None) -> dict[str, Any]:
    """The ``meta`` entry of results.json; ``cpu_busy_before`` is filled in by ``section``."""
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


# --- output ------------------------------------------------------------------------------------


def _load_cell(summary: dict[str, Any]) -> str:
    m = summary["median"]
    return f"{m['rps']:>8,.0f} req/s  p50 {m['p50_ms']:.1f} ms  p99 {m['p99_ms']:.1f} ms  err {m['errors']:.0f}"


def _rows(results: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(what, measured, target) for every case present in ``results``."""
    if "startup" in results:
        s = results["startup"]
        what = f"startup to first ready, {s.get('measured', 'checkout')} (median of {len(s['runs_s'])})"
        yield (what, f"{s['median_s']:.3f} s", f"<= {s['target_s']:.1f} s")
        if "wheel_unavailable" in s:
            yield ("  installed wheel", f"not measured: {s['wheel_unavailable']}", "")
        elif "checkout" in s:
            yield ("  this checkout's console script (YAML specs)", f"{s['checkout']['median_s']:.3f} s", "")
        wiremock = s.get("wiremock") or {}
        if "median_s" in wiremock:
            ratio = f"{s['median_s'] / wiremock['median_s']:.2f}x WireMock"
            yield (f"  WireMock {wiremock['version']} standalone", f"{wiremock['median_s']:.3f} s", ratio)
        if "ref" in s:
            ratio = f"{s['median_s'] / s['ref']['median_s']:.2f}x the ref"
            yield (f"  git ref {s['ref']['given']} ({s['ref']['commit'][:12]})", f"{s['ref']['median_s']:.3f} s", ratio)
        parts = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in s["in_process_s"].items())
        yield ("  in-process share", parts, "")
    if "throughput" in results:
        t = results["throughput"]
        yield ("get identity, access log off", _load_cell(t["access_log_off"]), f">= {t['target_rps']:,.0f} req/s")
        yield ("get identity, access log on", _load_cell(t["access_log_on"]), "")
    if "pages" in results:
        p = results["pages"]
        for n in (k for k in p if k.isdigit()):
            r = p[n]
            yield (
                f"page of 250 @ {int(n):,} identities",
                f"{r['page_ms']:.2f} ms (store {r['store_only_ms']:.3f} ms; in-process HTTP "
                f"{r['http_ms']:.1f} ms); {int(n):,} creates {r['create_s']:.1f} s",
                "",
            )
        ratio = p["ratio"]
        yield (
            "  ratio largest/smallest",
            f"page {ratio['page_ms']:.2f}x, store {ratio['store_only_ms']:.2f}x, HTTP {ratio['http_ms']:.2f}x",
            "~1.0x",
        )
    if "restore" in results:
        for n, r in ((k, v) for k, v in results["restore"].items() if k.isdigit()):
            yield (
                f"restore between tests @ {int(n):,} identities",
                f"{r['restore_ms_median']:.3f} ms median, p99 {r['restore_ms_p99']:.3f} ms",
                "<= 1 ms",
            )
    if "fixture_load" in results:
        f = results["fixture_load"]
        for kind in ("json", "yaml"):
            label = f"load {f['identities']:,} identities ({kind} file)"
            yield (label, f"{f[kind]['load_s_median']:.2f} s median", "<= 2 s")
    if "flask_vs_async" in results:
        f = results["flask_vs_async"]
        if "skipped" in f:
            yield ("flask vs async", "skipped", f["skipped"])
        else:
            yield ("AsyncApp (our async handlers)", _load_cell(f["async"]), "")
            yield ("FlaskApp (sync variant)", _load_cell(f["flask"]), f"{f['flask_over_async']:.2f}x async")
    if "peers" in results:
        p = results["peers"]
        yield (f"peers: get identity, {p['body_bytes']:,} B body", "interleaved, same run", "req/s ratio")
        for name in p["order"]:
            server = p["servers"][name]
            if "skipped" in server:
                yield (f"  {name}", "skipped", server["skipped"].splitlines()[0])
                continue
            ratios = ", ".join(f"{v:.2f}x {k.removeprefix('rps_vs_')}" for k, v in p["ratios"][name].items())
            yield (f"  {name} (ready in {server['start_s']:.2f} s)", _load_cell(server), ratios)
    if "inprocess" in results:
        r = results["inprocess"]
        for kind in (k for k, v in r.items() if isinstance(v, dict)):
            cells = ", ".join(f"{op} {v['median_us']:,.0f} us (p99 {v['p99_us']:,.0f})" for op, v in r[kind].items())
            yield (f"in-process {kind}", cells, f"median of {r['requests']}")
    if "soak" in results:
        k = results["soak"]
        yield (
            f"soak: {k['requests']:,} requests, {k['clients']} clients, {k['hostile_share']:.0%} hostile 63 KB",
            f"RSS {k['rss_start_mb']:.0f} -> peak {k['rss_peak_mb']:.0f} MB, journal {k['journal_entries']:,}",
            f"<= {k['bound_mb']:.0f} MB",
        )
    if "profile" in results:
        yield ("profiled run (cProfile on, slower)", f"{results['profile']['load']['rps']:,.0f} req/s", "")
        for row in results["profile"]["top_by_tottime"][:15]:
            yield (f"  {row['tottime_s']:.2f} s self", row["function"], f"{row['calls']} calls")


def table(results: dict[str, Any]) -> str:
    """Three aligned columns: what, measured, target."""
    rows = list(_rows(results))
    width = max(len(r[0]) for r in rows)
    middle = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:<{middle}}  {c}".rstrip() for a, b, c in rows)


def print_summary(results: dict[str, Any], load: Load | None, per_server_runs: bool) -> None:
    """The table, preceded by the setup and followed by a note for each section run on a busy machine."""
    print(f"\nkratos-mock bench  ({results['meta']['cpus']} CPUs shared by server and load generator; 127.0.0.1)")
    if load is not None:
        print(f"load: {load.tool}" + (f"; {load.runs} runs per server, medians" if per_server_runs else ""))
    print(table(results))
    for name, busy in results["meta"]["cpu_busy_before"].items():
        if busy is not None and busy > BUSY_WARNING:
            print(f"note: CPU was {busy:.0%} busy with other work before '{name}'; its numbers are pessimistic")


def write_results(path: Path, results: dict[str, Any]) -> None:
    """The whole run as one JSON document (results.json replaces the previous run: no merging)."""
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {path}")
