"""Servers for the flask-vs-async benchmark (started by ``bench/run.py``; not part of the package).

    python bench/variants.py async --port 8001 [--log-level warning]
    python bench/variants.py flask --port 8002 [--log-level warning]

``async``: the connexion ``AsyncApp`` that ``create_app`` builds (our async handlers), served bare,
without the ``KratosMockApp`` front matter (path rewriting, token check, body cap), so both variants
have exactly the same layers. ``flask``: a connexion ``FlaskApp`` on the same spec dict and the same
middleware list, with sync functions: ``getIdentity``/``createIdentity`` call the same store and
``wire.identity_json``; the health probes answer; every other operation is a 501. Both are served by
``mockserver.server.serve`` (one uvicorn worker, the CLI's uvicorn options).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from connexion.resolver import Resolver
from harness import HOST

from mockserver.app import Settings, create_app, default_schemas
from mockserver.clock import Entropy, SystemClock
from mockserver.errors import KratosError
from mockserver.identity_schemas import SchemaRegistry
from mockserver.server import bind, serve, url_for
from mockserver.spec import load_spec
from mockserver.store import Store
from mockserver.tuning import MIDDLEWARES
from mockserver.values import NIL_UUID

NO_CACHE = {"Cache-Control": "private, no-cache, no-store, must-revalidate"}
JSON = {"Content-Type": "application/json"}  # the health probes declare several media types


def async_app(base_url: str) -> Any:
    """The AsyncApp inside ``create_app``'s result: same store, handlers, spec and middlewares."""
    return create_app(settings=Settings(base_url=base_url)).connexion


def flask_app(base_url: str) -> Any:
    """A FlaskApp with sync functions over the same store and wire format."""
    import uuid

    from connexion import FlaskApp
    from connexion.jsonifier import Jsonifier
    from connexion.lifecycle import ConnexionResponse

    from mockserver import wire

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
    parser.add_argument("kind", choices=("async", "flask"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    sock = bind(HOST, args.port)
    base_url = url_for(HOST, sock.getsockname()[1])
    app = flask_app(base_url) if args.kind == "flask" else async_app(base_url)
    serve(app, sock, log_level=args.log_level)


if __name__ == "__main__":
    main()
