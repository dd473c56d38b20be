"""Injected time and randomness: every timestamp, ID, token and code comes from here.

With a seed and a manual clock two runs are byte-identical; tests move time to expire things.
"""

from __future__ import annotations

import random
import string
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

# Kratos' reference instant for seeded runs: fixed, so timestamps are reproducible.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC time, truncated to microseconds like Kratos' database columns."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (frozen at ``start``), for deterministic runs."""

    def __init__(self, start: datetime = EPOCH, *, tick: timedelta = timedelta(0)) -> None:
        self._now = start
        self._tick = tick
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current = self._now
            self._now += self._tick
            return current

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


_ALNUM = string.ascii_letters + string.digits


class Entropy:
    """Seedable source of UUIDs, tokens and codes (``random.Random``, never the OS)."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, length: int = 32) -> str:
        return "".join(self._random.choices(_ALNUM, k=length))

    def digits(self, length: int = 6) -> str:
        return "".join(self._random.choices(string.digits, k=length))

    def state(self) -> object:
        return self._random.getstate()

    def set_state(self, state: object) -> None:
        self._random.setstate(state)  # type: ignore[arg-type]
