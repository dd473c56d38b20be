"""How the mock uses connexion 3.3, in one place (the benchmark's variants import it too).

* The middleware list: ServerError, Exception, Routing, RequestValidation and Context; no Swagger
  UI, no security middleware (auth is a header comparison in the front door), no response
  validation (schemathesis validates responses in the tests), no lifespan.
* Cached operations: connexion rebuilds each handler's decorator chain (``inspect.signature`` and
  all) on every request; the chain reads the request from context at call time, so building it
  once is the same.
* Bundled documents registered without connexion's OpenAPI schema check (``register``): the
  test suite runs that check once per document; per app it cost most of the start-up.
* Bodies of the Kratos APIs parsed, not validated (``GoDecoderBodyValidator``): the handlers
  decode them as Kratos' Go decoder does.
* Compiled parameter validators: connexion deep-copies each parameter schema and builds a new
  ``Draft4Validator`` for every parameter of every request, and reports failures as multi-line
  jsonschema dumps. Ours compiles once per parameter, names the parameter in one line, and uses
  Kratos' texts where Kratos has one (``include_credential``, ``expand``, which Kratos reads
  case-insensitively).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from . import _connexion  # noqa: F401 - first: imports connexion without its import-time warnings

# isort: split
from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import resolve_refs
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.main import API
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import is_null, is_nullable
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator

MIDDLEWARES = [
    ServerErrorMiddleware,
    ExceptionMiddleware,
    RoutingMiddleware,
    RequestValidationMiddleware,
    ContextMiddleware,
]


class CachedOperation(AsyncOperation):
    """An operation whose decorator chain is built once."""

    @functools.cached_property
    def fn(self) -> Callable[..., Any]:  # type: ignore[override]
        return AsyncOperation.fn.fget(self)  # type: ignore[attr-defined]


class CachedApi(AsyncApi):
    def make_operation(self, operation: Any) -> AsyncOperation:
        return CachedOperation.from_operation(operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)


class GoDecoderBodyValidator(JSONRequestBodyValidator):
    """Kratos validates no request body against a schema: Go's JSON decoder reads it into a struct
    and the handler checks what it needs. So for the Kratos APIs connexion only parses the JSON;
    ``godecode`` (through ``wire`` and the handlers) is the one body validator, with the decoder's
    wording. The control plane keeps connexion's validation."""

    def _validate(self, body: Any) -> dict[str, Any] | None:
        return body  # type: ignore[no-any-return]


class GoQueryParser(OpenAPIURIParser):
    """Query arrays as Go's ``url.Values`` gives them to Kratos: one value per occurrence, commas
    kept (``expand=identity,devices`` is one value Kratos cannot parse, not two). Connexion joins
    repeated values with commas and splits them again."""

    @staticmethod
    def _resolve_param_duplicates(values: Any, param_defn: Any, _in: str) -> Any:
        if _in == "query" and isinstance(values, list) and param_defn.get("explode", True):
            return list(values)
        return OpenAPIURIParser._resolve_param_duplicates(values, param_defn, _in)

    @staticmethod
    def _split(value: Any, param_defn: Any, _in: str) -> Any:
        return value if isinstance(value, list) else OpenAPIURIParser._split(value, param_defn, _in)


def new_app(import_name: str = __name__) -> AsyncApp:
    """An ``AsyncApp`` with our middleware list and cached operations."""
    app = AsyncApp(import_name, middlewares=list(MIDDLEWARES))
    app._middleware_app.api_cls = CachedApi  # connexion 3.3 has no public hook for the API class
    return app


def add_api(
    app: AsyncApp,
    document: dict[str, Any],
    handlers: Mapping[str, Callable[..., Any]],
    *,
    name_of: Callable[[str], str],
    strict: bool = False,
    lenient: frozenset[str] = frozenset(),
    go_bodies: bool = False,
) -> None:
    """Serve ``document`` with ``handlers[name_of(operationId)]`` and compiled validators;
    ``go_bodies``: bodies are only parsed, the handlers decode them (``GoDecoderBodyValidator``)."""
    register(
        app,
        document,
        resolver=Resolver(function_resolver=lambda op_id: handlers[name_of(op_id)]),
        strict_validation=strict,
        validate_responses=False,
        validator_map={
            "parameter": parameter_validator_class(lenient),
            **({"body": MediaTypeDict({"*/*json": GoDecoderBodyValidator})} if go_bodies else {}),
        },
        uri_parser_class=GoQueryParser,
    )


