"""Injected time and randomness: every timestamp, ID, token and code comes from here.

With a seed and a manual clock two runs are byte-identical; tests move time to expire things.
"""

from __future__ import annotations

import random
import string
import threading
import uuid
from datetime import UTC, datetime, timedelta

from .values import TIME_EXPECTED, parse_go_duration, parse_time

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

    def freeze(self, at: datetime | str | None = None) -> None:
        """Stop the clock, at ``at`` (a datetime or an RFC 3339 string) or now."""
        instant = _instant(at) if at is not None else None
        with self._lock:
            self._frozen = instant if instant is not None else self.now()

    def unfreeze(self) -> None:
        """Run again from the current instant (the offset keeps any jump made while frozen)."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - datetime.now(UTC)
                self._frozen = None

    def advance(self, delta: timedelta | str) -> None:
        """Move the clock on by a ``timedelta`` or a Go duration (``"25h"``, ``"1h30m"``), as
        ``POST /__mock__/clock {"advance": ...}`` does."""
        delta = _duration(delta)
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def set(self, instant: datetime | str) -> None:
        """Jump to ``instant``: a datetime (naive means UTC) or an RFC 3339 string."""
        instant = _instant(instant)
        with self._lock:
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


def _instant(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return _utc(value)
    parsed = parse_time(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"expected a datetime or {TIME_EXPECTED}, got {value!r}")
    return parsed


def _duration(value: timedelta | str) -> timedelta:
    if isinstance(value, timedelta):
        return value
    parsed = parse_go_duration(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"expected a timedelta or a Go duration such as '25h' or '1h30m', got {value!r}")
    return parsed


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
