"""The in-memory Kratos: identities, credentials, addresses, sessions, recovery grants.

No HTTP here. Concurrency: every public method runs under one re-entrant lock and validates
completely before its first write, so a rejected call changes nothing and concurrent callers (the
event loop, a test thread using the pytest handle) never see half-written state.

All writes go through three primitives (``_set_identity``, ``_set_session``, ``_set_grant``) that
keep the indexes and, while a snapshot is held, an undo journal: ``restore`` costs what changed
since the snapshot, not what is stored.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from . import credentials as creds
from . import patching, wire
from .clock import Entropy, MockClock, SystemClock
from .errors import KratosError, bad_request, create_conflict, not_found, unique_violation
from .identity_schemas import Derived, IdentitySchema, SchemaRegistry, normalize_identifier
from .models import (
    AAL_LEVELS,
    Credential,
    Flow,
    Identity,
    IdentityDraft,
    RecoveryAddress,
    RecoveryGrant,
    Session,
    VerifiableAddress,
)

NIL_UUID = "00000000-0000-0000-0000-000000000000"
SEARCHABLE_NORMALIZED = ("password", "webauthn", "code")
SEARCHABLE_VERBATIM = ("oidc", "saml")
DEFAULT_LIFESPAN = timedelta(hours=1)
T = TypeVar("T")

UniqueKey = tuple[str, str, str]


def _locked(method: Callable[..., T]) -> Callable[..., T]:
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> T:
        with self.lock:
            return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    return wrapper


@dataclass(frozen=True)
class Snapshot:
    """A point to return to: the journal length, the random state and the clock when taken."""

    mark: int
    generation: int
    entropy: object
    clock: tuple[datetime | None, timedelta]


@dataclass(frozen=True)
class IdentityPage:
    items: list[Identity]
    has_next: bool = False
    total: int | None = None


class Store:
    """Kratos' identity and session data, with Kratos' rules, in memory."""

    def __init__(
        self,
        schemas: SchemaRegistry,
        *,
        clock: MockClock | None = None,
        entropy: Entropy | None = None,
        public_url: str = "http://127.0.0.1:4434",
        session_lifespan: timedelta = timedelta(hours=24),
    ) -> None:
        self.schemas = schemas
        self.clock: MockClock = clock or SystemClock()
        self.entropy = entropy or Entropy()
        self.public_url = public_url
        self.session_lifespan = session_lifespan
        self.lock = threading.RLock()
        self._identities: dict[str, Identity] = {}
        self._order: list[str] = []  # identity ids, sorted: keyset pages without a scan
        self._unique: dict[UniqueKey, str] = {}
        self._sessions: dict[str, Session] = {}
        self._sessions_of: dict[str, set[str]] = {}
        self._grants: dict[str, RecoveryGrant] = {}
        self._flows: dict[str, Flow] = {}
        self._errors: dict[str, dict[str, Any]] = {}
        self._journal: list[tuple[str, str, Any]] = []
        # One entry per held snapshot: its journal mark and the keys already journaled since.
        # Only the first change of a key after the newest mark is recorded, so the journal holds
        # at most one entry per key touched, not one per write (a long-running server stays small).
        self._marks: list[tuple[int, set[tuple[str, str]]]] = []
        self._generation = 0

    # --- lifecycle -------------------------------------------------------------------------

    @_locked
    def snapshot(self) -> Snapshot:
        """Start recording changes; ``restore`` undoes everything recorded since."""
        self._marks.append((len(self._journal), set()))
        return Snapshot(len(self._journal), self._generation, self.entropy.state(), self.clock.state())

    @_locked
    def restore(self, snapshot: Snapshot) -> int:
        """Undo the changes made since ``snapshot``; returns how many writes were undone."""
        if snapshot.generation != self._generation or snapshot.mark > len(self._journal):
            raise ValueError("this snapshot belongs to an earlier state of the store (after reset)")
        undone = len(self._journal) - snapshot.mark
        setters: dict[str, Callable[..., None]] = {
            "identity": self._set_identity,
            "session": self._set_session,
            "grant": self._set_grant,
            "schema": self._set_schema,
            "flow": self._set_flow,
            "error": self._set_error,
        }
        while len(self._journal) > snapshot.mark:
            table, key, old = self._journal.pop()
            setters[table](key, old, record=False)
        # marks taken after this one are gone; this one starts afresh
        self._marks = [(m, seen if m < snapshot.mark else set()) for m, seen in self._marks if m <= snapshot.mark]
        self.entropy.set_state(snapshot.entropy)
        self.clock.set_state(snapshot.clock)
        return undone

    @_locked
    def release(self, snapshot: Snapshot) -> None:
        """Stop recording for this snapshot (the journal is dropped when none is held)."""
        for index in range(len(self._marks) - 1, -1, -1):
            if self._marks[index][0] == snapshot.mark:
                _, seen = self._marks.pop(index)
                if index > 0:  # what this snapshot journaled is journaled for the one before it too
                    self._marks[index - 1][1].update(seen)
                break
        if not self._marks:
            self._journal.clear()

    @_locked
    def reset(self) -> None:
        """Forget everything (schemas and configuration stay)."""
        self._identities.clear()
        self._order.clear()
        self._unique.clear()
        self._sessions.clear()
        self._sessions_of.clear()
        self._grants.clear()
        self._flows.clear()
        self._errors.clear()
        self._journal.clear()
        self._marks.clear()
        self._generation += 1

    def ping(self) -> bool:
        """Readiness: the store answers when its lock can be taken."""
        if self.lock.acquire(timeout=1.0):
            self.lock.release()
            return True
        return False

    # --- primitives ------------------------------------------------------------------------

    def _record(self, table: str, key: str, old: Any, record: bool) -> None:
        if record and self._marks:
            seen = self._marks[-1][1]
            if (table, key) not in seen:
                seen.add((table, key))
                self._journal.append((table, key, old))

    def _set_identity(self, key: str, new: Identity | None, *, record: bool = True) -> None:
        old = self._identities.get(key)
        self._record("identity", key, old, record)
        if old is not None:
            for u in _unique_keys(old):
                if self._unique.get(u) == key:
                    del self._unique[u]
        if new is None:
            if old is not None:
                del self._identities[key]
                del self._order[bisect.bisect_left(self._order, key)]
            return
        if old is None:
            bisect.insort(self._order, key)
        self._identities[key] = new
        for u in _unique_keys(new):
            self._unique[u] = key

    def _set_session(self, key: str, new: Session | None, *, record: bool = True) -> None:
        old = self._sessions.get(key)
        self._record("session", key, old, record)
        if old is not None:
            owned = self._sessions_of.get(old.identity_id)
            if owned is not None:
                owned.discard(key)
                if not owned:
                    del self._sessions_of[old.identity_id]
            del self._sessions[key]
        if new is not None:
            self._sessions[key] = new
            self._sessions_of.setdefault(new.identity_id, set()).add(key)

    def _set_schema(self, key: str, new: IdentitySchema | tuple[str] | None, *, record: bool = True) -> None:
        """Schemas are journaled too; key "" with a 1-tuple holds the default schema id."""
        if key == "":
            self._record("schema", "", (self.schemas.default_id,), record)
            self.schemas.default_id = new[0]  # type: ignore[index]
            return
        self._record("schema", key, self.schemas.get(key), record)
        self.schemas.put(key, new)  # type: ignore[arg-type]

    def _set_flow(self, key: str, new: Flow | None, *, record: bool = True) -> None:
        self._record("flow", key, self._flows.get(key), record)
        if new is None:
            self._flows.pop(key, None)
        else:
            self._flows[key] = new

    def _set_error(self, key: str, new: dict[str, Any] | None, *, record: bool = True) -> None:
        self._record("error", key, self._errors.get(key), record)
        if new is None:
            self._errors.pop(key, None)
        else:
            self._errors[key] = new

    def _set_grant(self, key: str, new: RecoveryGrant | None, *, record: bool = True) -> None:
        self._record("grant", key, self._grants.get(key), record)
        if new is None:
            self._grants.pop(key, None)
        else:
            self._grants[key] = new

    # --- identity schemas ------------------------------------------------------------------

    @_locked
    def put_schema(self, schema_id: str, document: Mapping[str, Any], *, default: bool = False) -> IdentitySchema:
        """Add or replace an identity schema (fixtures, control plane); invalid ones raise ValueError."""
        schema = IdentitySchema(schema_id, document)
        self._set_schema(schema_id, schema)
        if default:
            self._set_schema("", (schema_id,))
        return schema

    # --- identities ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._identities)

    def identities(self) -> Iterator[Identity]:
        """All identities in id order (a copy of the order, safe to iterate while writing)."""
        with self.lock:
            ids = list(self._order)
        for key in ids:
            identity = self._identities.get(key)
            if identity is not None:
                yield identity

    @_locked
    def get_identity(self, identity_id: str) -> Identity:
        identity = self._identities.get(identity_id)
        if identity is None:
            raise not_found()
        return identity

    def find_identity(self, identity_id: str) -> Identity | None:
        return self._identities.get(identity_id)

    @_locked
    def get_identity_by_external_id(self, external_id: str) -> Identity:
        owner = self._unique.get(("external_id", "", external_id))
        if owner is None:
            raise not_found()
        return self._identities[owner]

    def identity_id_by_external_id(self, external_id: str) -> str | None:
        return self._unique.get(("external_id", "", external_id))

    @_locked
    def set_identity_times(
        self, identity_id: str, *, updated_at: datetime | None = None, state_changed_at: datetime | None = None
    ) -> Identity:
        """Fixtures may pin timestamps the API always sets itself."""
        identity = self.get_identity(identity_id)
        changes: dict[str, Any] = {}
        if updated_at is not None:
            changes["updated_at"] = updated_at
        if state_changed_at is not None:
            changes["state_changed_at"] = state_changed_at
        identity = replace(identity, **changes)
        self._set_identity(identity_id, identity)
        return identity

    def salt(self) -> bytes:
        """16 bytes of seeded salt for hashing imported plaintext passwords."""
        return self.entropy.token(16).encode()

    @_locked
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
        self._check_unique(identity, conflict)
        self._set_identity(identity.id, identity)
        return identity

    @_locked
    def update_identity(self, identity_id: str, draft: IdentityDraft) -> Identity:
        """PUT: replace, keeping schema_id/state/credentials when omitted (reference §4.5)."""
        existing = self.get_identity(identity_id)
        identity = self._materialize(draft, existing)
        self._check_unique(identity, unique_violation)
        self._set_identity(identity.id, identity)
        return identity

    @_locked
    def patch_identity(self, identity_id: str, operations: Any) -> Identity:
        """PATCH: RFC 6902 on the full identity document, with Kratos' denied paths (§4.6)."""
        existing = self.get_identity(identity_id)
        document = wire.patch_document(existing, self.public_url)
        patched = patching.apply(document, operations)
        draft, credentials = wire.draft_from_document(patched, existing)
        identity = self._materialize(draft, existing, credentials=credentials, patch=True)
        self._check_unique(identity, unique_violation)
        self._set_identity(identity.id, identity)
        return identity

    @_locked
    def delete_identity(self, identity_id: str) -> None:
        self.get_identity(identity_id)
        for session_id in sorted(self._sessions_of.get(identity_id, ())):
            self._set_session(session_id, None)
        for flow_id in [k for k, g in self._grants.items() if g.identity_id == identity_id]:
            self._set_grant(flow_id, None)
        self._set_identity(identity_id, None)

    @_locked
    def delete_credential(self, identity_id: str, kind: str, identifier: str | None = None) -> Identity:
        existing = self.get_identity(identity_id)
        now = self.clock.now()
        credentials = creds.delete(existing.credentials, kind, identifier, now)
        identity = replace(existing, credentials=credentials, updated_at=now)
        self._set_identity(identity_id, identity)
        return identity

    @_locked
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
        """Keyset (``page_token``: the last id seen) or, with ``page``, legacy offset pages."""
        candidates: Sequence[str]
        if ids is not None:
            candidates = sorted({i for i in ids if i in self._identities})
        elif credentials_identifier is not None:
            candidates = sorted(self._by_identifier(credentials_identifier))
        elif identifier_prefix is not None:
            candidates = sorted(self._by_identifier_prefix(identifier_prefix))
        elif organization_id is not None:
            candidates = [i for i in self._order if self._identities[i].organization_id == organization_id]
        else:
            candidates = self._order
        if page is not None:
            start = page * page_size
            chosen = candidates[start : start + page_size]
            total = len(candidates) if credentials_identifier is not None else len(self._order)
            return IdentityPage([self._identities[i] for i in chosen], total=total)
        start = bisect.bisect_right(candidates, page_token or NIL_UUID)
        chosen = candidates[start : start + page_size + 1]
        has_next = len(chosen) > page_size
        return IdentityPage([self._identities[i] for i in chosen[:page_size]], has_next=has_next)

    def _by_identifier(self, value: str) -> set[str]:
        found = set()
        normalized = normalize_identifier(value)
        for kind in SEARCHABLE_NORMALIZED:
            owner = self._unique.get(("credential", kind, normalized))
            if owner:
                found.add(owner)
        for kind in SEARCHABLE_VERBATIM:
            owner = self._unique.get(("credential", kind, value))
            if owner:
                found.add(owner)
        return found

    def _by_identifier_prefix(self, prefix: str) -> set[str]:
        normalized = normalize_identifier(prefix) if prefix.strip() else prefix
        return {
            owner
            for (table, kind, value), owner in self._unique.items()
            if table == "credential"
            and (
                (kind in SEARCHABLE_NORMALIZED and value.startswith(normalized))
                or (kind in SEARCHABLE_VERBATIM and value.startswith(prefix))
            )
        }

    def _check_unique(self, identity: Identity, conflict: Callable[[], KratosError]) -> None:
        for key in _unique_keys(identity):
            owner = self._unique.get(key)
            if owner is not None and owner != identity.id:
                raise conflict()

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
        """The identity a draft describes, with Kratos' derived data; raises before any write."""
        now = at or self.clock.now()
        schema_id = draft.schema_id or (existing.schema_id if existing else self.schemas.default_id)
        schema = self.schemas.for_identity(schema_id)
        derived = schema.validate(draft.traits)
        state = draft.state or (existing.state if existing else "active")
        if existing is None or state != existing.state:
            state_changed_at: datetime | None = now
        else:
            state_changed_at = existing.state_changed_at
        stored = dict(credentials if credentials is not None else (existing.credentials if existing else {}))
        for kind, imported in (draft.credentials or {}).items():
            stored[kind] = creds.merge(stored.get(kind), imported, now)
        _apply_identifiers(stored, derived, now)
        if existing is not None and not patch:
            verifiable_src: list[dict[str, Any]] = [_address_dict(a) for a in existing.verifiable_addresses]
            recovery_src: list[dict[str, Any]] = [_address_dict(a) for a in existing.recovery_addresses]
        else:  # imported or patched addresses keep an id only if it is one of this identity's own
            own: set[str] = set()
            if existing is not None:
                own = {a.id for a in existing.verifiable_addresses} | {a.id for a in existing.recovery_addresses}
            verifiable_src = [
                {**a, "id": a.get("id") if a.get("id") in own else None} for a in draft.verifiable_addresses
            ]
            recovery_src = [{**a, "id": a.get("id") if a.get("id") in own else None} for a in draft.recovery_addresses]
        return Identity(
            id=existing.id if existing else (identity_id or self.entropy.uuid4()),
            schema_id=schema.id,
            traits=draft.traits,
            state=state,
            state_changed_at=state_changed_at,
            metadata_public=draft.metadata_public,
            metadata_admin=draft.metadata_admin,
            external_id=draft.external_id,
            organization_id=(existing.organization_id if existing and not patch else draft.organization_id),
            credentials=stored,
            verifiable_addresses=self._verifiable(derived, verifiable_src, now, patch),
            recovery_addresses=self._recovery(derived, recovery_src, now),
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )

    def _verifiable(
        self, derived: Derived, sources: list[dict[str, Any]], now: datetime, patch: bool
    ) -> tuple[VerifiableAddress, ...]:
        out = []
        for via, value in derived.verifiable:
            src = _match(sources, via, value)
            if src is None:
                out.append(VerifiableAddress(self.entropy.uuid4(), value, via, False, "pending", None, now, now))
                continue
            verified = bool(src.get("verified", False))
            verified_at = src.get("verified_at")
            if verified and verified_at is None:
                verified_at = now
            if not verified:
                verified_at = None
            out.append(
                VerifiableAddress(
                    id=src.get("id") or self.entropy.uuid4(),
                    value=value,
                    via=via,
                    verified=verified,
                    status=str(src.get("status") or "pending"),
                    verified_at=verified_at,
                    created_at=_as_time(src.get("created_at"), now),
                    updated_at=now if patch else _as_time(src.get("updated_at"), now),
                )
            )
        return tuple(sorted(out, key=lambda a: a.id))

    def _recovery(self, derived: Derived, sources: list[dict[str, Any]], now: datetime) -> tuple[RecoveryAddress, ...]:
        out = []
        for via, value in derived.recovery:
            src = _match(sources, via, value) or {}
            out.append(
                RecoveryAddress(
                    src.get("id") or self.entropy.uuid4(), value, via, _as_time(src.get("created_at"), now), now
                )
            )
        return tuple(sorted(out, key=lambda a: a.id))

    # --- batch -----------------------------------------------------------------------------

    @_locked
    def batch_create(self, drafts: Sequence[IdentityDraft | None]) -> list[Identity | KratosError | None]:
        """Create each draft in order; per-item errors (400/409) do not stop the batch."""
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

    # --- sessions --------------------------------------------------------------------------

    @_locked
    def create_session(
        self,
        identity_id: str,
        *,
        session_id: str | None = None,
        active: bool = True,
        aal: str = "aal1",
        authentication_methods: Iterable[Mapping[str, Any]] | None = None,
        devices: Iterable[Mapping[str, Any]] | None = None,
        authenticated_at: datetime | None = None,
        issued_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> Session:
        """Seed a session (the admin API cannot create one: Kratos makes them at login)."""
        self.get_identity(identity_id)
        if aal not in AAL_LEVELS:
            raise bad_request(f"authenticator_assurance_level must be one of {', '.join(AAL_LEVELS)}")
        if session_id is not None and session_id in self._sessions:
            raise KratosError(409, f"A session with id {session_id} exists already.")
        now = self.clock.now()
        authenticated_at, issued_at, expires_at = (
            wire.to_utc(t) if t is not None else None for t in (authenticated_at, issued_at, expires_at)
        )
        authenticated_at = authenticated_at or now
        if authentication_methods is None:
            authentication_methods = [
                {"method": "password", "aal": aal, "completed_at": wire.fmt_time(authenticated_at)}
            ]
        session = Session(
            id=session_id or self.entropy.uuid4(),
            identity_id=identity_id,
            active=active,
            expires_at=expires_at or now + self.session_lifespan,
            authenticated_at=authenticated_at,
            issued_at=issued_at or now,
            aal=aal,
            authentication_methods=tuple(dict(m) for m in authentication_methods),
            devices=tuple(
                {"id": d.get("id") or self.entropy.uuid4(), "ip_address": "", "user_agent": "", "location": "", **d}
                for d in (devices or ())
            ),
            token="ory_st_" + self.entropy.token(32),
            created_at=issued_at or now,  # fixtures give issued_at; list order then survives a round trip
        )
        self._set_session(session.id, session)
        return session

    def is_session_active(self, session: Session, identity: Identity | None = None) -> bool:
        """Kratos computes ``active`` when serialising: flag, expiry and (if embedded) identity state."""
        if not session.active or session.expires_at <= self.clock.now():
            return False
        return identity is None or identity.state == "active"

    @_locked
    def get_session(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise not_found()
        return session

    @_locked
    def list_sessions(
        self, *, active: bool | None = None, after: tuple[datetime, str] | None = None, page_size: int = 250
    ) -> tuple[list[Session], bool]:
        """Newest first (created_at desc, id asc); ``after`` is the last (created_at, id) seen."""
        sessions = [s for s in self._sessions.values() if active is None or self._matches_active(s, active)]
        sessions.sort(key=lambda s: s.id)
        sessions.sort(key=lambda s: s.created_at, reverse=True)
        if after is not None:
            created, last_id = after
            sessions = [s for s in sessions if s.created_at < created or (s.created_at == created and s.id > last_id)]
        return sessions[:page_size], len(sessions) > page_size

    def _matches_active(self, session: Session, active: bool) -> bool:
        live = session.active and session.expires_at > self.clock.now()
        return live if active else not live

    @_locked
    def list_identity_sessions(self, identity_id: str, *, active: bool | None = None) -> list[Session]:
        """All sessions of one identity (unknown identity: empty), newest first."""
        sessions = [self._sessions[s] for s in self._sessions_of.get(identity_id, ())]
        sessions = [s for s in sessions if active is None or self._matches_active(s, active)]
        sessions.sort(key=lambda s: s.id)
        sessions.sort(key=lambda s: s.created_at, reverse=True)
        return sessions

    @_locked
    def disable_session(self, session_id: str) -> None:
        session = self.get_session(session_id)
        self._set_session(session_id, replace(session, active=False))

    @_locked
    def delete_identity_sessions(self, identity_id: str) -> int:
        owned = sorted(self._sessions_of.get(identity_id, ()))
        if not owned:
            raise not_found()
        for session_id in owned:
            self._set_session(session_id, None)
        return len(owned)

    @_locked
    def extend_session(self, session_id: str) -> Session:
        """expires_at = now + lifespan; the active flag is left alone (reference §7.7)."""
        session = self.get_session(session_id)
        extended = replace(session, expires_at=self.clock.now() + self.session_lifespan)
        self._set_session(session_id, extended)
        return extended

    def sessions(self) -> list[Session]:
        with self.lock:
            return list(self._sessions.values())

    # --- self-service flows and errors (seeded; the legacy admin API reads them) ------------

    @_locked
    def put_flow(self, flow: Flow) -> None:
        self._set_flow(flow.id, flow)

    @_locked
    def get_flow(self, kind: str, flow_id: str) -> Flow:
        """A flow of this kind: 404 when unknown, 410 (Kratos' expired-flow error) when expired."""
        flow = self._flows.get(flow_id)
        if flow is None or flow.kind != kind:
            raise not_found()
        if flow.expires_at is not None and flow.expires_at <= self.clock.now():
            raise KratosError(
                410,
                f"The {kind} flow expired {wire.fmt_time(flow.expires_at)}.",
                "The self-service flow has expired",
                {
                    "redirect_to": f"{self.public_url}/self-service/{kind}/browser",
                    "since": wire.fmt_time(flow.expires_at),
                },
            )
        return flow

    @_locked
    def put_error(self, container: dict[str, Any]) -> None:
        self._set_error(str(container["id"]), container)

    @_locked
    def get_error(self, error_id: str) -> dict[str, Any]:
        if error_id == "stub:500":
            now = wire.fmt_time(self.clock.now())
            return {
                "id": "stub:500",
                "errors": [
                    {
                        "code": 500,
                        "status": "Internal Server Error",
                        "reason": "This is a stub error.",
                        "message": "An internal server error occurred, please contact the system administrator",
                    }
                ],
                "created_at": now,
                "updated_at": now,
            }
        container = self._errors.get(error_id)
        if container is None:
            raise not_found()
        return container

    def flows(self) -> list[Flow]:
        with self.lock:
            return list(self._flows.values())

    def errors(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._errors.values())

    # --- recovery --------------------------------------------------------------------------

    @_locked
    def create_recovery_grant(self, identity_id: str, kind: str, expires_in: timedelta | None) -> RecoveryGrant:
        """A recovery code (6 digits) or link token (32 characters) for an identity."""
        if identity_id not in self._identities:
            if kind == "link":
                raise bad_request("The requested identity id does not exist.")
            raise not_found("could not find identity")
        secret = self.entropy.digits(6) if kind == "code" else self.entropy.token(32)
        grant = RecoveryGrant(
            flow_id=self.entropy.uuid4(),
            identity_id=identity_id,
            kind=kind,
            secret=secret,
            expires_at=self.clock.now() + (expires_in or DEFAULT_LIFESPAN),
        )
        self._set_grant(grant.flow_id, grant)
        return grant

    def recovery_grants(self, identity_id: str | None = None) -> list[RecoveryGrant]:
        with self.lock:
            return [g for g in self._grants.values() if identity_id is None or g.identity_id == identity_id]


def _unique_keys(identity: Identity) -> Iterator[UniqueKey]:
    for kind, credential in identity.credentials.items():
        for identifier in credential.identifiers:
            yield ("credential", kind, identifier)
    for a in identity.verifiable_addresses:
        yield ("verifiable", a.via, a.value)
    for r in identity.recovery_addresses:
        yield ("recovery", r.via, r.value)
    if identity.external_id:
        yield ("external_id", "", identity.external_id)


def _apply_identifiers(stored: dict[str, Credential], derived: Derived, now: datetime) -> None:
    """Identifiers of password/webauthn/code follow the traits; the credential exists even unset."""
    for kind in ("password", "webauthn", "code"):
        values = derived.identifiers.get(kind)
        current = stored.get(kind)
        if values is None and current is None:
            continue
        config: Any = current.config if current is not None else {}
        if kind == "code":
            config = {"addresses": [{"channel": via, "address": address} for via, address in derived.code_addresses]}
        identifiers = tuple(values or ())
        if current is not None and current.identifiers == identifiers and current.config == config:
            continue
        stored[kind] = Credential(
            type=kind,
            identifiers=identifiers,
            config=config,
            version=creds.CODE_VERSION.get(kind, 0),
            created_at=current.created_at if current else now,
            updated_at=now,
        )


def _address_dict(address: VerifiableAddress | RecoveryAddress) -> dict[str, Any]:
    out = {
        "id": address.id,
        "value": address.value,
        "via": address.via,
        "created_at": address.created_at,
        "updated_at": address.updated_at,
    }
    if isinstance(address, VerifiableAddress):
        out.update(verified=address.verified, status=address.status, verified_at=address.verified_at)
    return out


def _match(sources: list[dict[str, Any]], via: str, value: str) -> dict[str, Any] | None:
    for src in sources:
        if src.get("via") == via and isinstance(src.get("value"), str) and normalize_identifier(src["value"]) == value:
            return src
    return None


def _as_time(value: Any, default: datetime) -> datetime:
    if isinstance(value, datetime):
        return wire.to_utc(value)
    if isinstance(value, str):
        try:
            return wire.to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return default
    return default