class BundledSpecification(OpenAPISpecification):
    """One of the specs shipped with the mock: checked against the OpenAPI 3.0 schema by the test
    suite (``tests/test_tuning.py``), not again by every ``create_app`` (connexion's check costs
    about 0.3 s for the three documents of an app, most of an app's start)."""

    def __init__(self, raw_spec: dict[str, Any], *, base_uri: str = "") -> None:
        # Specification.__init__ without its deep copy of the raw document. ``from_trusted`` hands
        # over fresh dicts, but lists (and what they hold) are shared with the caller's document;
        # connexion changes the raw document only at the top level (``_set_defaults``, the
        # ``base_path`` setter) and resolves references in a deep copy, so neither is written to.
        self._raw_spec = dict(raw_spec)
        self._set_defaults(raw_spec)
        self._spec = resolve_refs(raw_spec, base_uri=base_uri)
        self._base_uri = base_uri

    @classmethod
    def _validate_spec(cls, spec: Any) -> None:
        return None

    @classmethod
    def from_trusted(cls, document: dict[str, Any]) -> BundledSpecification:
        """As ``Specification.from_dict`` makes an OpenAPI 3 one: YAML's integer keys as strings."""
        return cls(_string_keys(document))


def _string_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _string_keys(v) for k, v in node.items()}
    return node


def register(app: AsyncApp, document: dict[str, Any], **options: Any) -> None:
    """``app.add_api(document, **options)`` for a bundled document, without the schema check.

    Connexion 3.3's ``add_api`` loads the document into a ``Specification`` (the check) and keeps
    it with its options for the middleware stack; this does the same with a
    ``BundledSpecification``. A connexion whose internals differ gets the public call."""
    middleware = app.middleware
    try:
        settings = middleware.options.replace(**options)
        api = API(BundledSpecification.from_trusted(document), base_path=None, **settings.__dict__)
    except (AttributeError, TypeError):
        app.add_api(document, **options)
        return
    if middleware.middleware_stack is not None:
        raise RuntimeError("Cannot add api after an application has started")
    middleware.apis.append(api)


_FORMATS = Draft4Validator.FORMAT_CHECKER


def parameter_validator_class(lenient: frozenset[str] = frozenset()) -> type[ParameterValidator]:
    """A validator class with its own cache: one per app, so apps share nothing.

    ``lenient`` names query parameters the handlers parse themselves, as Kratos v0.6 did (a bad
    ``page`` means the default; a missing flow ``id`` is simply not found); ``path:<name>`` names a
    path parameter (v1.0's ``type`` of credential deletion, whose documented enum Kratos ignores)."""
    compiled: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}

    def validator_for(schema: dict[str, Any]) -> Draft4Validator:
        entry = compiled.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = (schema, Draft4Validator(schema, format_checker=_FORMATS))
            compiled[id(schema)] = entry
        return entry[1]

    class KratosParameterValidator(ParameterValidator):
        def validate_parameter(
            self, parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
        ) -> str | None:
            name = param.get("name", param_name)
            if (name in lenient and parameter_type == "query") or f"{parameter_type}:{name}" in lenient:
                return None
            if is_nullable(param) and is_null(value):
                return None
            if value is None:
                return f"Missing {parameter_type} parameter '{name}'" if param.get("required") else None
            if name == "expand" and isinstance(value, list):
                value = [v.lower() if isinstance(v, str) else v for v in value]
            error = next(iter(validator_for(param.get("schema", param)).iter_errors(value)), None)
            if error is None:
                return None
            bad = error.instance
            if name == "expand":
                return f"Could not parse expand option: {bad}"
            if name == "include_credential":
                shown = bad if parameter_type == "query" and error.validator != "enum" else "[]"
                return f"Invalid value `{shown}` for parameter `{name}`."
            return f"Invalid value `{bad}` for {parameter_type} parameter `{name}`: {error.message}"

    return KratosParameterValidator
