"""Request verification over the journal: which recorded requests match an expectation, and, when
none does, the nearest ones and what differed (WireMock's "near misses").

Matching rules (``kratos_mock.requests.assert_called`` and friends):

* ``json``: a subset. Every key of an expected object must be present and match; arrays match
  element by element and must have the same length; anything else compares with ``==``, so
  ``unittest.mock.ANY`` matches any value (and ``True`` never matches ``1``).
* ``headers``: names case-insensitive, values exact (repeated headers joined with ", ").
* ``query``: each named parameter's values exactly: ``"2"`` (or ``2``) means the one value "2", a
  list means those values in that order; unnamed parameters are ignored.
* ``method``, ``path``, ``status``: equal (``path`` as received, e.g. ``/admin/identities``).

Free of HTTP: it reads ``JournalEntry`` objects only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .control import JournalEntry

NEAREST = 3  # near misses shown in a failure message


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # "no json expectation" (None would mean "a request without a body")


@dataclass(frozen=True)
class Expectation:
    """What a test expects of a request; ``differences`` says how an entry falls short."""

    operation_id: str | None = None
    json: Any = MISSING
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None
    status: int | None = None

    def differences(self, entry: JournalEntry) -> list[str]:
        out = []
        if self.operation_id is not None and entry.operation_id != self.operation_id:
            out.append(f"operation: expected {self.operation_id}, got {entry.operation_id}")
        if self.method is not None and entry.method != self.method.upper():
            out.append(f"method: expected {self.method.upper()}, got {entry.method}")
        if self.path is not None and entry.path != self.path:
            out.append(f"path: expected {self.path!r}, got {entry.path!r}")
        if self.status is not None and entry.status != self.status:
            out.append(f"status: expected {self.status}, got {entry.status}")
        if self.json is not MISSING:
            out += json_differences(self.json, entry.body, "json")
        if self.headers:
            recorded = entry.headers
            for name, value in self.headers.items():
                got = recorded.get(name.lower())
                if got != value:
                    shown = "missing" if got is None else repr(got)
                    out.append(f"headers.{name.lower()}: expected {value!r}, got {shown}")
        if self.query:
            recorded_query = entry.query
            for name, value in self.query.items():
                wanted = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
                got_values = recorded_query.get(name)
                if got_values != wanted:
                    shown = "missing" if got_values is None else repr(got_values)
                    out.append(f"query.{name}: expected {wanted!r}, got {shown}")
        return out

    def describe(self) -> str:
        parts = [self.operation_id or "a request"]
        for name in ("method", "path", "status"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)!r}")
        if self.json is not MISSING:
            parts.append(f"json={self.json!r}")
        if self.headers:
            parts.append(f"headers={dict(self.headers)!r}")
        if self.query:
            parts.append(f"query={dict(self.query)!r}")
        return parts[0] + (" with " + ", ".join(parts[1:]) if len(parts) > 1 else "")


def json_differences(expected: Any, actual: Any, where: str) -> list[str]:
    """How ``actual`` fails to contain ``expected`` (empty: it matches), one line per field."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{where}: expected an object, got {_short(actual)}"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{where}.{key}: missing (expected {_short(value)})")
            else:
                out += json_differences(value, actual[key], f"{where}.{key}")
        return out
    if isinstance(expected, list | tuple):
        if not isinstance(actual, list):
            return [f"{where}: expected an array, got {_short(actual)}"]
        if len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {len(actual)}: {_short(actual)}"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in json_differences(e, a, f"{where}[{i}]")
        ]
    numeric = isinstance(expected, int | float)  # then True must not match 1, nor 1 match True
    if (numeric and isinstance(expected, bool) != isinstance(actual, bool)) or expected != actual:
        return [f"{where}: expected {_short(expected)}, got {_short(actual)}"]
    return []


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def matching(entries: Iterable[JournalEntry], expectation: Expectation) -> list[JournalEntry]:
    return [e for e in entries if not expectation.differences(e)]


def near_misses(entries: Sequence[JournalEntry], expectation: Expectation, limit: int = NEAREST) -> str:
    """The recorded requests closest to ``expectation`` and what differed, nearest first: calls of
    the same operation before others, then by how many fields differ."""
    if not entries:
        return "no requests were recorded"
    ranked = sorted(
        ((e, expectation.differences(e)) for e in entries if not _exact(expectation, e)),
        key=lambda pair: (pair[0].operation_id != expectation.operation_id, len(pair[1])),
    )
    if not ranked:
        return "every recorded request matched"
    lines = []
    for entry, diffs in ranked[:limit]:
        name = entry.operation_id or "no operation"
        lines.append(f"  {entry.method} {entry.path} ({name}, {entry.status or 'no status'}, {_when(entry.time)}):")
        lines += [f"    - {d}" for d in diffs]
    more = len(ranked) - limit
    if more > 0:
        lines.append(f"  ... and {more} more")
    return "nearest recorded requests:\n" + "\n".join(lines)


def _exact(expectation: Expectation, entry: JournalEntry) -> bool:
    return not expectation.differences(entry)


def _when(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def select(
    entries: Iterable[JournalEntry],
    *,
    operation_id: str | None = None,
    method: str | None = None,
    path: str | None = None,
    status: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[JournalEntry]:
    """The entries ``GET /__mock__/requests`` filters to: all given criteria hold (times inclusive)."""
    upper = method.upper() if method else None
    return [
        e
        for e in entries
        if (operation_id is None or e.operation_id == operation_id)
        and (upper is None or e.method == upper)
        and (path is None or e.path == path)
        and (status is None or e.status == status)
        and (since is None or e.time >= since)
        and (until is None or e.time <= until)
    ]
