"""The one parser and formatter of each scalar: RFC 3339 times, UUIDs, integers, Go durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.values import (
    MAX_TIME,
    MIN_TIME,
    NIL_UUID,
    canonical_uuid,
    fmt_go_duration,
    fmt_time,
    lenient_uuid,
    parse_go_duration,
    parse_go_duration_ns,
    parse_int,
    parse_time,
)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(8999, 12, 31), timezones=st.just(UTC)))
def test_formatted_times_parse_back_to_the_same_instant(instant: datetime) -> None:
    assert parse_time(fmt_time(instant)) == instant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02t03:04:05z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),  # Go accepts both cases
        ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),  # nanoseconds
    ],
)
def test_rfc3339_as_go_reads_it(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "yesterday", "", "2026-13-01T00:00:00Z", 5],
)
def test_what_is_not_rfc3339_is_refused(text: object) -> None:
    """A date alone, a missing offset or a space separator: Go's time.RFC3339 layout refuses them."""
    assert parse_time(text) is None


def test_times_outside_the_mock_range_are_refused() -> None:
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("9999-01-01T00:00:00Z") is None
    assert parse_time(fmt_time(MIN_TIME)) == MIN_TIME and parse_time(fmt_time(MAX_TIME)) == MAX_TIME


def test_formatting_drops_trailing_zeros_and_converts_to_utc() -> None:
    assert fmt_time(datetime(2026, 1, 1, 0, 0, 0, 120000, tzinfo=UTC)) == "2026-01-01T00:00:00.12Z"
    plus_two = datetime(2026, 1, 1, 2, tzinfo=UTC).astimezone(__import__("datetime").timezone(timedelta(hours=2)))
    assert fmt_time(plus_two) == "2026-01-01T02:00:00Z"


def test_uuids() -> None:
    assert canonical_uuid("6A0F2C4E-8B1D-4F3A-9C5E-7D2B4F6A8C01") == "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01"
    assert canonical_uuid("nope") is None and canonical_uuid(None) is None
    assert lenient_uuid("nope") == NIL_UUID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, 7),
        ("", 7),
        ("12", 12),
        ("-3", -3),
        ("+4", 4),
        ("1_000", None),
        (" 1", None),
        ("abc", None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_integers_as_go_strconv_reads_them(text: str | None, expected: int | None) -> None:
    assert parse_int(text, 7) == expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h", 3600), ("1h30m", 5400), ("1.5h", 5400), ("500ms", 0.5), ("-5m", -300), ("0", 0), (".5s", 0.5)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "shown"),
    [("1.5h", "1h30m0s"), ("-5m", "-5m0s"), ("0s", "0s"), ("1500us", "1.5ms"), ("90s", "1m30s"), ("-1ns", "-1ns")],
)
def test_go_durations_as_duration_string_prints_them(text: str, shown: str) -> None:
    nanoseconds = parse_go_duration_ns(text)
    assert nanoseconds is not None and fmt_go_duration(nanoseconds) == shown


@pytest.mark.parametrize("text", ["", "h", "1", "1d", "1h 30m", "+", "9999999999999h"])
def test_what_go_cannot_parse_as_a_duration(text: str) -> None:
    assert parse_go_duration(text) is None
