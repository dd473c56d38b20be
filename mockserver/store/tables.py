"""Journaled tables: dicts whose every write is recorded in the undo log and keeps its indexes.

A new kind of stored record is a new ``Table`` (or a subclass that overrides ``_apply`` to keep an
index); the undo log, snapshots and reset then cover it without further code.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from ..identity_schemas import IdentitySchema, SchemaRegistry
from ..models import Identity, Session
from .undo import UndoLog

K = TypeVar("K")
V = TypeVar("V")
UniqueKey = tuple[str, str, str]


class Table(Generic[K, V]):
    """Rows by key; ``put(key, None)`` deletes."""

    def __init__(self, log: UndoLog) -> None:
        self.rows: dict[K, V] = {}
        self._log = log

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: object) -> bool:
        return key in self.rows

    def get(self, key: K) -> V | None:
        return self.rows.get(key)

    def values(self) -> list[V]:
        return list(self.rows.values())

    def put(self, key: K, value: V | None) -> None:
        old = self.rows.get(key)
        self._log.record(self, key, old)
        self._apply(key, old, value)

    def restore(self, key: K, old: V | None) -> None:
        self._apply(key, self.rows.get(key), old)

    def clear(self) -> None:
        self.rows.clear()

    def _apply(self, key: K, old: V | None, new: V | None) -> None:
        if new is None:
            self.rows.pop(key, None)
        else:
            self.rows[key] = new


class Cell(Generic[V]):
    """One journaled value (the default schema id); ``on_change`` sees every write and undo."""

    def __init__(self, log: UndoLog, value: V, on_change: Callable[[V], None] = lambda _: None) -> None:
        self.value = value
        self._log = log
        self._on_change = on_change

    def set(self, value: V) -> None:
        self._log.record(self, None, self.value)
        self.restore(None, value)

    def restore(self, key: None, old: V) -> None:
        self.value = old
        self._on_change(old)


class IdentityTable(Table[str, Identity]):
    """Identities, a sorted id list (keyset pages without a scan) and one unique index for
    credential identifiers, addresses and ``external_id``."""

    def __init__(self, log: UndoLog) -> None:
        super().__init__(log)
        self.order: list[str] = []
        self.unique: dict[UniqueKey, str] = {}

    def clear(self) -> None:
        super().clear()
        self.order.clear()
        self.unique.clear()

    def owner(self, key: UniqueKey) -> str | None:
        return self.unique.get(key)

    def _apply(self, key: str, old: Identity | None, new: Identity | None) -> None:
        if old is not None:
            for u in unique_keys(old):
                if self.unique.get(u) == key:
                    del self.unique[u]
        if new is None:
            if old is not None:
                del self.rows[key]
                del self.order[bisect.bisect_left(self.order, key)]
            return
        if old is None:
            bisect.insort(self.order, key)
        self.rows[key] = new
        for u in unique_keys(new):
            self.unique[u] = key


class SessionTable(Table[str, Session]):
    """Sessions, per identity the ids of its sessions, and the session id of each token."""

    def __init__(self, log: UndoLog) -> None:
        super().__init__(log)
        self.of_identity: dict[str, set[str]] = {}
        self.by_token: dict[str, str] = {}

    def clear(self) -> None:
        super().clear()
        self.of_identity.clear()
        self.by_token.clear()

    def owned_by(self, identity_id: str) -> list[str]:
        return sorted(self.of_identity.get(identity_id, ()))

    def _apply(self, key: str, old: Session | None, new: Session | None) -> None:
        if old is not None:
            owned = self.of_identity.get(old.identity_id)
            if owned is not None:
                owned.discard(key)
                if not owned:
                    del self.of_identity[old.identity_id]
            if self.by_token.get(old.token) == key:
                del self.by_token[old.token]
            del self.rows[key]
        if new is not None:
            self.rows[key] = new
            self.of_identity.setdefault(new.identity_id, set()).add(key)
            self.by_token[new.token] = key


class SchemaTable(Table[str, IdentitySchema]):
    """The identity schemas, written through to the registry that validates traits."""

    def __init__(self, log: UndoLog, registry: SchemaRegistry) -> None:
        super().__init__(log)
        self.registry = registry
        self.rows = {s.id: s for s in registry}
        self.default: Cell[str] = Cell(log, registry.default_id, lambda value: setattr(registry, "default_id", value))

    def _apply(self, key: str, old: IdentitySchema | None, new: IdentitySchema | None) -> None:
        super()._apply(key, old, new)
        self.registry.put(key, new)


def unique_keys(identity: Identity) -> Iterator[UniqueKey]:
    """What no two identities may share: credential identifiers, addresses, ``external_id``."""
    for kind, credential in identity.credentials.items():
        for identifier in credential.identifiers:
            yield ("credential", kind, identifier)
    for a in identity.verifiable_addresses:
        yield ("verifiable", a.via, a.value)
    for r in identity.recovery_addresses:
        yield ("recovery", r.via, r.value)
    if identity.external_id:
        yield ("external_id", "", identity.external_id)
