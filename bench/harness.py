"""The machinery under the benchmarks: server processes, HTTP load, and fair (interleaved) timing.

Kept apart from the cases so a new benchmark only says what it measures; how a server is started,
when it counts as ready and how load is generated stay the same for every number in results.json.
Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
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
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:  # in-process cases import this checkout's mockserver, not an installed one
    sys.path.insert(1, str(ROOT))
HOST = "127.0.0.1"  # variants.py binds here too: the readiness wait and the load must find the server
BODY = {"schema_id": "default", "traits": {"email": "bench@example.com"}}
NO_CACHE = {"Cache-Control": "private, no-cache, no-store, must-revalidate"}  # what the mock sends with identities
WRK_HINT = "wrk not found: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk); using Python load"


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    """A port the OS just handed out; the server binds it a moment later (good enough on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def python_env(tree: Path = ROOT) -> dict[str, str]:
    """This environment with ``tree`` first on PYTHONPATH, so ``mockserver`` is imported from that checkout.

    The venv may hold an editable install of another checkout (a ``.pth`` path): PYTHONPATH comes first.
    What PYTHONPATH held already (Flask for flask-vs-async, say) stays after it.
    """
    rest = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), *([rest] if rest else [])])}


def kratos_mock_args(port: int, log_level: str) -> list[str]:
    """The CLI arguments every benchmark starts the mock with (one uvicorn worker, no reloader)."""
    return ["run", "--port", str(port), "--log-level", log_level]


def kratos_mock_argv(port: int, log_level: str) -> list[str]:
    """The console script of the venv running this file (falls back to ``python -m mockserver``),
    so startup is measured the way users start the mock."""
    script = Path(sys.executable).parent / "kratos-mock"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]
    return [*command, *kratos_mock_args(port, log_level)]


def kratos_mock_module_argv(port: int, log_level: str) -> list[str]:
    """``python -m mockserver run ...``: how a checkout without an install (a ``--ref`` worktree) is started."""
    return [sys.executable, "-m", "mockserver", *kratos_mock_args(port, log_level)]


def variant_argv(kind: str, port: int, log_level: str = "warning", *extra: str) -> list[str]:
    """A server from ``bench/variants.py``: a bare AsyncApp or FlaskApp, or the bare ASGI app."""
    return [sys.executable, str(BENCH / "variants.py"), kind, "--port", str(port), "--log-level", log_level, *extra]


def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """One GET on a fresh connection: status and body."""
    status, _headers, body = get_full(port, path, timeout)
    return status, body


def get_full(port: int, path: str, timeout: float = 2.0) -> tuple[int, dict[str, str], bytes]:
    """One GET on a fresh connection: status, headers (lower-case names) and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def create_identity(port: int) -> str:
    """Create the identity every load run fetches; its id."""
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
    """A server subprocess; ``start`` returns the seconds from spawn to the first 200 on /health/ready.

    Output goes to a temporary file so a failed start can show why; the file is removed on ``stop``.
    """

    def __init__(
        self, argv: list[str], port: int, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        self.argv = argv
        self.port = port
        self.env = dict(env) if env is not None else python_env()
        self.cwd = cwd or ROOT
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="kratos-mock-bench-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self, timeout: float = 20.0, poll: float = 0.005) -> float:
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.cwd, env=self.env)
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
        """SIGTERM (so cProfile and uvicorn can finish), SIGKILL after 8 s."""
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
    """Requests/s, latency (ms) and errors from ``wrk --latency`` output, in the Python generator's keys."""
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
    """One wrk run (whole seconds: wrk takes no fractions)."""
    url = f"http://{HOST}:{port}{path}"
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", url]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30, check=True)
    return parse_wrk(result.stdout)


