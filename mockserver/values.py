"""Scalar values as Kratos reads and writes them: RFC 3339 times, UUIDs, integers, Go durations.

One owner per concept: every module that parses or formats one of these calls this one. The
parsers return ``None`` (or raise ``ValueError``) and leave the wording of the error to the caller,
which knows whether it is answering an API request, a fixture or the control plane.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime, timedelta

NIL_UUID = "00000000-0000-0000-0000-000000000000"
INT64 = range(-(2**63), 2**63)
# Instants the mock accepts: far enough from datetime's limits that adding a lifespan cannot overflow.
MIN_TIME = datetime(1, 1, 2, tzinfo=UTC)
MAX_TIME = datetime(9000, 1, 1, tzinfo=UTC)
# Go's time.RFC3339(Nano) layout: a full date, "T", a time, an optional fraction, "Z" or an offset.
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
_DURATION = re.compile(r"(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_DURATION_SECONDS = 9_223_372_036.854775807  # Go's int64 nanoseconds


# --- time ------------------------------------------------------------------------------------


def to_utc(value: datetime) -> datetime:
    """Naive values are taken as UTC; aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fmt_time(value: datetime) -> str:
    """RFC 3339 in UTC like Go's RFC3339Nano: trailing zeros of the fraction dropped.

    Values are converted first, so equal instants in other zones never share a cache entry
    with a different wall-clock text."""
    if value.tzinfo is not UTC:
        value = to_utc(value)
    return _fmt_utc(value)


@functools.lru_cache(maxsize=1 << 16)
def _fmt_utc(value: datetime) -> str:
    """Cached: records are immutable, so the same instants are formatted again and again."""
    base = f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        return f"{base}.{value.microsecond:06d}".rstrip("0") + "Z"
    return base + "Z"


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp (as Go's ``time.Parse(time.RFC3339, ...)`` reads it) in the mock's
    range, in UTC; ``None`` when it is not one. ``datetime`` values (YAML timestamps) pass through."""
    if isinstance(value, datetime):
        parsed = to_utc(value)
    elif isinstance(value, str) and _RFC3339.fullmatch(value):
        text = value.upper().replace("Z", "+00:00")
        head, dot, rest = text.partition(".")
        if dot:  # Python reads at most 6 fractional digits; Go reads 9
            digits = re.match(r"\d+", rest)
            assert digits is not None
            text = f"{head}.{digits.group()[:6].ljust(6, '0')}{rest[digits.end() :]}"
        try:
            parsed = to_utc(datetime.fromisoformat(text))
        except (ValueError, OverflowError):
            return None
    else:
        return None
    return parsed if MIN_TIME <= parsed <= MAX_TIME else None


TIME_EXPECTED = "an RFC 3339 timestamp (2006-01-02T15:04:05Z) between years 1 and 9000"


# --- UUIDs -----------------------------------------------------------------------------------


def canonical_uuid(value: object) -> str | None:
    """The canonical text of a UUID, or ``None`` when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def lenient_uuid(value: str) -> str:
    """Kratos' identity endpoints: a non-UUID becomes the nil UUID, so it is simply not found."""
    return canonical_uuid(value) or NIL_UUID


# --- integers --------------------------------------------------------------------------------


def parse_int(value: str | None, default: int) -> int | None:
    """A decimal int64 as Go's ``strconv.ParseInt`` reads it; ``default`` when absent or empty,
    ``None`` when unparsable (each caller decides whether that is a 400 or the default)."""
    if value is None or value == "":
        return default
    if "_" in value or value != value.strip():  # Python's int() accepts both; Go's does not
        return None
    try:
        number = int(value, 10)
    except ValueError:
        return None
    return number if number in INT64 else None


# --- Go durations ----------------------------------------------------------------------------


def parse_go_duration(value: str) -> timedelta | None:
    """Go's ``time.ParseDuration`` (``1h30m``, ``1.5h``, ``-5m``, ``500ms``); ``None`` if unparsable."""
    total, rest, sign = 0.0, value, 1.0
    if rest[:1] in ("+", "-"):
        sign, rest = (-1.0 if rest[0] == "-" else 1.0), rest[1:]
    if rest == "0":
        return timedelta(0)
    if not rest:
        return None
    while rest:
        match = _DURATION.match(rest)
        if not match:
            return None
        total += float(match.group(1)) * _UNITS[match.group(3)]
        rest = rest[match.end() :]
    if total > MAX_DURATION_SECONDS:
        return None
    return timedelta(seconds=sign * total)
