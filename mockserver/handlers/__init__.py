"""Handlers, one per operationId (``createIdentity`` → ``create_identity``), bound to a context."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .common import Context
from .identities import IdentityHandlers
from .legacy import LegacyHandlers
from .metadata import MetadataHandlers
from .recovery import RecoveryHandlers
from .schemas import SchemaHandlers
from .sessions import SessionHandlers

GROUPS = (IdentityHandlers, SessionHandlers, RecoveryHandlers, SchemaHandlers, MetadataHandlers)
LEGACY_GROUPS = (LegacyHandlers, MetadataHandlers)  # the v0.6 AdminApi generation


def handler_name(operation_id: str) -> str:
    """``getIdentityByExternalID`` → ``get_identity_by_external_id``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id.replace("ID", "Id")).lower()


def build_handlers(
    ctx: Context, groups: tuple[type, ...] = GROUPS, extra: dict[str, object] | None = None
) -> dict[str, Callable[..., Any]]:
    """Every handler of the groups (bound to ``ctx``) and of ``extra`` instances, by function name."""
    table: dict[str, Callable[..., Any]] = {}
    for instance in [group(ctx) for group in groups] + list((extra or {}).values()):
        for name in dir(type(instance)):
            if not name.startswith("_") and callable(getattr(instance, name)):
                table[name] = getattr(instance, name)
    return table


__all__ = ["GROUPS", "LEGACY_GROUPS", "Context", "build_handlers", "handler_name"]
