"""The in-memory Kratos: identities, credentials, addresses, sessions, recovery grants, schemas.

No HTTP here. The ``Store`` is a façade of typed verbs over journaled tables (``tables``), the undo
log (``undo``) and Kratos' rules as pure functions (``identity_rules``, ``sessions``,
``..credentials``, ``..patching``).

Concurrency: every public method runs under one re-entrant lock; every write runs in a
transaction that validates before its first change and, if anything fails, undoes its writes and
the random draws it made, so a rejected call changes nothing and consumes no seeded randomness.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from .. import credentials as creds
from .. import patching
from ..clock import Entropy, MockClock, SystemClock
from ..errors import KratosError, create_conflict, not_found, unique_violation
from ..identity_schemas import IdentitySchema, SchemaRegistry
from ..models import CourierMessage, Credential, Flow, Identity, IdentityDraft, OneTimeCode, RecoveryGrant
from ..values import NIL_UUID
from . import identity_rules, search
from .courier_verbs import CourierVerbs
from .flow_verbs import FlowVerbs
from .locking import locked, writes
from .public_verbs import PublicSessionVerbs
from .rules import StoreRules
from .session_verbs import SessionVerbs
from .sessions import SessionSeed
from .tables import IdentityTable, SchemaTable, SessionTable, Table, unique_keys
from .undo import UndoLog

__all__ = ["IdentityPage", "SessionSeed", "Snapshot", "Store", "StoreRules"]


@dataclass(frozen=True)
class Snapshot:
    """A point to return to: the undo-log mark, the random state and the clock when taken."""

    mark: int
    generation: int
    entropy: object
    clock: tuple[datetime | None, timedelta]


@dataclass(frozen=True)
class IdentityPage:
    items: list[Identity]
    has_next: bool = False
    total: int | None = None


class Store(SessionVerbs, PublicSessionVerbs, FlowVerbs, CourierVerbs):
    """Kratos' identity and session data, with Kratos' rules, in memory."""

    def __init__(
        self,
        schemas: SchemaRegistry,
        *,
        clock: MockClock | None = None,
        entropy: Entropy | None = None,
        public_url: str = "http://127.0.0.1:4434",
        session_lifespan: timedelta = timedelta(hours=24),
        rules: StoreRules | None = None,
    ) -> None:
        self.schemas = schemas
        self.clock: MockClock = clock or SystemClock()
        self.entropy = entropy or Entropy()
        self.public_url = public_url
        self.session_lifespan = session_lifespan
        self.rules = rules or StoreRules()
        self.lock: threading.RLock = threading.RLock()
        self._log = UndoLog()
        self._identities = IdentityTable(self._log)
        self._sessions = SessionTable(self._log)
        self._schemas = SchemaTable(self._log, schemas)
        self._grants: Table[str, RecoveryGrant] = Table(self._log)
        self._flows: Table[str, Flow] = Table(self._log)
        self._errors: Table[str, dict[str, Any]] = Table(self._log)
        self._messages: Table[str, CourierMessage] = Table(self._log)
        self._codes: Table[str, OneTimeCode] = Table(self._log)

    # --- lifecycle -------------------------------------------------------------------------

    @locked
    def snapshot(self) -> Snapshot:
        """Start recording changes; ``restore`` undoes everything recorded since."""
        return Snapshot(self._log.mark(), self._log.generation, self.entropy.state(), self.clock.state())

    @locked
    def restore(self, snapshot: Snapshot) -> int:
        """Undo the changes made since ``snapshot`` (random state and clock too); returns how many."""
        if snapshot.generation != self._log.generation or snapshot.mark > len(self._log):
            raise ValueError("this snapshot belongs to an earlier state of the store (after reset)")
        undone = self._log.undo_to(snapshot.mark)
        self.entropy.set_state(snapshot.entropy)
        self.clock.set_state(snapshot.clock)
        return undone

    @locked
    def release(self, snapshot: Snapshot) -> None:
        """Stop recording for this snapshot (the log is dropped when none is held)."""
        self._log.release(snapshot.mark)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen, or (on any exception) none do, random draws included."""
        with self.lock:
            mark, entropy = self._log.mark(), self.entropy.state()
            try:
                yield
            except BaseException:
                self._log.undo_to(mark)
                self.entropy.set_state(entropy)
                raise
            finally:
                self._log.release(mark)

    @locked
    def reset(self) -> None:
        """Forget all data (schemas and configuration stay)."""
        for table in (
            self._identities,
            self._sessions,
            self._grants,
            self._flows,
            self._errors,
            self._messages,
            self._codes,
        ):
            table.clear()
        self._log.clear()

    @locked
    def undo_log_size(self) -> int:
        """Entries the undo log holds: at most one per key changed since the oldest snapshot."""
        return len(self._log)

    def ping(self) -> bool:
        """Readiness: the store answers when its lock can be taken."""
        if self.lock.acquire(timeout=1.0):
            self.lock.release()
            return True
        return False

    # --- identity schemas ------------------------------------------------------------------

    @writes
    def put_schema(self, schema_id: str, document: Mapping[str, Any], *, default: bool = False) -> IdentitySchema:
        """Add or replace an identity schema (fixtures, control plane); invalid ones raise ValueError."""
        schema = IdentitySchema(schema_id, document)
        self._schemas.put(schema_id, schema)
        if default:
            self._schemas.default.set(schema_id)
        return schema

    # --- identities ------------------------------------------------------------------------

    @locked
    def __len__(self) -> int:
        return len(self._identities)

    def identities(self) -> Iterator[Identity]:
        """All identities in id order (a copy of the order, safe to iterate while writing)."""
        with self.lock:
            ids = list(self._identities.order)
        for key in ids:
            identity = self._identities.get(key)
            if identity is not None:
                yield identity

    @locked
    def find_identity(self, identity_id: str) -> Identity | None:
        return self._identities.get(identity_id)

    @locked
    def get_identity(self, identity_id: str) -> Identity:
        identity = self._identities.get(identity_id)
        if identity is None:
            raise not_found()
        return identity

    @locked
    def identity_id_by_external_id(self, external_id: str) -> str | None:
        return self._identities.owner(("external_id", "", external_id))

    @locked
    def get_identity_by_external_id(self, external_id: str) -> Identity:
        owner = self.identity_id_by_external_id(external_id)
        if owner is None:
            raise not_found()
        return self.get_identity(owner)

    @writes
    def set_identity_times(
        self, identity_id: str, *, updated_at: datetime | None = None, state_changed_at: datetime | None = None
    ) -> Identity:
        """Fixtures may pin timestamps the API always sets itself."""
        identity = self.get_identity(identity_id)
        identity = replace(
            identity,
            updated_at=updated_at or identity.updated_at,
            state_changed_at=state_changed_at or identity.state_changed_at,
        )
        self._identities.put(identity_id, identity)
        return identity

    @writes
    def create_identity(
        self,
        draft: IdentityDraft,
        *,
        identity_id: str | None = None,
        at: datetime | None = None,
        conflict: Callable[[], KratosError] = create_conflict,
    ) -> Identity:
        """Validate, derive identifiers and addresses, check uniqueness, insert (or raise).

        ``identity_id`` and ``at`` (the creation instant) are for fixtures: the API sets neither.
        """
        if identity_id is not None and identity_id in self._identities:
            raise conflict()
        identity = self._materialize(draft, None, identity_id=identity_id, at=at)
        return self._save(identity, draft, conflict)

    @writes
    def update_identity(self, identity_id: str, draft: IdentityDraft) -> Identity:
        """PUT: replace, keeping schema_id/state/credentials when omitted."""
        existing = self.get_identity(identity_id)
        return self._save(self._materialize(draft, existing), draft, unique_violation)

    @writes
    def patch_identity(self, identity_id: str, operations: Any) -> Identity:
        """PATCH: RFC 6902 on the full identity document, with Kratos' denied paths."""
        existing = self.get_identity(identity_id)
        rules = self.rules
        draft, credentials = patching.patch_identity(
            existing, operations, self.public_url, rules.patch_denied, with_credentials=rules.patch_credentials
        )
        identity = self._materialize(draft, existing, credentials=credentials, patch=True)
        return self._save(identity, draft, unique_violation)

    @writes
    def delete_identity(self, identity_id: str) -> None:
        self.get_identity(identity_id)
        for session_id in self._sessions.owned_by(identity_id):
            self._sessions.put(session_id, None)
        for grant in [g for g in self._grants.values() if g.identity_id == identity_id]:
            self._grants.put(grant.flow_id, None)
        self._identities.put(identity_id, None)

    @writes
    def delete_credential(self, identity_id: str, kind: str, identifier: str | None = None) -> Identity:
        existing = self.get_identity(identity_id)
        now = self.clock.now()
        fixed = self.rules.fixed_first_factors
        if fixed is None:
            credentials = creds.delete(existing.credentials, kind, identifier, now)
        else:
            credentials = creds.delete_second_factor(existing.credentials, kind, fixed, now)
        identity = replace(existing, credentials=credentials, updated_at=now)
        self._identities.put(identity_id, identity)
        return identity

    @locked
    def list_identities(
        self,
        *,
        page_size: int = 250,
        page_token: str | None = None,
        page: int | None = None,
        ids: Sequence[str] | None = None,
        credentials_identifier: str | None = None,
        identifier_prefix: str | None = None,
        organization_id: str | None = None,
    ) -> IdentityPage:
        """Keyset (``page_token``: the last id seen) or, with ``page``, offset pages."""
        table = self._identities
        candidates: Sequence[str]
        if ids is not None:
            candidates = sorted({i for i in ids if i in table})
        elif credentials_identifier is not None:
            candidates = sorted(search.by_identifier(table, credentials_identifier))
        elif identifier_prefix is not None:
            candidates = sorted(search.by_identifier_prefix(table, identifier_prefix))
        elif organization_id is not None:
            candidates = [i for i in table.order if table.rows[i].organization_id == organization_id]
        else:
            candidates = table.order
        if page is not None:
            chosen = candidates[page * page_size : (page + 1) * page_size]
            total = len(candidates) if credentials_identifier is not None else len(table)
            return IdentityPage([table.rows[i] for i in chosen], total=total)
        return IdentityPage(*search.keyset_page(table, candidates, page_token or NIL_UUID, page_size))

    @writes
    def batch_create(self, drafts: Sequence[IdentityDraft | None]) -> list[Identity | KratosError | None]:
        """Create each draft in order. Per-item errors (400/409) do not stop the batch, unless the
        generation runs batches as one transaction (v1.x: identity/manager.go CreateIdentities
        validates every identity first, then the persister inserts all in one transaction): then
        the first error fails them all."""
        if self.rules.batch_atomic:
            built = [None if d is None else self._materialize(d, None) for d in drafts]
            return [
                None if i is None or d is None else self._save(i, d, unique_violation)
                for i, d in zip(built, drafts, strict=True)
            ]
        results: list[Identity | KratosError | None] = []
        for draft in drafts:
            if draft is None:
                results.append(None)
                continue
            try:
                results.append(self.create_identity(draft, conflict=unique_violation))
            except KratosError as error:
                results.append(error)
        return results

    def _materialize(
        self,
        draft: IdentityDraft,
        existing: Identity | None,
        *,
        identity_id: str | None = None,
        credentials: Mapping[str, Credential] | None = None,
        patch: bool = False,
        at: datetime | None = None,
    ) -> Identity:
        schema_id = draft.schema_id or (existing.schema_id if existing else self.schemas.default_id)
        return identity_rules.materialize(
            draft,
            existing,
            schema=self.schemas.for_identity(schema_id),
            now=at or self.clock.now(),
            new_id=self.entropy.uuid4,
            identity_id=identity_id,
            credentials=credentials,
            patch=patch,
            credential_types=self.rules.derived_credentials,
            code_addresses=self.rules.code_addresses,
        )

    def _save(self, identity: Identity, draft: IdentityDraft, conflict: Callable[[], KratosError]) -> Identity:
        """Check uniqueness, hash an imported password (only now: the write will succeed), write."""
        for key in unique_keys(identity):
            owner = self._identities.owner(key)
            if owner is not None and owner != identity.id:
                raise conflict()
        identity = identity_rules.seal_password(
            identity, draft, lambda plain: creds.hash_plaintext(plain, self.entropy.token(16).encode())
        )
        self._identities.put(identity.id, identity)
        return identity
