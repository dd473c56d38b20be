"""``kratos-mock shadow``: a proxy that answers with the real Kratos and checks the mock on the side.

Every request is forwarded to the upstream, whose answer goes back to the caller as received
(status, headers, body bytes; only hop-by-hop headers are the proxy's own). The same request is then
replayed on an in-process mock loaded, at start, with the upstream's state (``export``), and the two
answers are compared (``shadow_compare``) into a report (``shadow_report``); what the upstream makes,
the mock adopts (``shadow_ids``). A user's own test suite run against the shadow so learns where the
mock and their Kratos disagree, for exactly the calls their code makes.

Requests are handled one at a time (upstream, then mock): the mock must see writes in the order the
upstream did, or concurrent callers would make differences of their own.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send

from .app import KratosMockApp, Settings, create_app
from .clock import SystemClock
from .export import export_fixture
from .shadow_compare import Answer, decoded, differences
from .shadow_ids import AdoptingEntropy, IdMap, accepted
from .shadow_report import ShadowReport

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"te", b"trailer", b"upgrade"}
)
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"content-length"}  # httpx writes these for the upstream
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UPSTREAM_TIMEOUT = 30.0
MOCK_JOURNAL = 100  # the in-process mock's journal: nobody reads it, the report is the record


class ShadowApp:
    """The ASGI app of ``kratos-mock shadow``: ``upstream`` answers, ``mock`` is compared."""

    def __init__(
        self,
        upstream: str,
        mock: KratosMockApp,
        report: ShadowReport | None = None,
        *,
        timeout: float = UPSTREAM_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.mock = mock
        self.report = report or ShadowReport(self.upstream)
        self.ids = IdMap()
        self.entropy = AdoptingEntropy(mock.store.entropy.state())
        mock.store.entropy = self.entropy
        # No keep-alive: the client's sockets then never outlive a request (no pool to close at exit).
        self._client = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_keepalive_connections=0),
            follow_redirects=False,
        )
        for name in list(self._client.headers):  # send the caller's headers, not httpx's defaults
            del self._client.headers[name]
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; websockets are not Kratos'
            return
        body = await _read_body(receive)
        async with self._lock:
            try:
                status, headers, raw, client = await self._forward(scope, body)
            except httpx.HTTPError as exc:
                self.report.error(f"{_request_line(scope)}: the upstream did not answer ({type(exc).__name__})")
                await _send(send, 502, [(b"content-type", b"application/json")], _bad_gateway(exc))
                return
            try:
                seen = self._as_upstream_saw(scope, client)
                await self._shadow(seen, body, Answer(status, _names(headers), _content(headers, raw)))
            except Exception as exc:  # the caller gets the real answer whatever the mock does
                self.report.error(f"{_request_line(scope)}: replay on the mock failed ({type(exc).__name__}: {exc})")
        await _send(send, status, headers, raw)

    async def _forward(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes, Any]:
        """The upstream's answer as received: raw headers (hop-by-hop left out) and undecoded body;
        and the address the upstream saw the request come from."""
        url = self.upstream + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in NOT_FORWARDED]
        request = self._client.build_request(scope["method"], url, headers=headers, content=body)
        response = await self._client.send(request, stream=True)
        stream = response.extensions.get("network_stream")
        client = stream.get_extra_info("client_addr") if stream is not None else None
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        kept = [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]
        return response.status_code, kept, raw, client

    def _as_upstream_saw(self, scope: Scope, client: Any) -> Scope:
        """The request as the upstream received it: its own Host, the proxy's address as the client
        (flows' ``request_url`` and sessions' devices then agree)."""
        host = httpx.URL(self.upstream).netloc
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"host"]
        return {**scope, "headers": [(b"host", host), *headers], "client": tuple(client) if client else scope["client"]}

    async def _shadow(self, scope: Scope, body: bytes, upstream: Answer) -> None:
        mock, operation = await self._adopting_replay(scope, body, upstream)
        shown = Answer(
            mock.status,
            tuple((k, self.ids.to_upstream(v)) for k, v in mock.headers),
            self.ids.to_upstream(mock.body.decode("utf-8", "replace")).encode(),
        )
        label = operation or f"{scope['method']} {_UUID.sub('{id}', scope['path'])}"
        self.report.record(label, _request_line(scope), differences(upstream, shown), upstream, shown)

    async def _adopting_replay(self, scope: Scope, body: bytes, upstream: Answer) -> tuple[Answer, str | None]:
        """The replay; a request the upstream accepted is run a second time, from the same state, if
        the first run drew ids or session tokens where the upstream's answer has others (a create; a
        GET that makes a self-service flow; a login): then what the mock made carries the upstream's."""
        entropy, store = self.entropy, self.mock.store
        entropy.clear()
        if not accepted(upstream.status):
            return await self._replay(scope, body)
        snapshot = store.snapshot()
        try:
            mock, operation = await self._replay(scope, body)
            if accepted(mock.status) and entropy.adopt(upstream, mock):
                store.restore(snapshot)
                mock, operation = await self._replay(scope, body)
            self.ids.learn(upstream, mock, entropy.made)  # what could not be adopted
            return mock, operation
        finally:
            entropy.clear()
            store.release(snapshot)

    def _header_to_mock(self, name: bytes, value: str) -> str:
        value = self.ids.to_mock(value)
        return self.ids.cookies_to_mock(value) if name.lower() == b"cookie" else value

    async def _replay(self, scope: Scope, body: bytes) -> tuple[Answer, str | None]:
        """The request, with the upstream's ids as the mock knows them, through the mock's ASGI app."""
        to_mock = self.ids.to_mock
        new_body = to_mock(body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        headers = [
            (k, self._header_to_mock(k, v.decode("latin-1")).encode("latin-1"))
            for k, v in scope["headers"]
            if k.lower() not in (b"content-length", b"accept-encoding")
        ]
        if body or any(k.lower() == b"content-length" for k, _ in scope["headers"]):
            headers.append((b"content-length", str(len(new_body)).encode()))
        path = to_mock(scope["path"])
        replay = {
            **scope,
            "path": path,
            "raw_path": to_mock(scope.get("raw_path", path.encode()).decode("latin-1")).encode("latin-1"),
            "query_string": to_mock(scope.get("query_string", b"").decode("latin-1")).encode("latin-1"),
            "headers": headers,
            "extensions": {},
        }
        messages: list[Message] = []
        done = asyncio.Event()
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": new_body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def collect(message: Message) -> None:
            messages.append(message)

        try:
            await self.mock(replay, receive, collect)
        finally:
            done.set()
        start = next(m for m in messages if m["type"] == "http.response.start")
        headers_out = [(k, v) for k, v in start.get("headers", [])]
        raw = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        routing = replay["extensions"].get("connexion_routing") or {}
        return Answer(start["status"], _names(headers_out), _content(headers_out, raw)), routing.get("operation_id")


def create_shadow(
    upstream: str,
    *,
    public_url: str | None = None,
    base_url: str | None = None,
    token: str | None = None,
    api: str = "v26.2",
    seed: int | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    report: ShadowReport | None = None,
) -> ShadowApp:
    """A shadow of ``upstream``: its state exported now (``export_fixture``, with ``/schemas`` from
    ``public_url``; urllib's errors propagate) into a fresh mock of generation ``api`` that follows
    ``config`` (the upstream's kratos.yml) and reports the upstream's URLs: ``base_url`` (default
    ``upstream``) in ``Location``, ``public_url`` (default: the config's, else ``base_url``) in links."""
    document = export_fixture(upstream, public_url=public_url, token=token)
    settings = Settings(base_url=(base_url or upstream).rstrip("/"), public_url=public_url, journal_size=MOCK_JOURNAL)
    mock = create_app(api=api, seed=seed, clock=SystemClock(), settings=settings, fixtures=[document], config=config)
    return ShadowApp(upstream, mock, report)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _names(headers: Sequence[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in headers)


def _content(headers: Sequence[tuple[bytes, bytes]], raw: bytes) -> bytes:
    encoding = next((v.decode("latin-1").strip().lower() for k, v in headers if k.lower() == b"content-encoding"), None)
    return decoded(raw, encoding)


def _request_line(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope['method']} {scope['path']}" + (f"?{query}" if query else "")


def _bad_gateway(exc: Exception) -> bytes:
    message = f"kratos-mock shadow: the upstream did not answer ({type(exc).__name__})"
    error: dict[str, Any] = {"code": 502, "status": "Bad Gateway", "message": message}
    return json.dumps({"error": error}).encode()
