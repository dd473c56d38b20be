"""The mock's own controls, free of HTTP: the seeded baseline, reset, fixture loading, the journal.

The control plane (``/__mock__``) and the pytest plugin both drive a ``MockController``.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any
from urllib.parse import parse_qs

from .faults import FaultTable
from .fixtures import Source, load_fixtures
from .matchers import MISSING, Expectation, matching, near_misses
from .store import Snapshot, Store
from .values import fmt_time

DEFAULT_JOURNAL_SIZE = 10_000
DEFAULT_JOURNAL_BYTES = 32 * 1024 * 1024
BODY_LIMIT = 64 * 1024  # bytes of a request body the journal keeps
HEADER_LIMIT = 8 * 1024  # bytes of request headers the journal keeps (names and values)


@dataclass(slots=True)
class JournalEntry:
    """One request to the Kratos API, as the mock saw it. The body and query are kept as the bytes
    received (the body cut at 64 KiB) and parsed when read, so an entry costs what was sent.
    Never changed once recorded (not ``frozen``: a frozen dataclass costs ten times as much to
    build, and one is built per request)."""

    method: str
    path: str
    raw_query: bytes
    raw_body: bytes
    status: int
    operation_id: str | None
    time: datetime
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()  # as received, names lower-case, up to 8 KiB
    fault: str | None = None  # the injected fault the client got instead ("status", "connection_reset", ...)

    @property
    def size(self) -> int:
        headers = sum(map(len, chain.from_iterable(self.raw_headers)))  # no Python-level loop per request
        return len(self.raw_body) + len(self.raw_query) + len(self.path) + headers + 200

    @property
    def headers(self) -> dict[str, str]:
        """Header names (lower-case) to values; repeated headers joined with ", " as HTTP allows."""
        out: dict[str, str] = {}
        for name, value in self.raw_headers:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            out[key] = f"{out[key]}, {text}" if key in out else text
        return out

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.raw_query.decode("latin-1"), keep_blank_values=True)

    @property
    def body(self) -> Any:
        """Parsed JSON when it is (and was kept whole), else the text."""
        if not self.raw_body:
            return None
        if len(self.raw_body) < BODY_LIMIT:
            try:
                return json.loads(self.raw_body)
            except (ValueError, RecursionError):
                pass
        return self.raw_body.decode("utf-8", "replace")

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "status": self.status,
            "operation_id": self.operation_id,
            "time": fmt_time(self.time),
            "headers": self.headers,
            "fault": self.fault,
        }


def kept_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    """The request headers the journal keeps: in order, up to ``HEADER_LIMIT`` bytes."""
    kept = tuple(headers)
    if sum(map(len, chain.from_iterable(kept))) <= HEADER_LIMIT:  # the usual case, without a Python loop
        return kept
    room = HEADER_LIMIT
    for index, (name, value) in enumerate(kept):
        room -= len(name) + len(value)
        if room < 0:
            return kept[:index]
    return kept


class RequestJournal:
    """The last ``maxlen`` requests, and no more than ``max_bytes`` of them (oldest dropped
    first), so neither a long run nor hostile bodies can eat memory."""

    def __init__(self, maxlen: int = DEFAULT_JOURNAL_SIZE, max_bytes: int = DEFAULT_JOURNAL_BYTES) -> None:
        self._entries: deque[JournalEntry] = deque()
        self._sizes: deque[int] = deque()  # each entry's size, measured once
        self._lock = threading.Lock()
        self.maxlen = maxlen
        self.max_bytes = max_bytes
        self._bytes = 0
        self.epoch = 0  # counts clears: a request that began before one is not recorded after it

    @property
    def bytes(self) -> int:
        """What the kept entries hold (bodies, queries, paths and a fixed overhead each)."""
        return self._bytes

    def record(self, entry: JournalEntry, epoch: int | None = None) -> None:
        """Keep ``entry``, unless the journal was cleared since its request began (``epoch``, read
        then): a request still running when a test's reset came belongs to no later test."""
        with self._lock:
            if epoch is not None and epoch != self.epoch:
                return
            size = entry.size
            self._entries.append(entry)
            self._sizes.append(size)
            self._bytes += size
            while self._entries and (len(self._entries) > self.maxlen or self._bytes > self.max_bytes):
                self._entries.popleft()
                self._bytes -= self._sizes.popleft()

    def entries(self, operation_id: str | None = None) -> list[JournalEntry]:
        with self._lock:
            return [e for e in self._entries if operation_id is None or e.operation_id == operation_id]

    def count(self, operation_id: str | None = None) -> int:
        return len(self.entries(operation_id))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0
            self.epoch += 1

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def assert_called(
        self,
        operation_id: str,
        times: int | None = None,
        *,
        json: Any = MISSING,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> list[JournalEntry]:
        """Fail unless ``operation_id`` was called (exactly ``times`` times, if given) with requests
        matching ``json`` (a subset), ``headers``, ``query``, ``method``, ``path`` and ``status``
        (``matchers``); the message then shows the nearest requests and what differed.
        Returns the matching entries."""
        __tracebackhide__ = True  # pytest shows the test's line, not this one
        expectation = Expectation(operation_id, json, headers or {}, query or {}, method, path, status)
        entries = self.entries()
        calls = matching(entries, expectation)
        plain = expectation == Expectation(operation_id)
        if (times is None and calls) or (times is not None and len(calls) == times):
            return calls
        if plain and times is None:
            raise AssertionError(f"{operation_id} was never called; calls: {self._summary()}")
        if plain:
            raise AssertionError(f"{operation_id} was called {len(calls)} times, not {times}; calls: {self._summary()}")
        what = expectation.describe()
        said = f"{what} was never called" if times is None else f"{what} was called {len(calls)} times, not {times}"
        raise AssertionError(f"{said}; {near_misses(entries, expectation)}")

    def assert_not_called(self, operation_id: str, **matchers: Any) -> None:
        """Fail if any request of ``operation_id`` matches (the same matchers as ``assert_called``)."""
        __tracebackhide__ = True
        expectation = Expectation(operation_id, **matchers)
        calls = matching(self.entries(), expectation)
        if calls:
            shown = ", ".join(f"{e.method} {e.path} ({e.status})" for e in calls[:5])
            raise AssertionError(f"{expectation.describe()} was called {len(calls)} times: {shown}")

    def assert_all_called(self, *operation_ids: str) -> None:
        """Fail naming every one of ``operation_ids`` that was never called (respx's
        ``assert_all_called``, by operationId)."""
        __tracebackhide__ = True
        called = {e.operation_id for e in self.entries()}
        missing = [op for op in operation_ids if op not in called]
        if missing:
            raise AssertionError(f"never called: {', '.join(missing)}; calls: {self._summary()}")

    def _summary(self) -> str:
        names = [e.operation_id or f"{e.method} {e.path}" for e in self.entries()]
        return ", ".join(names[-20:]) or "none"


class MockController:
    """The store plus the points it resets to, the request journal and the faults.

    The baselines form a stack: the bottom one is the loaded fixtures (sealed by ``create_app``);
    ``begin`` pushes another (the pytest plugin's per-test start: marker fixtures and seed applied)
    and ``end`` pops it. ``reset`` returns to the top one; ``seal`` replaces it with the current
    state (``POST /__mock__/baseline``)."""

    def __init__(self, store: Store, journal: RequestJournal | None = None, faults: FaultTable | None = None) -> None:
        self.store = store
        self.journal = journal if journal is not None else RequestJournal()
        self.faults = faults if faults is not None else FaultTable()
        self._baselines: list[Snapshot] = []

    @property
    def depth(self) -> int:
        """How many baselines are held (1 once sealed; more inside ``begin``)."""
        return len(self._baselines)

    def load(self, documents: Iterable[Source], *, baseline: bool = False) -> dict[str, int]:
        """Load fixture documents now; they stay until the next ``reset``, or, with ``baseline``,
        become part of the state ``reset`` returns to."""
        with self.store.lock:
            counts = load_fixtures(self.store, documents)
            if baseline:
                self.seal()
        return counts

    def seal(self) -> None:
        """Make the current state the one ``reset`` returns to (the top baseline)."""
        with self.store.lock:
            if self._baselines:
                self.store.release(self._baselines.pop())
            self._baselines.append(self.store.snapshot())

    def begin(self) -> int:
        """Push a baseline at the current state: ``reset`` returns here until ``end``. Returns the
        depth to give ``end``."""
        with self.store.lock:
            depth = len(self._baselines)
            self._baselines.append(self.store.snapshot())
            return depth

    def end(self, depth: int) -> int:
        """Drop the baselines pushed since ``begin`` returned ``depth`` and reset to the one below."""
        with self.store.lock:
            while len(self._baselines) > max(depth, 1):
                self.store.release(self._baselines.pop())
            return self.reset()

    def reset(self) -> int:
        """Back to the top baseline (fixtures, random state, clock), journal emptied, faults
        cleared (their random stream rewound); returns the writes undone."""
        self.journal.clear()
        self.faults.reset()
        with self.store.lock:
            if self._baselines:
                try:
                    return self.store.restore(self._baselines[-1])
                except ValueError:  # the store was wiped (store.reset()): its data is the new baseline
                    self._baselines.clear()
            self.seal()
            return 0
