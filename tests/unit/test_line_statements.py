"""The polled line statements bind only the caller's values: their constants are in the SQL text,
so PostgreSQL keeps one generic plan for the prepared statement instead of planning every poll."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from services import fair_queue, queue


def bound(statement: object) -> set[str]:
    return set(statement.compile(dialect=postgresql.dialect()).params)  # type: ignore[attr-defined]


def test_positions_bind_only_the_user() -> None:
    assert bound(fair_queue.positions("postgresql")) == {"user_id"}


def test_the_queue_list_binds_only_the_user_and_the_window() -> None:
    assert bound(queue._recent_items("postgresql")) == {"user_id", "since"}


def test_a_claim_binds_nothing() -> None:
    assert bound(fair_queue._candidates("postgresql", 8)) == set()


@pytest.mark.parametrize("value", ["pending' OR '1'='1", "two words", ""])
def test_only_code_constants_are_written_into_the_sql(value: str) -> None:
    with pytest.raises(ValueError, match="not a constant"):
        fair_queue.constant(value)
