"""Servers for the flask-vs-async and peers benchmarks (started by ``bench/run.py``; not part of the package).

    python bench/variants.py async --port 8001 [--log-level warning]
    python bench/variants.py flask --port 8002 [--log-level warning]
    python bench/variants.py bare --port 8003 --body-file BODY.json [--log-level warning]

``async``: the connexion ``AsyncApp`` that ``create_app`` builds (our async handlers), served bare,
without the ``KratosMockApp`` front matter (path rewriting, token check, body cap), so both variants
have exactly the same layers. ``flask``: a connexion ``FlaskApp`` on the same spec dict and the same
middleware list, with sync functions: ``getIdentity``/``createIdentity`` call the same store and
``wire.identity_json``; the health probes answer; every other operation is a 501. Both are served by
``mockserver.server.serve`` (one uvicorn worker, the CLI's uvicorn options).

``bare``: the "Python ceiling" of the peers benchmark: a plain ASGI callable, no framework, on uvicorn
with the settings the mock gets (httptools, uvloop, one worker, no lifespan, no ``server`` header) and
the access log off. It answers ``GET /admin/identities/{any id}`` with the bytes of ``--body-file``
(the mock's own answer, captured by the benchmark) and the mock's ``Content-Type`` and
``Cache-Control``; ``POST /admin/identities`` with 201 and the same body; ``GET /health/ready`` with
200; anything else with 404. It imports nothing from ``mockserver``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from harness import HOST, NO_CACHE

JSON = {"Content-Type": "application/json"}  # the health probes declare several media types
IDENTITIES = "/admin/identities"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def bare_app(body: bytes, content_type: str = "application/json; charset=utf-8") -> ASGIApp:
    """A minimal ASGI app answering the benchmark's requests with fixed bytes (see the module docstring)."""
    ready = b'{"status":"ok"}'
    missing = b'{"error":{"code":404,"status":"Not Found"}}'

    def headers(payload: bytes) -> list[tuple[bytes, bytes]]:
        return [
            (b"content-type", content_type.encode()),
            (b"cache-control", NO_CACHE["Cache-Control"].encode()),
            (b"content-length", str(len(payload)).encode()),
        ]

    answers = {
        200: {"type": "http.response.start", "status": 200, "headers": headers(body)},
        201: {"type": "http.response.start", "status": 201, "headers": headers(body)},
        "ready": {"type": "http.response.start", "status": 200, "headers": headers(ready)},
        404: {"type": "http.response.start", "status": 404, "headers": headers(missing)},
    }
    body_msg = {"type": "http.response.body", "body": body}
    ready_msg = {"type": "http.response.body", "body": ready}
    missing_msg = {"type": "http.response.body", "body": missing}

    async def app(
        scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":  # no lifespan (uvicorn runs with lifespan="off"), no websockets
            return
        method, path = scope["method"], scope["path"]
        if method == "GET" and path.startswith(IDENTITIES + "/") and "/" not in path[len(IDENTITIES) + 1 :]:
            start, payload = answers[200], body_msg
        elif method == "POST" and path == IDENTITIES:
            while (await receive()).get("more_body"):  # drain the request body
                pass
            start, payload = answers[201], body_msg
        elif method == "GET" and path == "/health/ready":
            start, payload = answers["ready"], ready_msg
        else:
            start, payload = answers[404], missing_msg
        await send(start)
        await send(payload)

    return app


def serve_bare(app: ASGIApp, port: int, log_level: str) -> None:
    """uvicorn as ``mockserver.server`` configures it, with httptools and uvloop named (not "auto") and
    the access log off."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        loop="uvloop",
        http="httptools",
        workers=1,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=3,
    )
    uvicorn.Server(config).run()


def async_app(base_url: str) -> Any:
    """The AsyncApp inside ``create_app``'s result: same store, handlers, spec and middlewares."""
    from mockserver.app import Settings, create_app

    return create_app(settings=Settings(base_url=base_url)).connexion


def flask_app(base_url: str) -> Any:
    """A FlaskApp with sync functions over the same store and wire format."""
    import uuid

    from connexion import FlaskApp
    from connexion.jsonifier import Jsonifier
    from connexion.lifecycle import ConnexionResponse
    from connexion.resolver import Resolver

    from mockserver import wire
    from mockserver.app import default_schemas
    from mockserver.clock import Entropy, SystemClock
    from mockserver.errors import KratosError
    from mockserver.identity_schemas import SchemaRegistry
    from mockserver.spec import load_spec
    from mockserver.store import Store
    from mockserver.tuning import MIDDLEWARES
    from mockserver.values import NIL_UUID

    store = Store(
        SchemaRegistry(default_schemas()), clock=SystemClock(), entropy=Entropy(), public_url=base_url.rstrip("/")
    )

    def get_identity(id: str, include_credential: list[str] | None = None) -> Any:
        try:
            key = str(uuid.UUID(id))
        except ValueError:
            key = NIL_UUID
        identity = store.get_identity(key)
        body = wire.identity_json(
            identity, store.public_url, credentials="declassify", include=include_credential or ()
        )
        return body, 200, NO_CACHE

    def create_identity(body: Any = None) -> Any:
        identity = store.create_identity(wire.parse_create_body(body))
        location = {"Location": f"{base_url}/identities/{identity.id}"}
        return (
            wire.identity_json(identity, store.public_url, credentials="meta", metadata_admin="if-set"),
            201,
            location,
        )

    def health(**_: Any) -> Any:
        return {"status": "ok"}, 200, {**NO_CACHE, **JSON}

    def not_implemented(**_: Any) -> Any:
        return {"error": {"code": 501, "status": "Not Implemented", "message": "not in the flask variant"}}, 501, JSON

    def kratos_error(_request: Any, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, KratosError)
        return ConnexionResponse(status_code=exc.code, mimetype="application/json", body=wire.dumps(exc.envelope()))

    functions = {
        "getIdentity": get_identity,
        "createIdentity": create_identity,
        "isAlive": health,
        "isReady": health,
    }
    app = FlaskApp(__name__, middlewares=list(MIDDLEWARES))
    app.add_api(
        load_spec(),
        resolver=Resolver(function_resolver=lambda op_id: functions.get(op_id, not_implemented)),
        strict_validation=False,
        validate_responses=False,
        # compact JSON like mockserver.wire.dumps (connexion's Flask default pretty-prints with indent=2)
        jsonifier=Jsonifier(json, separators=(",", ":"), ensure_ascii=False),
    )
    app.add_error_handler(KratosError, kratos_error)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("async", "flask", "bare"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--body-file", type=Path, help="bare: the bytes GET /admin/identities/{id} answers")
    parser.add_argument("--content-type", default="application/json; charset=utf-8", help="bare: its Content-Type")
    args = parser.parse_args()
    if args.kind == "bare":
        if args.body_file is None:
            parser.error("bare needs --body-file")
        serve_bare(bare_app(args.body_file.read_bytes(), args.content_type), args.port, args.log_level)
        return

    from mockserver.server import bind, serve, url_for

    sock = bind(HOST, args.port)
    base_url = url_for(HOST, sock.getsockname()[1])
    app = flask_app(base_url) if args.kind == "flask" else async_app(base_url)
    serve(app, sock, log_level=args.log_level)


if __name__ == "__main__":
    main()
