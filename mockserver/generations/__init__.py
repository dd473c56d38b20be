"""Kratos API generations: everything that differs between the releases the mock follows.

A ``Generation`` names its spec, the handler groups that serve it, where its admin routes live,
the query parameters its handlers read leniently, its default fixtures and conformance baseline,
and the store rules of that release. Adding a generation is adding one module here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..store.rules import StoreRules


@dataclass(frozen=True)
class Generation:
    name: str  # what --api takes: "v26.2"
    upstream: str  # the Kratos release tag it follows: "v26.2.0"
    spec: str  # our OpenAPI document, in spec/
    handler_groups: tuple[type, ...]  # classes with one method per operationId
    admin_paths: tuple[str, ...]  # path prefixes that --require-token protects
    # admin paths also answered without the /admin prefix (as on Kratos' admin port)
    unprefixed_admin: tuple[str, ...] = ()
    # a trailing slash is a 404 (Go 1.22 ServeMux, v26.2); False: served as without it (httprouter)
    trailing_slash_404: bool = False
    # admin paths answered with a 307 to /admin + path (Kratos v1.x's admin port)
    redirect_admin: tuple[str, ...] = ()
    lenient_query: frozenset[str] = frozenset()  # query/path parameters the handlers parse themselves
    # (method, path regex) whose JSON body Kratos decodes whatever the Content-Type says
    untyped_json: tuple[tuple[str, str], ...] = ()
    # (path, methods) a Kratos handler serves for more methods than the spec's GET
    any_method: tuple[tuple[str, tuple[str, ...]], ...] = ()
    default_fixtures: str = "default.yaml"  # in fixtures/
    baseline: str = ""  # in conformance/: where Kratos knowingly departs from its own spec
    rules: StoreRules = field(default_factory=StoreRules)


MODULES = {"v26.2": "v26_2", "v1.1": "v1_1", "v1.0": "v1_0", "v0.6": "v0_6"}  # name -> module here
NAMES = tuple(MODULES)  # for --help and argument checking without importing the handlers


def get(name: str) -> Generation:
    """One generation, importing only its module (each pulls in its handlers)."""
    if name not in MODULES:
        raise ValueError(f"unknown API generation {name!r}; expected one of {', '.join(NAMES)}")
    module = importlib.import_module(f"{__name__}.{MODULES[name]}")
    generation: Generation = getattr(module, MODULES[name].upper())
    return generation


def generations() -> dict[str, Generation]:
    """Every generation by name."""
    return {name: get(name) for name in NAMES}
