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


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_uuid(value: object) -> str | None:
    """The canonical text of a UUID, or ``None`` when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    if _CANONICAL_UUID.fullmatch(value):
        return value  # already canonical (the usual case: an id the mock gave out)
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
    nanoseconds = parse_go_duration_ns(value)
    return None if nanoseconds is None else timedelta(microseconds=nanoseconds / 1000)


_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_NUMBER = re.compile(r"([0-9]*)(?:\.([0-9]*))?")
_MAX_NS = 1 << 63


def parse_go_duration_ns(value: str) -> int | None:
    """``time.ParseDuration`` in integer nanoseconds, step by step as Go's (time/format.go): each
    ``[0-9]*(.[0-9]*)?unit``, the fraction scaled by the unit, int64 overflow refused."""
    rest, negative = value, False
    if rest[:1] in ("+", "-"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total = 0
    while rest:
        number = _NUMBER.match(rest)
        assert number is not None  # the pattern matches the empty string
        whole, fraction = number.group(1), number.group(2)
        if not whole and not fraction:
            return None
        rest = rest[number.end() :]
        unit_end = next((i for i, c in enumerate(rest) if c in ".0123456789"), len(rest))
        unit = _UNIT_NS.get(rest[:unit_end])
        if unit is None:
            return None
        rest = rest[unit_end:]
        v = int(whole or "0")
        if v > _MAX_NS // unit:
            return None
        v *= unit
        if fraction and int(fraction):
            digits = fraction[:18]  # leadingFraction stops adding digits before overflowing
            v += int(int(digits) * (unit / 10 ** len(digits)))
        total += v
        if total > _MAX_NS:
            return None
    if not negative and total > _MAX_NS - 1:
        return None
    return -total if negative else total


def fmt_go_duration(nanoseconds: int) -> str:
    """Go's ``Duration.String()``: ``0s``, ``1.5µs``, ``-5m0s``, ``1h30m0s``."""
    u = abs(nanoseconds)
    if u < 10**9:
        if u == 0:
            return "0s"
        unit, precision = ("ns", 0) if u < 1_000 else ("µs", 3) if u < 10**6 else ("ms", 6)
        fraction, u = _go_fraction(u, precision)
        text = f"{u}{fraction}{unit}"
    else:
        fraction, seconds = _go_fraction(u, 9)
        text = f"{seconds % 60}{fraction}s"
        minutes = seconds // 60
        if minutes:
            text = f"{minutes % 60}m{text}"
            if minutes // 60:
                text = f"{minutes // 60}h{text}"
    return "-" + text if nanoseconds < 0 else text


def _go_fraction(value: int, precision: int) -> tuple[str, int]:
    """time/time.go fmtFrac: the last ``precision`` digits as a fraction without trailing zeros."""
    digits = str(value % 10**precision).rjust(precision, "0").rstrip("0") if precision else ""
    return ("." + digits if digits else ""), value // 10**precision if precision else value
