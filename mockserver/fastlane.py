"""The fast lane: bodyless Kratos operations served by a plan compiled once per operation.

Connexion stays the router and validator of record: each plan is built from connexion's own
operation objects (the ones its request-validation middleware holds), validates with the same parameter
validator class and URI parser, binds arguments with connexion's ``get_arguments``, sets the same
context variables (handlers read ``connexion.request``) and renders errors with the same
``rendering`` table; the middlewares the app adds after connexion's routing (faults) wrap it too.
What it skips is per-request machinery that gives the same answer every time: three router
passes, five middleware layers, the decorator chain and its ``inspect.signature`` call, a
validator and URI parser built per request.

It serves a request only when connexion would provably pick the same operation: a method and path
that match exactly one lane route, whose template overlaps no other route of any API or method
(else starlette could answer 405 or pick another route). Everything else (bodies, HEAD, the
control plane, ``root_path``) goes to connexion unchanged.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _connexion  # noqa: F401 - first: imports connexion without its import-time warnings

# isort: split
from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.parameter import get_arguments, sanitized
from connexion.frameworks.starlette import starlettify_path
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.operations import AbstractOperation
from connexion.utils import inspect_function_arguments
from starlette.convertors import Convertor
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import KratosError
from .rendering import Renderer, send_error

ROUTING = "connexion_routing"  # connexion's scope extension: api_base_path and operation_id
PLAN = "kratos_mock.plan"  # the lane's plan for the request, in the scope's extensions
NO_FILES: dict[str, Any] = {}
BOUND_LIMIT = 1024  # argument bindings kept per operation
SCALARS = (str, int, float, bool, type(None))  # what a kept binding can share with a handler


@dataclass(frozen=True)
class Route:
    """One connexion operation as starlette matches it."""

    api: int  # which API (connexion chains APIs of one base path: an earlier API's 405 wins)
    method: str
    template: str  # the OpenAPI path, e.g. /admin/identities/{id}
    operation: AbstractOperation
    base_path: str
    validation: Any  # connexion's RequestValidationOperation for it (validator map, strictness)

    @functools.cached_property
    def segments(self) -> list[str]:
        """Starlette matches the whole path: ``/a/{b}`` has the segments ``a`` and ``{b}``."""
        return self.template.strip("/").split("/")

    @functools.cached_property
    def rest(self) -> int | None:
        """The first segment that is a ``path`` parameter (it matches slashes too), if any."""
        kinds = self.operation.get_path_parameter_types()
        wild = (
            i
            for i, segment in enumerate(self.segments)
            if segment.startswith("{") and kinds.get(segment.strip("{}")) == "path"
        )
        return next(wild, None)


@dataclass(frozen=True)
class Plan:
    """Everything a request of one operation needs, built once."""

    route: Route
    pattern: Any  # re.Pattern[str], starlette's own for this path
    convertors: dict[str, Convertor[Any]]
    function: Callable[..., Awaitable[Any]]
    validator: Any  # the API's ParameterValidator subclass, bound to this operation
    uri_parser: Any
    arguments: list[str]
    has_kwargs: bool
    routing: dict[str, Any]
    # Validation and binding depend only on the path, the query and the headers of the header and
    # cookie parameters (``keyed_headers``, lower-case): a request with the same ones binds to the
    # same arguments, so those are kept (bounded). Failures are never kept.
    keyed_headers: frozenset[bytes]
    bound: dict[Any, dict[str, Any]] = field(default_factory=dict)


def _overlap(a: Route, b: Route) -> bool:
    """Could one concrete path match both templates? A parameter matches one non-empty segment;
    a ``path`` parameter any rest of the path (so only the segments before it are compared)."""
    sa, sb = a.segments, b.segments
    rests = [r for r in (a.rest, b.rest) if r is not None]
    if rests:
        sa, sb = sa[: min(rests)], sb[: min(rests)]
    elif len(sa) != len(sb):
        return False
    return all(x == y or "{" in x or "{" in y for x, y in zip(sa, sb, strict=False))


def _may_shadow(other: Route, route: Route) -> bool:
    """Starlette takes the first full match in a router, else its first partial one (a 405);
    connexion chains the APIs of one base path, so an earlier API's partial match wins too."""
    if other.base_path != route.base_path or other.api < route.api:
        return True
    return other.api == route.api and other.method == route.method


def lane_routes(routes: Sequence[Route], eligible: Callable[[Route], bool]) -> list[Route]:
    """The eligible routes no other route can shadow (``_may_shadow`` with an overlapping template);
    the rest are left to connexion."""
    chosen = []
    for route in routes:
        if not eligible(route) or route.rest is not None:
            continue
        rivals = (other for other in routes if other is not route and _may_shadow(other, route))
        if not any(_overlap(route, other) for other in rivals):
            chosen.append(route)
    return chosen


def eligible(route: Route) -> bool:
    """Bodyless operations of the non-strict (Kratos) APIs whose handler returns a Response."""
    operation = route.operation
    annotation = getattr(operation.function, "__annotations__", {}).get("return")
    return not operation.consumes and not route.validation.strict_validation and annotation in (Response, "Response")


def connexion_routes(connexion_app: Any) -> list[Route]:
    """Every operation connexion serves, from its built middleware stack (built now if needed)."""
    middleware = connexion_app.middleware
    if middleware.middleware_stack is None:
        middleware.app, middleware.middleware_stack = middleware._build_middleware_stack()
    validation = next(app for app in middleware.middleware_stack if isinstance(app, RequestValidationMiddleware))
    routes = []
    for base_path, apis in validation.apis.items():
        for index, api in enumerate(apis):
            for checked in api.operations.values():
                op = checked._operation
                routes.append(Route(index, op.method.upper(), op.path, op, base_path, checked))
    return routes


