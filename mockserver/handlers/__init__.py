"""Handlers, one per operationId (``createIdentity`` → ``create_identity``), bound to a context.

The groups here serve the current generation; ``mockserver.generations`` says which groups each
generation uses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .. import _connexion  # noqa: F401 - first: imports connexion without its import-time warnings
from .common import Context


def handler_name(operation_id: str) -> str:
    """``getIdentityByExternalID`` → ``get_identity_by_external_id``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id.replace("ID", "Id")).lower()


def build_handlers(
    ctx: Context, groups: Iterable[type] = (), extra: Iterable[object] = ()
) -> dict[str, Callable[..., Any]]:
    """Every handler of the groups (bound to ``ctx``) and of the ``extra`` instances, by function name."""
    table: dict[str, Callable[..., Any]] = {}
    for instance in [group(ctx) for group in groups] + list(extra):
        for name in dir(type(instance)):
            if not name.startswith("_") and callable(getattr(instance, name)):
                table[name] = getattr(instance, name)
    return table


__all__ = ["Context", "build_handlers", "handler_name"]
