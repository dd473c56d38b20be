"""connexion, imported once: without the warnings its own import raises, and without importing
the client libraries it only needs for features the mock never uses.

connexion 3.3's ``connexion/apps/abstract.py`` imports ``starlette.testclient``, which warns that
using it with httpx is deprecated (a ``StarletteDeprecationWarning``, shown by default), and its
``json_schema.py`` imports jsonschema's deprecated ``RefResolver``. Neither is anything a user of
the mock can act on, so every module of ours that needs connexion imports this one first.

Three of connexion's module-level imports serve features the mock does not use, and cost a third
of a cold start (0.1 s of 0.33 s for ``import connexion`` here; more where rich is installed, which
httpx imports for its command line): ``requests`` (``json_schema.URLHandler``, remote ``$ref``s),
``httpx`` (``security.py``, OAuth token introspection) and ``starlette.testclient`` (imported for
``AbstractApp.test_client``). While connexion is imported, each of them that nothing has imported
yet is a placeholder (``Deferred``) that imports the real module on first use; the placeholders
leave ``sys.modules`` as soon as connexion is in, so every other import gets the real module.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any

DEFERRED = ("requests", "httpx")
TEST_CLIENT = "starlette.testclient"


class Deferred(types.ModuleType):
    """Stands for a module connexion imports but uses only in a feature: resolves on first use."""

    def __getattr__(self, attr: str) -> Any:
        # While connexion is being imported the placeholder is still in sys.modules: answering from it
        # then would recurse, and the import system's own probes (__path__, __spec__) must miss.
        if attr.startswith("__") or sys.modules.get(self.__name__) is self:
            raise AttributeError(attr)
        return getattr(importlib.import_module(self.__name__), attr)


class TestClient:
    """``connexion.apps.abstract.TestClient``: builds starlette's, imported only when one is made."""

    __test__ = False  # not a pytest test class

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
            from starlette.testclient import TestClient as Real
        return Real(*args, **kwargs)


def _import_connexion() -> None:
    placed = [name for name in (*DEFERRED, TEST_CLIENT) if name not in sys.modules]
    for name in placed:
        sys.modules[name] = Deferred(name)
    if TEST_CLIENT in placed:
        sys.modules[TEST_CLIENT].TestClient = TestClient  # type: ignore[attr-defined]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            import connexion  # noqa: F401
    finally:
        for name in placed:
            if isinstance(sys.modules.get(name), Deferred):
                del sys.modules[name]


_import_connexion()
