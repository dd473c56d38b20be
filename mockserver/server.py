"""Serving the app with uvicorn: in the foreground (CLI) or on a background thread (tests)."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from .app import KratosMockApp


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port, read back with ``getsockname``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    """The URL clients use: wildcard binds are reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def _config(app: KratosMockApp, log_level: str, access_log: bool, log_format: str = "text") -> uvicorn.Config:
    extra: dict[str, Any] = {}
    if log_format == "json":
        from .logs import json_config

        extra["log_config"] = json_config(log_level)
    return uvicorn.Config(
        app,
        **extra,
        log_level=log_level,
        access_log=access_log,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=3,
    )


def serve(app: KratosMockApp, sock: socket.socket, *, log_level: str = "info", log_format: str = "text") -> None:
    """Serve until SIGINT/SIGTERM, then drain and return (exit status 0, not death by signal).

    uvicorn handles the signal and, once shut down, raises it again against the handlers that were
    installed before it started: ours just note it, so the process ends normally.
    """
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda s, _f: received.append(s)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.Server(_config(app, log_level, access_log=True, log_format=log_format)).run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class BackgroundServer:
    """A uvicorn server on a thread, for clients that need a real URL (SDKs, other processes)."""

    def __init__(
        self,
        app_factory: Callable[[str], KratosMockApp] | KratosMockApp,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        """``app_factory`` builds the app for the URL the server got (port 0: a free one), or is
        an app already built (one that follows its clients' ``Host``, ``Settings.follow_host``)."""
        self._sock = bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        self.url = url_for(host, self.port)
        self.app = app_factory if isinstance(app_factory, KratosMockApp) else app_factory(self.url)
        self._server = uvicorn.Server(_config(self.app, log_level, access_log=False))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mock server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
