"""Kratos' pagination dialects as pure functions (oryx/pagination at v26.2.0)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.errors import KratosError
from mockserver.pagination import (
    encode_query,
    migration_page,
    offset_rels,
    offset_token,
    parse_offset_token,
    parse_session_token,
    session_token,
)


def test_query_is_encoded_like_go_url_values() -> None:
    """url.Values.Encode: keys sorted, values in order, query-escaped."""
    assert encode_query([("b", "2"), ("a", "x y"), ("b", "1")]) == "a=x+y&b=2&b=1"


@pytest.mark.parametrize(
    ("total", "page", "rels"),
    [
        (0, 0, [("first", 0), ("next", 1), ("prev", -1)]),  # header.go: total 0 takes the last-page branch
        (3, 0, [("first", 0)]),  # everything fits: only first, with the total as size
        (10, 0, [("next", 1), ("last", 4)]),
        (10, 2, [("first", 0), ("next", 3), ("prev", 1), ("last", 4)]),
        (10, 4, [("first", 0), ("prev", 3)]),
        (10, 9, [("first", 0), ("prev", 3)]),  # past the end: prev is the page before the last
    ],
)
def test_offset_link_relations(total: int, page: int, rels: list[tuple[str, int]]) -> None:
    """oryx/pagination/header.go HeaderWithFormatter, in page units of 2 items."""
    assert [(rel, p) for rel, p, _ in offset_rels(total, page, 2 if total > 3 else 5)] == rels


@given(st.integers(min_value=0, max_value=10**9))
def test_offset_tokens_round_trip(offset: int) -> None:
    assert parse_offset_token(offset_token(offset)) == offset


@pytest.mark.parametrize("token", ["", "garbage", "e30", "!!!"])
def test_undecodable_offset_tokens_mean_zero(token: str) -> None:
    """tokenpagination.decode errors are ignored: offset 0."""
    assert parse_offset_token(token) == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, (0, 250)),
        ({"page": "2", "per_page": "10"}, (2, 10)),
        ({"per_page": "5000"}, (0, 1000)),
        ({"per_page": "0"}, (0, 1)),  # pagepagination: below 1 is 1
        ({"page_size": "-3"}, (0, 1)),  # tokenpagination: below 1 is 1
        ({"page_size": "abc"}, (0, 250)),
        ({"page": "-4"}, (0, 250)),
        ({"page_size": "10", "page_token": offset_token(30)}, (3, 10)),
    ],
)
def test_migration_page(raw: dict[str, str], expected: tuple[int, int]) -> None:
    """oryx/pagination/migrationpagination ParsePagination: token dialect when page_token/page_size is sent."""
    assert migration_page(raw) == expected


def test_session_tokens_round_trip_and_refuse_forgeries() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    token = session_token(created, "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01")
    assert parse_session_token(token) == (created, "6a0f2c4e-8b1d-4f3a-9c5e-7d2b4f6a8c01")
    with pytest.raises(KratosError):
        parse_session_token("bm90IGEgdG9rZW4")  # "not a token"
