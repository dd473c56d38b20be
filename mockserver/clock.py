"""Injected time and randomness: every timestamp, ID, token and code comes from here.

With a seed and a manual clock two runs are byte-identical; tests move time to expire things.
"""

from __future__ import annotations

import random
import string
import threading
import uuid
from datetime import UTC, datetime, timedelta

# Kratos' reference instant for seeded runs: fixed, so timestamps are reproducible.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class MockClock:
    """The store's clock: real time (plus any offset) or frozen at an instant; tests can move it.

    ``freeze``/``unfreeze``/``advance``/``set`` are what ``POST /__mock__/clock`` and the pytest
    handle call. Thread-safe: the event loop and the test thread both read it.
    """

    def __init__(self, *, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = frozen_at
        self._offset = timedelta(0)

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def now(self) -> datetime:
        frozen = self._frozen
        return frozen if frozen is not None else datetime.now(UTC) + self._offset

    def freeze(self, at: datetime | None = None) -> None:
        with self._lock:
            self._frozen = _utc(at) if at is not None else self.now()

    def unfreeze(self) -> None:
        """Run again from the current instant (the offset keeps any jump made while frozen)."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - datetime.now(UTC)
                self._frozen = None

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def set(self, instant: datetime) -> None:
        with self._lock:
            instant = _utc(instant)
            if self._frozen is not None:
                self._frozen = instant
            else:
                self._offset = instant - datetime.now(UTC)

    def state(self) -> tuple[datetime | None, timedelta]:
        return self._frozen, self._offset

    def set_state(self, state: tuple[datetime | None, timedelta]) -> None:
        with self._lock:
            self._frozen, self._offset = state


def SystemClock() -> MockClock:  # noqa: N802 - reads like the class it stands for
    """A clock on real time."""
    return MockClock()


def ManualClock(start: datetime = EPOCH) -> MockClock:  # noqa: N802 - reads like the class it stands for
    """A clock frozen at ``start`` (2026-01-01T00:00:00Z by default): it moves only when told to."""
    return MockClock(frozen_at=start)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_ALNUM = string.ascii_letters + string.digits


class Entropy:
    """Seedable source of UUIDs, tokens and codes (``random.Random``, never the OS)."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, length: int = 32) -> str:
        return "".join(self._random.choices(_ALNUM, k=length))

    def bytes(self, length: int) -> bytes:
        return self._random.getrandbits(8 * length).to_bytes(length, "big")

    def digits(self, length: int = 6) -> str:
        return "".join(self._random.choices(string.digits, k=length))

    def state(self) -> object:
        return self._random.getstate()

    def set_state(self, state: object) -> None:
        self._random.setstate(state)  # type: ignore[arg-type]
