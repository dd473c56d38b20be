"""The server against slow clients: SIGTERM during a slow upload, and a header read timeout.

Kratos' admin server (cmd/daemon/serve.go, serveAdmin) is a Go http.Server with
``ReadHeaderTimeout: 5 * time.Second`` behind ory/graceful: on SIGTERM it stops accepting, lets
requests in flight finish, and connections still open when it gives up are dropped, unanswered.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockserver import create_app
from mockserver.server import HEADER_TIMEOUT, SHUTDOWN_GRACE, BackgroundServer

SLOW_UPLOAD_HEAD = (
    b"POST /admin/identities HTTP/1.1\r\nHost: kratos\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100000\r\n\r\n"
)


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def stop(self) -> tuple[str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.communicate(timeout=15)

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def wait(self) -> tuple[str, str]:
        """After ``terminate``: no second signal (one arriving after uvicorn restored the
        default handlers would kill a process that was about to exit 0)."""
        return self.proc.communicate(timeout=15)


@pytest.fixture
def served() -> Iterator[Served]:
    """``python -m mockserver run --port 0`` in a real process, ready to serve."""
    root = str(Path(__file__).resolve().parents[1])  # this checkout's mockserver, not an installed one
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "run", "--port", "0", "--seed", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    assert match, line + proc.stderr.read()
    server = Served(proc, int(match.group(1)))
    deadline = time.monotonic() + 15
    while _status(server, b"GET /health/ready HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n") != 200:
        assert proc.poll() is None and time.monotonic() < deadline, "the mock did not become ready"
        time.sleep(0.05)
    try:
        yield server
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _status(server: Served, request: bytes) -> int | None:
    try:
        with server.connect() as sock:
            sock.sendall(request)
            head = sock.recv(64)
    except OSError:
        return None
    match = re.match(rb"HTTP/1\.1 (\d{3})", head)
    return int(match.group(1)) if match else None


def _read_until_closed(sock: socket.socket) -> bytes:
    """What the server sends before it closes the connection (a reset counts as closed)."""
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def _trickle(sock: socket.socket, payload: bytes, every: float, stop: threading.Event) -> threading.Thread:
    def run() -> None:
        while not stop.wait(every):
            try:
                sock.sendall(payload)
            except OSError:
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _assert_quiet(out: str, err: str) -> None:
    log = out + err
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
    assert "CancelledError" not in log and " 500" not in log, log


# --- SIGTERM ----------------------------------------------------------------------------------------


def test_sigterm_during_a_slow_upload_exits_0_within_5s_without_a_traceback_or_500(served: Served) -> None:
    """The upload never completes: after the grace period its connection is dropped unanswered."""
    sock = served.connect()
    sock.sendall(SLOW_UPLOAD_HEAD + b'{"traits": ')
    stop = threading.Event()
    _trickle(sock, b" ", 0.2, stop)
    time.sleep(0.3)  # the request is in the app, waiting for its body
    started = time.monotonic()
    served.terminate()
    out, err = served.wait()
    elapsed = time.monotonic() - started
    stop.set()
    assert served.proc.returncode == 0, err
    assert elapsed < 5.0, f"took {elapsed:.1f}s to exit"
    assert elapsed >= SHUTDOWN_GRACE - 0.5  # it did wait for the request first
    _assert_quiet(out, err)
    assert "Dropping 1 connection(s) still open" in err
    sock.settimeout(2)
    assert _read_until_closed(sock) == b""  # dropped, not answered with a 500
    sock.close()


def test_sigterm_lets_an_upload_that_finishes_in_the_grace_period_complete(served: Served) -> None:
    body = b'{"schema_id": "default", "traits": {"email": "late@example.com"}}'
    sock = served.connect()
    sock.sendall(
        b"POST /admin/identities HTTP/1.1\r\nHost: kratos\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    time.sleep(0.3)
    served.terminate()
    time.sleep(0.5)
    sock.sendall(body[10:])
    sock.settimeout(5)
    response = _read_until_closed(sock)
    sock.close()
    out, err = served.wait()
    assert response.startswith(b"HTTP/1.1 201 "), response
    assert b"connection: close" in response.lower()  # uvicorn ends keep-alive while shutting down
    assert served.proc.returncode == 0, err
    _assert_quiet(out, err)


# --- header read timeout ----------------------------------------------------------------------------


def test_slowloris_connections_are_closed_after_the_header_timeout(served: Served) -> None:
    """Go's ReadHeaderTimeout: trickled headers, or none at all, are cut off unanswered after 5 s,
    while the server keeps answering everyone else."""
    trickling, idle = served.connect(), served.connect()
    trickling.sendall(b"GET /admin/identities HTTP/1.1\r\nHost: kratos\r\n")
    stop = threading.Event()
    _trickle(trickling, b"X-Slow: 1\r\n", 0.5, stop)
    started = time.monotonic()
    assert _status(served, b"GET /health/alive HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n") == 200
    results: dict[str, tuple[bytes, float]] = {}

    def wait(name: str, sock: socket.socket) -> None:
        sock.settimeout(HEADER_TIMEOUT + 5)
        results[name] = (_read_until_closed(sock), time.monotonic() - started)

    waiters = [threading.Thread(target=wait, args=item) for item in (("trickling", trickling), ("idle", idle))]
    for thread in waiters:
        thread.start()
    for thread in waiters:
        thread.join()
    stop.set()
    for name, (data, elapsed) in results.items():
        assert data == b"", (name, data)
        assert HEADER_TIMEOUT - 0.5 <= elapsed <= HEADER_TIMEOUT + 2.0, (name, elapsed)
    trickling.close()
    idle.close()
    out, err = served.stop()
    assert served.proc.returncode == 0, err
    assert err.count("sent no complete request headers within 5.0 s") == 2, err
    _assert_quiet(out, err)


def test_the_header_timer_restarts_with_each_request_and_spares_bodies() -> None:
    """On a kept-alive connection each request's headers get the full timeout from their first
    byte; a slow *body* is not a header timeout (Kratos' ReadTimeout is not reproduced)."""
    with BackgroundServer(lambda url: create_app(seed=1), header_timeout=0.6) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            for idle in (0.0, 0.4):
                time.sleep(idle)  # kept alive between requests: only each request's own time counts
                sock.sendall(b"GET /health/alive HTTP/1.1\r\nHost: k\r\n")
                time.sleep(0.3)
                sock.sendall(b"\r\n")
                assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
            sock.sendall(b"GET /health/alive HTTP/1.1\r\n")
            started = time.monotonic()
            assert _read_until_closed(sock) == b""
            assert 0.4 <= time.monotonic() - started <= 2.0
        body = b'{"schema_id": "default", "traits": {"email": "slow-body@example.com"}}'
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(
                b"POST /admin/identities HTTP/1.1\r\nHost: k\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            for index in range(0, len(body), 20):
                time.sleep(0.25)  # 1 s for the body, longer than the header timeout
                sock.sendall(body[index : index + 20])
            assert sock.recv(4096).startswith(b"HTTP/1.1 201 ")


def test_background_server_stops_promptly_with_a_stuck_upload() -> None:
    server = BackgroundServer(lambda url: create_app(seed=1)).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(SLOW_UPLOAD_HEAD + b"{")
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < SHUTDOWN_GRACE + 1.5
    assert _read_until_closed(sock) == b""
    sock.close()
    [entry] = server.app.journal.entries()
    assert (entry.method, entry.path) == ("POST", "/admin/identities")
