"""The undo log and transactions: a rejected write changes nothing and draws no randomness."""

from __future__ import annotations

import pytest

from mockserver.clock import Entropy, ManualClock
from mockserver.errors import KratosError
from mockserver.identity_schemas import SchemaRegistry, default_schemas
from mockserver.models import IdentityDraft, ImportedCredential
from mockserver.store import Store
from mockserver.store.tables import Table
from mockserver.store.undo import UndoLog


def new_store(seed: int = 0) -> Store:
    return Store(SchemaRegistry(default_schemas()), clock=ManualClock(), entropy=Entropy(seed))


def test_a_rejected_create_consumes_no_seeded_randomness() -> None:
    """IDs after a failure are the ones a run without the failure would have drawn."""
    clean, failing = new_store(), new_store()
    failing.create_identity(IdentityDraft(traits={"email": "a@example.com"}))
    clean.create_identity(IdentityDraft(traits={"email": "a@example.com"}))
    with pytest.raises(KratosError) as conflict:
        failing.create_identity(IdentityDraft(traits={"email": "A@example.com"}))  # same identifier
    assert conflict.value.code == 409
    assert failing.create_identity(IdentityDraft(traits={"email": "b@example.com"})) == clean.create_identity(
        IdentityDraft(traits={"email": "b@example.com"})
    )


def test_a_plaintext_password_is_hashed_only_when_the_write_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver import credentials

    hashed: list[str] = []
    real = credentials.hash_plaintext
    monkeypatch.setattr(credentials, "hash_plaintext", lambda p, s: hashed.append(p) or real(p, s))
    store = new_store()
    password = {"password": ImportedCredential("password", {"hashed_password": ""}, plaintext="pw1234567")}
    with pytest.raises(KratosError):
        store.create_identity(IdentityDraft(schema_id="nope", traits={}, credentials=password))
    assert hashed == []
    created = store.create_identity(IdentityDraft(traits={"email": "a@example.com"}, credentials=password))
    assert hashed == ["pw1234567"]
    assert created.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")


def test_transaction_undoes_every_write_inside_it() -> None:
    store = new_store()
    kept = store.create_identity(IdentityDraft(traits={"email": "kept@example.com"}))
    with pytest.raises(RuntimeError), store.transaction():
        store.create_identity(IdentityDraft(traits={"email": "gone@example.com"}))
        store.delete_identity(kept.id)
        raise RuntimeError("boom")
    assert [i.id for i in store.identities()] == [kept.id]
    assert store.undo_log_size() == 0  # nothing held once no snapshot is


def test_released_inner_marks_leave_one_entry_per_key() -> None:
    log = UndoLog()
    table: Table[str, int] = Table(log)
    outer = log.mark()
    table.put("k", 1)
    for n in range(5):
        inner = log.mark()
        table.put("k", n + 2)
        log.release(inner)
    assert len(log) == 1
    assert log.undo_to(outer) == 1 and table.get("k") is None


def test_the_default_schema_is_journaled_like_any_row() -> None:
    store = new_store()
    mark = store.snapshot()
    store.put_schema("other", {"type": "object", "properties": {"traits": {"type": "object"}}}, default=True)
    assert store.schemas.default_id == "other"
    store.restore(mark)
    assert store.schemas.default_id == "default" and store.schemas.get("other") is None
