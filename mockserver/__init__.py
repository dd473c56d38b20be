"""kratos-mock: a stateful, spec-driven fake of the Ory Kratos identity admin API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .app import KratosMockApp, Settings, create_app
    from .store import Store

__all__ = ["KratosMockApp", "Settings", "Store", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    """Import the app lazily: ``mockserver.__version__`` should not pay for connexion."""
    if name in ("create_app", "Settings", "KratosMockApp"):
        from . import app

        return getattr(app, name)
    if name == "Store":
        from .store import Store

        return Store
    raise AttributeError(name)
