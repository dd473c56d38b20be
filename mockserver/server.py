"""Serving the app with uvicorn: in the foreground (CLI) or on a background thread (tests).

Two things uvicorn does not do the way Kratos' Go server does (cmd/daemon/serve.go, serveAdmin):

- **Header read timeout.** Kratos sets ``ReadHeaderTimeout: 5 * time.Second``: a client that has not
  sent its complete request headers 5 s after connecting (or after the first byte of a later request
  on a kept-alive connection) is disconnected without an answer (net/http treats the timeout as a
  common read error and does not reply). uvicorn 0.54 has no such timeout: ``timeout_keep_alive``
  is only armed once a response is complete, so a connection that trickles header bytes, or sends
  none, stays open for ever. ``HeaderTimeoutProtocol`` adds the timer to uvicorn's httptools
  protocol. Not reproduced: Kratos' ``ReadTimeout`` (30 s for headers *and* body) and
  ``WriteTimeout`` (120 s); uvicorn exposes no per-request read or write deadline.
- **Shutdown.** On SIGTERM Go's ``http.Server.Shutdown`` stops accepting, lets in-flight requests
  finish, and when its deadline passes the process exits and the remaining connections are simply
  dropped. uvicorn instead *cancels* the request tasks after ``timeout_graceful_shutdown``: the
  cancellation surfaces inside the app (logged as "Exception in ASGI application" with a
  ``CancelledError`` traceback) and uvicorn answers 500. ``_Server`` drops those connections
  instead, so the app sees ``http.disconnect`` and the client sees a closed connection.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from .app import KratosMockApp

logger = logging.getLogger("uvicorn.error")

HEADER_TIMEOUT = 5.0  # Kratos' admin server: ReadHeaderTimeout: 5 * time.Second (cmd/daemon/serve.go)
SHUTDOWN_GRACE = 3.0  # in-flight requests get this long after SIGTERM, then their connections are dropped
DRAIN_AFTER_DROP = 1.0  # for the app to finish once its client is gone; only then are tasks cancelled


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


def _header_timeout_protocol(timeout: float) -> type[asyncio.Protocol] | str:
    """uvicorn's httptools protocol with a header read timeout (h11, if httptools is missing, has none)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency
        return "auto"

    class HeaderTimeoutProtocol(HttpToolsProtocol):
        """Closes the connection, without an answer, when a request's headers take too long (Go's
        ``ReadHeaderTimeout``): timed from the connection for its first request, and from the first
        byte of each later one (Go waits for that byte under ``IdleTimeout``, uvicorn under
        ``timeout_keep_alive``)."""

        _header_timer: asyncio.TimerHandle | None = None

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            self._header_timer = self.loop.call_later(timeout, self._header_timeout)

        def _cancel_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timeout(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                logger.info("Closing a connection that sent no complete request headers within %.1f s", timeout)
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_header_timer()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_timer is None:
                self._arm_header_timer()

        def on_headers_complete(self) -> None:
            self._cancel_header_timer()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol


class _Server(uvicorn.Server):
    """uvicorn's server, but a shutdown that outlasts its grace drops connections instead of
    cancelling the app's tasks (see the module docstring)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn 0.54 Server.shutdown, up to its timeout
        logger.info("Shutting down")
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        await asyncio.sleep(0.1)
        try:
            await asyncio.wait_for(self._wait_tasks_to_complete(), timeout=SHUTDOWN_GRACE)
        except TimeoutError:
            open_connections = list(self.server_state.connections)
            logger.info("Dropping %d connection(s) still open after %.0f s", len(open_connections), SHUTDOWN_GRACE)
            for connection in open_connections:
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()  # the app's receive() now answers http.disconnect
            try:
                await asyncio.wait_for(self._wait_tasks_to_complete(), timeout=DRAIN_AFTER_DROP)
            except TimeoutError:
                logger.error(
                    "Cancel %s running task(s), timeout graceful shutdown exceeded", len(self.server_state.tasks)
                )
                for task in self.server_state.tasks:
                    task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()


def _config(
    app: ASGIApp,
    log_level: str,
    access_log: bool,
    header_timeout: float | None = HEADER_TIMEOUT,
    log_format: str = "text",
    date_header: bool = True,
) -> uvicorn.Config:
    extra: dict[str, Any] = {}
    if log_format == "json":
        from .logs import json_config

        extra["log_config"] = json_config(log_level)
    return uvicorn.Config(
        app,
        **extra,
        http=_header_timeout_protocol(header_timeout) if header_timeout else "auto",
        log_level=log_level,
        access_log=access_log,
        lifespan="off",
        server_header=False,
        date_header=date_header,  # off for an app that forwards another server's Date (shadow)
    )


def _served(app: ASGIApp, public_sock: socket.socket | None) -> ASGIApp:
    """The app, or with a public socket the app behind ``PortSplit`` (Kratos' public router there)."""
    if public_sock is None:
        return app
    assert isinstance(app, KratosMockApp), "a public port needs the mock itself"
    from .public_port import PortSplit

    port = public_sock.getsockname()[1]
    return PortSplit(app, public_port=port, admin_url=app.settings.base_url, spec=app.generation.spec)


def serve(
    app: ASGIApp,
    sock: socket.socket,
    *,
    log_level: str = "info",
    log_format: str = "text",
    header_timeout: float | None = HEADER_TIMEOUT,
    date_header: bool = True,
    public_sock: socket.socket | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM, then drain and return (exit status 0, not death by signal).
    With ``public_sock`` the same app also listens there as Kratos' public port (``public_port``).

    uvicorn handles the signal and, once shut down, raises it again against the handlers that were
    installed before it started: ours just note it, so the process ends normally.
    """
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda s, _f: received.append(s)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        served = _served(app, public_sock)
        config = _config(served, log_level, True, header_timeout, log_format, date_header)
        _Server(config).run(sockets=[sock, *([public_sock] if public_sock else [])])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class BackgroundServer:
    """A uvicorn server on a thread, for clients that need a real URL (SDKs, other processes)."""

    def __init__(
        self,
        app_factory: Callable[..., KratosMockApp] | KratosMockApp,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        header_timeout: float | None = HEADER_TIMEOUT,
        date_header: bool = True,
        public_port: int | None = None,
    ) -> None:
        """``app_factory`` builds the app for the URL the server got (port 0: a free one), or is
        an app already built (one that follows its clients' ``Host``, ``Settings.follow_host``).

        ``public_port`` (0: a free one) also serves the app there as Kratos' public port
        (``public_port.PortSplit``); the factory is then called with the admin and the public URL,
        ``app_factory(url, public_url)``, so the app can put ``Settings(public_url=...)`` in its
        flows and cookies."""
        self._sock = bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        self.url = url_for(host, self.port)
        self._public_sock = bind(host, public_port) if public_port is not None else None
        self.public_port: int | None = None
        self.public_url: str | None = None
        urls = [self.url]
        if self._public_sock is not None:
            self.public_port = self._public_sock.getsockname()[1]
            self.public_url = url_for(host, self.public_port)
            urls.append(self.public_url)
        try:
            self.app = app_factory if isinstance(app_factory, KratosMockApp) else app_factory(*urls)
        except BaseException:  # e.g. a FixtureError: the sockets bound above are not left open
            for sock in (self._sock, self._public_sock):
                if sock is not None:
                    sock.close()
            raise
        served = _served(self.app, self._public_sock)
        config = _config(served, log_level, access_log=False, header_timeout=header_timeout, date_header=date_header)
        self._server = _Server(config)
        sockets = [self._sock, *([self._public_sock] if self._public_sock else [])]
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": sockets}, daemon=True)

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
        if self._public_sock is not None:
            self._public_sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
