"""connexion, imported once: without the warnings its own import raises, and without importing
the client libraries it only needs for features the mock never uses.

connexion 3.3's ``connexion/apps/abstract.py`` imports ``starlette.testclient``, which warns that
using it with httpx is deprecated (a ``StarletteDeprecationWarning``, shown by default), and its
``json_schema.py`` imports jsonschema's deprecated ``RefResolver``. Neither is anything a user of
the mock can act on, so every module of ours that needs connexion imports this one first.

Some of connexion's module-level imports serve features the mock does not use, and cost a third
of ``import connexion`` (0.15 s of 0.45 s here; more where rich is installed, which httpx imports
for its command line): ``requests`` (``json_schema.URLHandler``, remote ``$ref``s), ``httpx``
(``security.py``, OAuth token introspection), ``jinja2`` (``spec.py``, templated spec files), and
two classes imported by name, ``starlette.testclient.TestClient`` (``AbstractApp.test_client``)
and ``starlette.templating.Jinja2Templates`` (the Swagger UI middleware, not in our stack). While
connexion is imported, each of those modules that nothing has imported yet is a placeholder
(``Deferred``) that imports the real module on first use, and each class a ``stand_in`` that
imports it when one is made. The placeholders leave ``sys.modules`` as soon as connexion is in,
so every other import gets the real module.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any

DEFERRED = ("requests", "httpx", "jinja2")
STAND_INS = {"starlette.testclient": "TestClient", "starlette.templating": "Jinja2Templates"}
_QUIET = "Using `httpx` with `starlette.testclient`"  # starlette's deprecation warning on that import


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
            warnings.filterwarnings("ignore", message=_QUIET)
            real = getattr(importlib.import_module(module), name)
        return real(*args, **kwargs)

    return type(name, (), {"__new__": __new__, "__module__": __name__, "__test__": False})


def _import_connexion() -> None:
    placed = [name for name in (*DEFERRED, *STAND_INS) if name not in sys.modules]
    for name in placed:
        sys.modules[name] = Deferred(name)
        if name in STAND_INS:
            setattr(sys.modules[name], STAND_INS[name], stand_in(name, STAND_INS[name]))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_QUIET)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            import connexion  # noqa: F401
    finally:
        for name in placed:
            if isinstance(sys.modules.get(name), Deferred):
                del sys.modules[name]


_import_connexion()
