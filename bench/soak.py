"""The soak of issue #16: 8 clients, hostile 63 KB array bodies mixed into ordinary traffic, far past
the journal's 10,000 entries; the server's resident memory sampled throughout.

The bound it is read against: the journal keeps at most 32 MiB of request bytes, so the server's
RSS should level off (well under 300 MB) instead of growing with every hostile request.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any

from harness import HOST, Server, create_identity, free_port, kratos_mock_argv

HOSTILE = b"[" + b",".join([b"[]"] * 21_000) + b"]"
RSS_BOUND_MB = 300.0


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def soak(requests: int = 30_000, clients: int = 8, hostile_every: int = 4) -> dict[str, Any]:
    """``requests`` in all; every ``hostile_every``-th is a hostile create (400), the rest GET an identity."""
    port = free_port()
    with Server(kratos_mock_argv(port, "warning"), port) as server:
        server.start()
        assert server.proc is not None
        identity = create_identity(port)
        counter = iter(range(requests))
        lock = threading.Lock()
        statuses: dict[int, int] = {}
        samples: list[float] = []
        done = threading.Event()

        def client() -> None:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                if n % hostile_every == 0:
                    conn.request("POST", "/admin/identities", HOSTILE, {"Content-Type": "application/json"})
                else:
                    conn.request("GET", f"/admin/identities/{identity}")
                response = conn.getresponse()
                response.read()
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
            conn.close()

        def sampler() -> None:
            assert server.proc is not None
            while not done.wait(0.25):
                samples.append(_rss_mb(server.proc.pid))

        watcher = threading.Thread(target=sampler, daemon=True)
        watcher.start()
        start_rss = _rss_mb(server.proc.pid)
        started = time.perf_counter()
        workers = [threading.Thread(target=client) for _ in range(clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        done.set()
        watcher.join()
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        conn.request("GET", "/__mock__/health")
        health = json.loads(conn.getresponse().read())
        conn.close()
    peak = max(samples or [start_rss])
    return {
        "requests": requests,
        "clients": clients,
        "hostile_share": 1 / hostile_every,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": elapsed,
        "rss_start_mb": start_rss,
        "rss_peak_mb": peak,
        "rss_end_mb": samples[-1] if samples else start_rss,
        "journal_entries": health.get("journal"),
        "bound_mb": RSS_BOUND_MB,
        "within_bound": peak <= RSS_BOUND_MB,
    }
