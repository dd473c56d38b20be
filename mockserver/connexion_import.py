"""Importing connexion without the warnings its import raises, and without the modules it imports
only for features the mock does not use.

connexion 3.3's ``connexion/apps/abstract.py`` imports ``starlette.testclient``, which warns that
using it with httpx is deprecated (a ``StarletteDeprecationWarning``, shown by default), and its
``json_schema.py`` imports jsonschema's deprecated ``RefResolver``. Neither is anything a user of
the mock can act on.

Some of connexion's module-level imports serve features the mock does not use, and cost a third
of ``import connexion`` (0.15 s of 0.45 s here; more where rich is installed, which httpx imports
for its command line): ``requests`` (``json_schema.URLHandler``, remote ``$ref``s), ``jinja2``
(``spec.py``, templated spec files), ``httpx`` (``security.py``, OAuth token introspection), and
two classes imported by name, ``starlette.templating.Jinja2Templates`` (the Swagger UI
middleware, not in our stack) and ``starlette.testclient.TestClient`` (``AbstractApp.test_client``).
While connexion is imported, each of those modules that nothing has imported yet is a placeholder
(``Deferred``) that imports the real module on first use, and each class a ``stand_in`` that
imports it when one is made. The placeholders leave ``sys.modules`` as soon as connexion is in,
so every import after that gets the real module.

Only the server (``kratos-mock run``, a process that runs nothing else) defers them. The
placeholders sit in ``sys.modules`` while connexion imports, where another thread, or a module
connexion itself imports (Flask, with ``connexion[flask]``, imports jinja2), would find them; so a
library import (``mockserver._connexion``: the pytest plugin, ``create_app``) defers nothing and
imports connexion as it is, quietly. When Flask is installed the server leaves jinja2 and
starlette's templating alone too, or connexion would take Flask for missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
import warnings
from collections.abc import Mapping
from typing import Any

QUIET = "Using `httpx` with `starlette.testclient`"  # starlette's deprecation warning on that import
LIBRARY: tuple[tuple[str, ...], Mapping[str, str]] = ((), {})
SERVER: tuple[tuple[str, ...], Mapping[str, str]] = (
    ("requests", "jinja2", "httpx"),
    {"starlette.templating": "Jinja2Templates", "starlette.testclient": "TestClient"},
)


class Deferred(types.ModuleType):
    """Stands for a module connexion imports but uses only in a feature: resolves on first use."""

    def __getattr__(self, attr: str) -> Any:
        # While connexion is being imported the placeholder is still in sys.modules: answering from it
        # then would recurse, and the import system's own probes (__path__, __spec__) must miss.
        if attr.startswith("__") or sys.modules.get(self.__name__) is self:
            raise AttributeError(attr)
        return getattr(importlib.import_module(self.__name__), attr)


def stand_in(module: str, name: str) -> type:
    """A class that makes ``module.name`` instead of itself: connexion's name for a class it
    constructs only in a feature, without importing ``module`` until then."""

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - it is the class's __new__
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=QUIET)
            real = getattr(importlib.import_module(module), name)
        return real(*args, **kwargs)

    return type(name, (), {"__new__": __new__, "__module__": __name__, "__test__": False})


def import_connexion(policy: tuple[tuple[str, ...], Mapping[str, str]] = LIBRARY) -> None:
    """Import connexion (once: a no-op when it is in) with ``policy``'s modules and classes deferred."""
    if "connexion" in sys.modules:
        return
    modules, classes = policy
    if importlib.util.find_spec("flask") is not None:  # connexion imports connexion.apps.flask, Flask jinja2
        modules = tuple(m for m in modules if m != "jinja2")
        classes = {k: v for k, v in classes.items() if k != "starlette.templating"}
    placed = [name for name in (*modules, *classes) if name not in sys.modules]
    for name in placed:
        sys.modules[name] = Deferred(name)
        if name in classes:
            setattr(sys.modules[name], classes[name], stand_in(name, classes[name]))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=QUIET)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            import connexion  # noqa: F401
    finally:
        for name in placed:
            if isinstance(sys.modules.get(name), Deferred):
                del sys.modules[name]
