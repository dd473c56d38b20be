"""Faults per operation (``POST /__mock__/faults``, ``kratos_mock.faults``): the table, its checks
and its seeded draws. Free of HTTP; ``fault_injection`` acts on what ``pick`` returns.

**Randomness.** ``probability`` draws from a stream of its own, seeded from the app's seed
(``random.Random("kratos-mock faults <seed>")``), never from the store's ``Entropy``: adding a fault
must not shift the ids, tokens and codes a seeded run creates, and a seeded run fires the same
faults on the same requests every time. ``reset`` clears the faults and rewinds the stream.
"""

from __future__ import annotations

import difflib
import random
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# What the client sees instead of an HTTP status: WireMock's CONNECTION_RESET_BY_PEER,
# EMPTY_RESPONSE and MALFORMED_RESPONSE_CHUNK, and a request held past the client's timeout.
KINDS = ("connection_reset", "empty_response", "malformed_json", "timeout")
FIELDS = ("operation_id", "status", "fault", "delay_ms", "times", "probability", "after", "body", "headers")
MAX_DELAY_MS = 600_000
TIMEOUT_SECONDS = 600.0  # "timeout" holds a request until its client gives up, or this long


class FaultError(ValueError):
    """A fault that cannot be added; the text says what was wrong (a 400 on the control plane)."""


@dataclass
class Fault:
    """One injected fault. ``times`` None fires on every matching request; ``fired`` counts."""

    id: int
    operation_id: str
    status: int | None = None
    fault: str | None = None
    delay_ms: int = 0
    times: int | None = None
    probability: float = 1.0
    after: bool = False
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    fired: int = 0

    @property
    def kind(self) -> str:
        """What the journal records: the ``fault``, else "status" or "delay"."""
        return self.fault or ("status" if self.status is not None else "delay")

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "operation_id": self.operation_id}
        if self.status is not None:
            out["status"] = self.status
        if self.fault is not None:
            out["fault"] = self.fault
        out |= {"delay_ms": self.delay_ms, "times": self.times, "probability": self.probability, "after": self.after}
        if self.body is not None:
            out["body"] = self.body
        if self.headers:
            out["headers"] = self.headers
        remaining = None if self.times is None else max(self.times - self.fired, 0)
        return out | {"fired": self.fired, "remaining": remaining}


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field names