def python_load(port: int, path: str, connections: int, duration: float) -> dict[str, Any]:
    """Closed-loop load without wrk: one thread and one keep-alive connection per connection.

    It costs more CPU than wrk, and that CPU is taken from the server sharing the machine, so its
    req/s are a lower bound.
    """
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
    """The configured load: wrk when available, the Python generator otherwise (or when asked)."""

    def __init__(self, connections: int, threads: int, duration: float, runs: int, python_load: bool = False) -> None:
        self.connections = connections
        self.threads = threads
        self.duration = duration
        self.runs = runs
        self.use_wrk = not python_load and shutil.which("wrk") is not None
        if not self.use_wrk and not python_load:
            print(WRK_HINT, file=sys.stderr)

    @property
    def tool(self) -> str:
        """How the load was made, recorded next to every number it produced."""
        if self.use_wrk:
            return f"wrk -t{self.threads} -c{self.connections} -d{round(self.duration)}s"
        return f"python threads, {self.connections} keep-alive http.client connections, {self.duration:g} s"

    def run(self, port: int, path: str, duration: float | None = None) -> dict[str, Any]:
        seconds = self.duration if duration is None else duration
        if self.use_wrk:
            return wrk_load(port, path, self.connections, self.threads, seconds)
        return python_load(port, path, self.connections, seconds)


# --- fair comparisons --------------------------------------------------------------------------


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-metric medians over the runs (the runs themselves are kept too)."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)]
    return {"median": {k: statistics.median(r[k] for r in runs if k in r) for k in keys}, "runs": runs}


@dataclass
class Spawn:
    """How to start one server of an interleaved comparison (a bare argv list means the defaults)."""

    argv: list[str]
    port: int
    env: Mapping[str, str] | None = None  # default: this environment with this checkout first on PYTHONPATH
    cwd: Path | None = None  # default: the checkout
    start_timeout: float = 20.0  # a JVM on a busy machine needs more
    info: dict[str, Any] = field(default_factory=dict)  # filled in: start_s, body_bytes


def _spawn(spec: list[str] | Spawn) -> Spawn:
    if isinstance(spec, Spawn):
        return spec
    return Spawn(spec, int(spec[spec.index("--port") + 1]))


def interleaved(load: Load, servers: Mapping[str, list[str] | Spawn], warmup: float = 1.0) -> dict[str, dict[str, Any]]:
    """Start every server, create the identity, warm up (1 s), then run A, B, A, B, ... (fair against drift).

    Each server must answer ``GET /health/ready`` with 200 once it is up and ``POST /admin/identities``
    with 201 and a JSON object with an ``id``; the load is ``GET /admin/identities/{that id}``. Seconds
    from spawn to ready and the size of the answer's body are left in ``Spawn.info`` when a ``Spawn`` is given.
    """
    specs = {name: _spawn(spec) for name, spec in servers.items()}
    with contextlib.ExitStack() as stack:
        targets: dict[str, tuple[int, str]] = {}
        for name, spec in specs.items():
            server = stack.enter_context(Server(spec.argv, spec.port, env=spec.env, cwd=spec.cwd))
            spec.info["start_s"] = server.start(timeout=spec.start_timeout)
            path = f"/admin/identities/{create_identity(spec.port)}"
            status, body = get(spec.port, path)
            if status != 200:
                raise RuntimeError(f"{name}: GET {path} answered {status}")
            spec.info["body_bytes"] = len(body)
            if warmup > 0:
                load.run(spec.port, path, duration=warmup)
            targets[name] = (spec.port, path)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}
        for i in range(load.runs):
            for name, (port, path) in targets.items():
                result = load.run(port, path)
                runs[name].append(result)
                print(f"  {name} run {i + 1}/{load.runs}: {result['rps']:,.0f} req/s", file=sys.stderr)
    return {name: summarize(r) for name, r in runs.items()}


K = TypeVar("K", bound=Hashable)


def interleaved_medians(fns: dict[K, Callable[[], Any]], reps: int) -> dict[K, float]:
    """Median seconds per function, timing them in turn (A, B, A, B, ...) so background noise hits all alike."""
    samples: dict[K, list[float]] = {key: [] for key in fns}
    for _ in range(reps):
        for key, fn in fns.items():
            began = time.perf_counter()
            fn()
            samples[key].append(time.perf_counter() - began)
    return {key: statistics.median(values) for key, values in samples.items()}