class FastLane:
    """An ASGI app: plans for the lane's routes, connexion for everything else."""

    def __init__(
        self,
        connexion_app: Any,
        renderers: Iterable[tuple[type[Exception], Renderer]],
        around: Sequence[Callable[[ASGIApp], ASGIApp]] = (),
    ) -> None:
        """``around``: the middlewares the app adds to connexion after its routing (e.g. faults),
        applied to the lane's requests in the same order; they see the same scope (operationId in
        ``connexion_routing``) and, as in connexion, the handler's exceptions pass through them."""
        self.connexion = connexion_app
        routes = connexion_routes(connexion_app)
        self.renderers = dict(renderers)
        self.plans: dict[tuple[str | int, ...], list[Plan]] = {}
        for route in lane_routes(routes, eligible):
            plan = _compile(route)
            self.plans.setdefault(_bucket(route), []).append(plan)
        served: ASGIApp = self._serve
        for wrap in reversed(around):
            served = wrap(served)
        self._served = served

    def __len__(self) -> int:
        return sum(len(plans) for plans in self.plans.values())

    def _match(self, method: str, path: str) -> tuple[Plan, dict[str, Any]] | None:
        count = path.count("/")
        prefix = path.split("/", 3)[1:3]
        for candidates in (self.plans.get((method, count, *prefix)), self.plans.get((method, count))):
            for plan in candidates or ():
                found = plan.pattern.match(path)
                if found is not None:
                    params = {k: plan.convertors[k].convert(v) for k, v in found.groupdict().items()}
                    return plan, params
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = None
        if scope["type"] == "http" and not scope.get("root_path"):
            matched = self._match(scope["method"], scope["path"])
        if matched is None:
            await self.connexion(scope, receive, send)
            return
        plan, params = matched
        scope["path_params"] = params
        extensions = scope.setdefault("extensions", {})
        extensions[ROUTING] = dict(plan.routing)
        extensions[PLAN] = plan
        try:
            await self._served(scope, receive, send)
        except Exception as exc:  # every error renders as connexion's ExceptionMiddleware would
            error = self._render(scope, receive, exc)
            await send_error(send, error, scope, error.headers)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._call(scope["extensions"][PLAN], scope, receive)
        await response(scope, receive, send)

    async def _call(self, plan: Plan, scope: Scope, receive: Receive) -> Response:
        _context.set(scope["extensions"].get("connexion_context", {}))
        _operation.set(plan.route.operation)
        _receive.set(receive)
        _scope.set(scope)
        headers = plan.keyed_headers
        key = (
            scope["path"],
            scope.get("query_string", b""),
            tuple(pair for pair in scope["headers"] if pair[0].lower() in headers) if headers else (),
        )
        kept = plan.bound.get(key)
        if kept is None:
            kept = self._bind(plan, scope, receive)
            if len(plan.bound) >= BOUND_LIMIT:
                plan.bound.clear()
            plan.bound[key] = kept
        kwargs = {k: v if isinstance(v, SCALARS) else copy.deepcopy(v) for k, v in kept.items()}
        response = await plan.function(**kwargs)
        if not isinstance(response, Response):
            raise TypeError(f"{plan.route.operation.operation_id} returned {type(response).__name__}, not a Response")
        return response

    @staticmethod
    def _bind(plan: Plan, scope: Scope, receive: Receive) -> dict[str, Any]:
        """Validate the parameters and bind the handler's arguments, exactly as connexion does."""
        request = ConnexionRequest(scope, receive, uri_parser=plan.uri_parser)
        plan.validator.validate_request(request)
        kwargs = get_arguments(
            plan.route.operation,
            path_params=request.path_params,
            query_params=request.query_params,
            body=None,
            files=NO_FILES,
            arguments=plan.arguments,
            has_kwargs=plan.has_kwargs,
            sanitize=sanitized,
            content_type=request.mimetype,
        )
        return {sanitized(k): v for k, v in kwargs.items()}

    def _render(self, scope: Scope, receive: Receive, exc: Exception) -> KratosError:
        for cls in type(exc).__mro__:
            render = self.renderers.get(cls)  # type: ignore[call-overload]
            if render is not None:
                return render(ConnexionRequest(scope, receive), exc)
        raise exc  # unreachable: Exception itself has a renderer


def _bucket(route: Route) -> tuple[str | int, ...]:
    """Where a route's plan is looked up: by method, segment count and, when both are static,
    the first two segments (a lane route matches a path only if no other lane route does, so
    the bucket order cannot change the answer)."""
    segments = route.segments
    prefix = segments[:2]
    if any("{" in segment for segment in prefix):
        return (route.method, len(segments))
    return (route.method, len(segments), *prefix)


def _compile(route: Route) -> Plan:
    operation = route.operation
    validator_class = route.validation._validator_map["parameter"]
    path = starlettify_path(route.base_path + route.template, operation.get_path_parameter_types())
    pattern, _, convertors = compile_path(path)
    function = operation.function
    arguments, has_kwargs = inspect_function_arguments(function)
    uri_parser = operation._uri_parser_class(operation.parameters, operation.body_definition())
    validator = validator_class(operation.parameters, uri_parser=uri_parser, strict_validation=False)
    routing = {"api_base_path": route.base_path, "operation_id": operation.operation_id}
    keyed_headers = frozenset(
        (b"cookie" if p["in"] == "cookie" else p["name"].lower().encode())
        for p in operation.parameters
        if p["in"] in ("header", "cookie")
    )
    return Plan(
        route, pattern, convertors, function, validator, uri_parser, arguments, has_kwargs, routing, keyed_headers
    )