def _header(name: Any, value: Any) -> bool:
    """A header uvicorn will send (anything else would fail only when the fault fires)."""
    if not isinstance(name, str) or not isinstance(value, str) or not _TOKEN.fullmatch(name):
        return False
    return value.isprintable() and all(ord(c) < 256 for c in value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_fault(document: Mapping[str, Any], operations: Iterable[str] | None = None, fault_id: int = 0) -> Fault:
    """A fault from the control plane's body (or the pytest handle's arguments), every problem named
    at once. ``operations``: the operationIds the mock serves (None: any name)."""
    if not isinstance(document, Mapping):
        raise FaultError(
            f"a fault is an object such as {{'operation_id': 'getIdentity', 'status': 503}}, got {document!r}"
        )
    problems = []
    for name in document:
        if name not in FIELDS:
            close = difflib.get_close_matches(str(name), FIELDS, n=1)
            problems.append(f"unknown field {name!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
    operation_id = document.get("operation_id")
    known = None if operations is None else sorted(operations)
    if not isinstance(operation_id, str) or not operation_id:
        problems.append(f"operation_id must name a Kratos operation (e.g. 'getIdentity'), got {operation_id!r}")
    elif known is not None and operation_id not in known:
        close = difflib.get_close_matches(operation_id, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"operation_id {operation_id!r} is not an operation of this mock's Kratos API{hint}")
    status = document.get("status")
    if status is not None and (not _integer(status) or not 400 <= status <= 599):
        problems.append(f"status must be an HTTP error status (400-599), got {status!r}")
    kind = document.get("fault")
    if kind is not None and kind not in KINDS:
        problems.append(f"fault must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind in ("connection_reset", "empty_response", "timeout") and status is not None:
        problems.append(f"fault {kind!r} sends no status; drop status={status!r}")
    delay = document.get("delay_ms", 0)
    if not _integer(delay) or not 0 <= delay <= MAX_DELAY_MS:
        problems.append(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}, got {delay!r}")
        delay = 0
    if status is None and kind is None and delay == 0 and not problems:
        problems.append("a fault needs a status, a fault (" + ", ".join(KINDS) + ") or a delay_ms")
    times = document.get("times")
    if times is not None and (not _integer(times) or times < 1):
        problems.append(f"times must be a positive integer (or null for every request), got {times!r}")
    probability = document.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 <= probability <= 1:
        problems.append(f"probability must be a number from 0 to 1, got {probability!r}")
    after = document.get("after", False)
    if not isinstance(after, bool):
        problems.append(f"after must be true or false, got {after!r}")
    body = document.get("body")
    if body is not None and status is None:
        problems.append("body is sent with a status; give status too")
    headers = document.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(_header(k, v) for k, v in headers.items()):
        problems.append(f"headers must map header names to one-line Latin-1 strings, got {headers!r}")
    elif headers and status is None:
        problems.append("headers are sent with a status; give status too")
    if problems:
        raise FaultError("; ".join(problems))
    return Fault(
        id=fault_id,
        operation_id=operation_id,  # type: ignore[arg-type]  # checked above
        status=status,
        fault=kind,
        delay_ms=delay,
        times=times,
        probability=float(probability),
        after=after,
        body=body,
        headers=dict(headers),
    )


def success_statuses(document: Mapping[str, Any]) -> dict[str, int]:
    """operationId → its first 2xx response in an OpenAPI document (200 when it declares none)."""
    out = {}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                codes = sorted(str(c) for c in operation.get("responses", {}) if str(c).startswith("2"))
                out[operation["operationId"]] = int(codes[0]) if codes and codes[0].isdigit() else 200
    return out


def _stream_seed(seed: int | None) -> str | None:
    return None if seed is None else f"kratos-mock faults {seed}"


class FaultTable:
    """The faults in force, in the order added; the first that fires for a request wins.

    ``active`` is the one attribute the request path reads when nothing is configured. The event
    loop and a test thread both use the table, hence the lock."""

    def __init__(self, seed: int | None = None, operations: Mapping[str, int] | None = None) -> None:
        """``operations``: each operationId the mock serves and its success status (for
        ``malformed_json``); None accepts any name."""
        self.operations = None if operations is None else frozenset(operations)
        self.success: Mapping[str, int] = operations or {}
        self.active = False
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self._seed = seed
        self._random = random.Random(_stream_seed(seed))
        self.epoch = 0  # counts resets: a request delayed past one is dropped, not served

    def add(self, operation_id: str | Mapping[str, Any], /, **fields: Any) -> Fault:
        """``add("getIdentity", status=503, times=2)`` or ``add({"operation_id": ..., ...})``.
        Raises ``FaultError`` naming every problem."""
        document = dict(operation_id) if isinstance(operation_id, Mapping) else {"operation_id": operation_id}
        with self._lock:
            fault = parse_fault(document | fields, self.operations, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            self.active = True
            return fault

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            kept = [f for f in self._faults if f.id != fault_id]
            removed = len(kept) != len(self._faults)
            self._faults = kept
            self.active = any(not f.exhausted for f in kept)
            return removed

    def clear(self) -> None:
        with self._lock:
            self._faults = []
            self.active = False

    def reset(self) -> None:
        """No faults, and the stream back at its seed (``MockController.reset``)."""
        with self._lock:
            self._faults = []
            self.active = False
            self._next_id = 1
            self.epoch += 1
            self._random.seed(_stream_seed(self._seed))

    @property
    def seed(self) -> int | None:
        """The seed the probability stream starts from (the app's, or the pytest marker's)."""
        return self._seed

    def reseed(self, seed: int | None) -> None:
        """Draw from ``seed`` from now on (the pytest marker's ``seed=``)."""
        with self._lock:
            self._seed = seed
            self._random.seed(_stream_seed(seed))

    def pick(self, operation_id: str | None) -> Fault | None:
        """The fault this request meets, counted as fired; None to serve it normally.
        A fault with ``probability`` below 1 draws once per matching request."""
        if operation_id is None:
            return None
        with self._lock:
            chosen = None
            for fault in self._faults:
                if fault.operation_id != operation_id or fault.exhausted:
                    continue
                if fault.probability < 1 and self._random.random() >= fault.probability:
                    continue
                fault.fired += 1
                chosen = fault
                break
            self.active = any(not f.exhausted for f in self._faults)
            return chosen

    def unfire(self, fault: Fault) -> None:
        """Take back a firing whose request was rejected before anything could be lost."""
        with self._lock:
            fault.fired = max(fault.fired - 1, 0)
            self.active = any(not f.exhausted for f in self._faults)

    def assert_all_fired(self) -> None:
        """Fail unless every fault fired all its ``times`` (at least once when unlimited), as
        respx's ``assert_all_called`` does for routes."""
        __tracebackhide__ = True
        idle = [f for f in self.list() if f.fired == 0 or (f.times is not None and f.fired < f.times)]
        if idle:
            shown = "; ".join(f"#{f.id} {f.operation_id} fired {f.fired} of {f.times or 'any'}" for f in idle)
            raise AssertionError(f"faults that did not fire as often as set: {shown}")

    def __len__(self) -> int:
        return len(self._faults)
