"""The public (``frontend``-tagged) operations as a second connexion API over the same handlers.

Kratos decodes self-service bodies itself (ory/x decoderx: JSON or forms, its own errors, flow
messages for invalid fields), so connexion must not validate or even type-check them: the served
copy of these operations accepts any media type and the handlers read the raw body. Parameters
are still validated by the spec, except the pagination ones Kratos reads leniently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _connexion  # noqa: F401 - first: imports connexion without its import-time warnings

# isort: split
from connexion import AsyncApp
from connexion.datastructures import MediaTypeDict
from connexion.resolver import Resolver
from connexion.validators import AbstractRequestBodyValidator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import tuning

TAG = "frontend"
# migrationpagination reads unparsable page parameters as the defaults; Kratos parses booleans
# with strconv.ParseBool (errors: false) and answers a missing flow id itself (400 or 404)
LENIENT = frozenset(
    {
        "per_page",
        "page",
        "page_size",
        "page_token",
        "refresh",
        "return_session_token_exchange_code",
        "flow",
        "id",
        "init_code",
        "return_to_code",
    }
)


def _tagged(op: Any) -> bool:
    return isinstance(op, dict) and TAG in (op.get("tags") or [])


def split(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the document without frontend operations, a document of only those) — None when it has none.

    Both share everything below an operation with ``document``: only the top level, ``paths``, the
    path items and the operations whose body is replaced are copies, so ``document`` is not changed
    (connexion deep-copies what it is given; a deep copy here cost 14 ms of a cold start)."""
    admin = _paths_copied(document)
    public = _paths_copied(document)
    found = False
    for path in list(document.get("paths", {})):
        for method, op in list(document["paths"][path].items()):
            if _tagged(op):
                found = True
                del admin["paths"][path][method]
                if op.get("requestBody") is not None:
                    public["paths"][path][method] = {**op, "requestBody": {"content": {"*/*": {}}}}
            elif method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
                del public["paths"][path][method]
        for doc in (admin, public):
            item = doc["paths"][path]
            if not any(isinstance(v, dict) and "operationId" in v for v in item.values()):
                del doc["paths"][path]
    return admin, (public if found else None)


def _paths_copied(document: dict[str, Any]) -> dict[str, Any]:
    paths = document.get("paths", {})
    return {**document, "paths": {path: dict(item) for path, item in paths.items()}}


class UnreadBody(AbstractRequestBodyValidator):
    """Leaves the body alone: the handler decodes it as Kratos does."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        return receive, scope


def add(
    app: AsyncApp,
    document: dict[str, Any],
    handlers: Mapping[str, Callable[..., Any]],
    *,
    name_of: Callable[[str], str],
    lenient: frozenset[str],
) -> None:
    """Like ``tuning.add_api`` (compiled parameter validators, Go's query parser), bodies unread."""
    tuning.register(
        app,
        document,
        resolver=Resolver(function_resolver=lambda op_id: handlers[name_of(op_id)]),
        strict_validation=False,
        validate_responses=False,
        validator_map={
            "parameter": tuning.parameter_validator_class(lenient | LENIENT),
            "body": MediaTypeDict({"*/*": UnreadBody}),
        },
        uri_parser_class=tuning.GoQueryParser,
    )


BODY_KEY = "kratos_mock.body"
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def keep_body(inner: ASGIApp) -> ASGIApp:
    """A front-door step: self-service request bodies are read once, kept in the scope's shared
    ``extensions`` (``BODY_KEY``) and replayed, so the handlers decode them as Kratos does even
    after connexion has parsed a form for itself. The body cap runs before this step."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not scope["path"].startswith("/self-service/")
        ):
            await inner(scope, receive, send)
            return
        chunks: list[bytes] = []
        pending: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                pending.append(message)
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope.setdefault("extensions", {})[BODY_KEY] = body
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *pending]

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await inner(scope, replayed, send)

    return app
