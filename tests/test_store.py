"""The store against a plain-dict model (hypothesis state machine), plus its lifecycle."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from mockserver.clock import Entropy, ManualClock
from mockserver.errors import KratosError
from mockserver.identity_schemas import SchemaRegistry, default_schemas
from mockserver.models import IdentityDraft
from mockserver.store import Store

EMAILS = st.sampled_from([f"user{i}@example.com" for i in range(6)] + [" USER0@example.com"])
EXTERNAL = st.none() | st.sampled_from(["e1", "e2", "e3"])


def new_store(seed: int = 0) -> Store:
    return Store(SchemaRegistry(default_schemas()), clock=ManualClock(), entropy=Entropy(seed))


def draft(email: str, external_id: str | None = None) -> IdentityDraft:
    return IdentityDraft(schema_id="default", traits={"email": email}, external_id=external_id)


def norm(email: str) -> str:
    return email.strip().lower()


class StoreMachine(RuleBasedStateMachine):
    """Identities and sessions: uniqueness, cascade, pagination and undo, against dicts."""

    identities = Bundle("identities")
    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.store = new_store()
        self.emails: dict[str, str] = {}  # identity id -> normalised email
        self.external: dict[str, str] = {}
        self.live: dict[str, tuple[str, bool]] = {}  # session id -> (identity id, active flag)
        self.snapshot: tuple[object, dict[str, str], dict[str, str], dict[str, tuple[str, bool]]] | None = None

    def _taken(self, email: str, external_id: str | None, me: str | None = None) -> bool:
        clash = any(e == norm(email) for i, e in self.emails.items() if i != me)
        return clash or (external_id is not None and any(x == external_id for i, x in self.external.items() if i != me))

    @rule(target=identities, email=EMAILS, external_id=EXTERNAL)
    def create(self, email: str, external_id: str | None) -> str:
        expected_conflict = self._taken(email, external_id)
        try:
            identity = self.store.create_identity(draft(email, external_id))
        except KratosError as error:
            assert expected_conflict and error.code == 409
            return "00000000-0000-4000-8000-000000000000"
        assert not expected_conflict
        self.emails[identity.id] = norm(email)
        if external_id:
            self.external[identity.id] = external_id
        return identity.id

    @rule(identity_id=identities, email=EMAILS)
    def update(self, identity_id: str, email: str) -> None:
        if identity_id not in self.emails:
            with pytest.raises(KratosError) as info:
                self.store.update_identity(identity_id, draft(email))
            assert info.value.code == 404
            return
        expected_conflict = self._taken(email, None, identity_id)
        try:
            self.store.update_identity(identity_id, draft(email))
        except KratosError as error:
            assert expected_conflict and error.code == 409
            return
        assert not expected_conflict
        self.emails[identity_id] = norm(email)
        self.external.pop(identity_id, None)  # PUT without external_id clears it

    @rule(identity_id=consumes(identities))
    def delete(self, identity_id: str) -> None:
        if identity_id not in self.emails:
            with pytest.raises(KratosError):
                self.store.delete_identity(identity_id)
            return
        self.store.delete_identity(identity_id)
        del self.emails[identity_id]
        self.external.pop(identity_id, None)
        self.live = {s: v for s, v in self.live.items() if v[0] != identity_id}

    @rule(target=sessions, identity_id=identities)
    def create_session(self, identity_id: str) -> str:
        if identity_id not in self.emails:
            with pytest.raises(KratosError):
                self.store.create_session(identity_id)
            return "00000000-0000-4000-8000-000000000000"
        session = self.store.create_session(identity_id)
        self.live[session.id] = (identity_id, True)
        return session.id

    @rule(session_id=sessions)
    def disable_session(self, session_id: str) -> None:
        if session_id not in self.live:
            with pytest.raises(KratosError):
                self.store.disable_session(session_id)
            return
        self.store.disable_session(session_id)
        self.live[session_id] = (self.live[session_id][0], False)

    @rule(identity_id=identities)
    def delete_identity_sessions(self, identity_id: str) -> None:
        owned = [s for s, (owner, _) in self.live.items() if owner == identity_id]
        if not owned:
            with pytest.raises(KratosError):
                self.store.delete_identity_sessions(identity_id)
            return
        assert self.store.delete_identity_sessions(identity_id) == len(owned)
        for s in owned:
            del self.live[s]

    @rule()
    def take_snapshot(self) -> None:
        if self.snapshot is None:
            self.snapshot = (self.store.snapshot(), dict(self.emails), dict(self.external), dict(self.live))

    @rule()
    def restore_snapshot(self) -> None:
        if self.snapshot is not None:
            mark, self.emails, self.external, self.live = self.snapshot
            self.store.restore(mark)  # type: ignore[arg-type]
            self.emails, self.external, self.live = dict(self.emails), dict(self.external), dict(self.live)

    @rule(size=st.integers(1, 4))
    def paging_sees_everything_once(self, size: int) -> None:
        seen, token = [], None
        while True:
            page = self.store.list_identities(page_size=size, page_token=token)
            seen += [i.id for i in page.items]
            if not page.has_next:
                break
            token = page.items[-1].id
        assert seen == sorted(self.emails)

    @invariant()
    def matches_model(self) -> None:
        assert {i.id: i.traits["email"].strip().lower() for i in self.store.identities()} == self.emails
        for identity_id, email in self.emails.items():
            found = self.store.list_identities(credentials_identifier=email).items
            assert [i.id for i in found] == [identity_id]
        for identity_id, external_id in self.external.items():
            assert self.store.get_identity_by_external_id(external_id).id == identity_id
        assert {s.id: (s.identity_id, s.active) for s in self.store.sessions()} == self.live


TestStoreMachine = StoreMachine.TestCase
TestStoreMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)


def test_same_seed_same_ids() -> None:
    a, b, c = new_store(42), new_store(42), new_store(43)
    first = a.create_identity(draft("x@example.com"))
    assert first == b.create_identity(draft("x@example.com"))  # ids, address ids, timestamps
    assert c.create_identity(draft("x@example.com")).id != first.id


def test_restore_costs_what_changed_not_what_is_stored() -> None:
    store = new_store()
    for i in range(2000):
        store.create_identity(draft(f"seed{i}@example.com"))
    mark = store.snapshot()
    victim = next(store.identities())
    store.delete_identity(victim.id)
    store.create_identity(draft("new@example.com"))
    assert store.restore(mark) == 2  # two writes undone, whatever the size of the store
    assert store.find_identity(victim.id) == victim
    assert store.list_identities(credentials_identifier="new@example.com").items == []
    assert len(store) == 2000


def test_session_active_is_computed() -> None:
    store = new_store()
    identity = store.create_identity(draft("a@example.com"))
    session = store.create_session(identity.id)
    assert store.is_session_active(session)
    store.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert not store.is_session_active(session)
    extended = store.extend_session(session.id)
    assert store.is_session_active(extended)


def test_reset_forgets_everything_and_invalidates_snapshots() -> None:
    store = new_store()
    mark = store.snapshot()
    store.create_identity(draft("a@example.com"))
    store.reset()
    assert len(store) == 0
    with pytest.raises(ValueError, match="earlier state"):
        store.restore(mark)


def test_concurrent_writers_never_break_uniqueness() -> None:
    """Event loop and test threads share one store: every call is atomic under its lock."""
    store = new_store()
    errors: list[int] = []

    def worker(n: int) -> None:
        for i in range(50):
            try:
                store.create_identity(draft(f"shared{i % 10}@example.com"))
            except KratosError as error:
                errors.append(error.code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) == 10
    assert errors == [409] * 190


def test_journal_keeps_one_entry_per_key_however_often_it_changes() -> None:
    """A long-running server behind a held baseline must not grow with every write."""
    store = new_store()
    identity = store.create_identity(draft("a@example.com"))
    mark = store.snapshot()
    for n in range(300):
        store.update_identity(identity.id, draft(f"a{n}@example.com"))
    assert store.undo_log_size() == 1  # the point of the test
    assert store.restore(mark) == 1
    assert store.get_identity(identity.id) == identity
    inner = store.snapshot()
    store.update_identity(identity.id, draft("b@example.com"))
    store.release(inner)
    store.update_identity(identity.id, draft("c@example.com"))
    store.restore(mark)
    assert store.get_identity(identity.id) == identity
