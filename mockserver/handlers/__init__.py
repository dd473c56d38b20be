"""Handlers, one per operationId (``createIdentity`` → ``create_identity``), bound to a context."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .common import Context
from .identities import IdentityHandlers
from .metadata import MetadataHandlers
from .recovery import RecoveryHandlers
from .schemas import SchemaHandlers
from .sessions import SessionHandlers

GROUPS = (IdentityHandlers, SessionHandlers, RecoveryHandlers, SchemaHandlers, MetadataHandlers)


def handler_name(operation_id: str) -> str:
    """``getIdentityByExternalID`` → ``get_identity_by_external_id``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id.replace("ID", "Id")).lower()


def build_handlers(ctx: Context) -> dict[str, Callable[..., Any]]:
    """Every handler of every group, bound to ``ctx``, keyed by its function name."""
    table: dict[str, Callable[..., Any]] = {}
    for group in GROUPS:
        instance = group(ctx)
        for name in dir(group):
            if not name.startswith("_") and callable(getattr(group, name)):
                table[name] = getattr(instance, name)
    return table


__all__ = ["Context", "build_handlers", "handler_name"]
