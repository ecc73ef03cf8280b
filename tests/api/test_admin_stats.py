"""Admin overview and weekly activity. The database is shared by the run, so these assert deltas."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from database.engine import session_scope
from models import Email, QueueItem, QueueStatus
from services.admin import bucket_by_week, week_start
from tests.api.admin_seed import add_email, add_item, add_template, admin_headers, now, this_monday
from tests.fixtures.api import Caller, make_caller

OVERVIEW_FIELDS = {
    "total_users",
    "total_emails",
    "success_rate",
    "avg_gen_time_seconds",
    "total_templates",
    "confidence_rate",
    "error_count",
    "emails_this_week",
    "active_users_this_week",
}


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    return admin_headers(client)


def test_overview_counts_new_rows(client: TestClient, admin: dict[str, str]) -> None:
    before = client.get("/api/admin/overview", headers=admin).json()
    user = make_caller(client)
    add_email(user.id, confident=True)
    add_email(user.id)
    add_template(user.id)
    add_item(user.id, QueueStatus.COMPLETED, seconds=4)
    add_item(user.id, QueueStatus.FAILED, error="provider down")
    add_item(user.id, QueueStatus.CANCELLED)
    after = client.get("/api/admin/overview", headers=admin).json()
    assert set(after) == set(before) == OVERVIEW_FIELDS
    deltas = {key: after[key] - before[key] for key in after if isinstance(after[key], int)}
    assert deltas == {
        "total_users": 1,
        "total_emails": 2,
        "total_templates": 1,
        "error_count": 1,
        "emails_this_week": 2,
        "active_users_this_week": 1,
    }


def test_overview_rates_agree_with_the_tables(
    client: TestClient, caller: Caller, admin: dict[str, str]
) -> None:
    add_item(caller.id, QueueStatus.COMPLETED, seconds=2.5)
    add_item(caller.id, QueueStatus.COMPLETED, seconds=30)
    add_item(caller.id, QueueStatus.FAILED)
    add_item(caller.id, QueueStatus.PROCESSING)
    add_email(caller.id, confident=True)
    body = client.get("/api/admin/overview", headers=admin).json()
    with session_scope() as session:
        items = session.execute(select(QueueItem.status, QueueItem.started_at, QueueItem.completed_at)).all()
        confident = list(session.scalars(select(Email.is_confident)))
    completed = [item for item in items if item.status == QueueStatus.COMPLETED]
    failed = sum(item.status == QueueStatus.FAILED for item in items)
    durations = [
        (item.completed_at - item.started_at).total_seconds()
        for item in completed
        if item.started_at and item.completed_at
    ]
    assert body["success_rate"] == round(100 * len(completed) / (len(completed) + failed), 1)
    assert body["confidence_rate"] == round(100 * sum(confident) / len(confident), 1)
    assert body["avg_gen_time_seconds"] == pytest.approx(sum(durations) / len(durations), abs=0.051)
    assert body["error_count"] == failed
    assert 0 <= body["success_rate"] <= 100 and 0 <= body["confidence_rate"] <= 100


def test_activity_is_twelve_consecutive_mondays_ending_this_week(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = client.get("/api/admin/activity", headers=admin).json()
    weeks = [date.fromisoformat(row["week"]) for row in body]
    assert len(weeks) == 12
    assert all(week.weekday() == 0 for week in weeks)
    assert weeks == [weeks[0] + timedelta(weeks=n) for n in range(12)]
    assert weeks[-1] == week_start(now())
    assert set(body[0]) == {"week", "emails_generated", "active_users"}


def test_sunday_night_and_monday_morning_land_in_different_weeks(
    client: TestClient, caller: Caller, admin: dict[str, str]
) -> None:
    monday = this_monday()
    activity_before = client.get("/api/admin/activity", headers=admin).json()
    overview_before = client.get("/api/admin/overview", headers=admin).json()
    add_email(caller.id, at=monday - timedelta(microseconds=1000))
    add_email(caller.id, at=monday)
    add_email(caller.id, at=monday - timedelta(weeks=13))  # outside the 12 weeks
    activity_after = client.get("/api/admin/activity", headers=admin).json()
    overview_after = client.get("/api/admin/overview", headers=admin).json()
    deltas = [
        (
            after["emails_generated"] - before["emails_generated"],
            after["active_users"] - before["active_users"],
        )
        for before, after in zip(activity_before, activity_after, strict=True)
    ]
    assert deltas == [(0, 0)] * 10 + [(1, 1), (1, 1)]
    assert overview_after["emails_this_week"] - overview_before["emails_this_week"] == 1
    assert overview_after["active_users_this_week"] - overview_before["active_users_this_week"] == 1


def test_week_start_is_monday_utc() -> None:
    assert week_start(datetime(2026, 1, 25, 23, 59, 59, 999999, tzinfo=UTC)) == date(2026, 1, 19)
    assert week_start(datetime(2026, 1, 26, 0, 0, tzinfo=UTC)) == date(2026, 1, 26)
    assert week_start(datetime(2026, 1, 26, 0, 30)) == date(2026, 1, 26)  # naive means UTC
    assert week_start(datetime.fromisoformat("2026-01-26T01:00:00+02:00")) == date(2026, 1, 19)
    assert week_start(date(2026, 2, 1)) == date(2026, 1, 26)


def test_bucket_by_week_counts_emails_and_distinct_users_with_empty_weeks() -> None:
    ada, bob = uuid.uuid4(), uuid.uuid4()
    rows = [
        (date(2026, 1, 25), ada, 2),  # Sunday: week of the 19th
        (date(2026, 1, 26), ada, 1),  # Monday: week of the 26th
        (date(2026, 1, 27), ada, 1),
        (date(2026, 1, 28), bob, 3),
        (date(2025, 12, 1), bob, 9),  # before the first week: ignored
    ]
    weeks = bucket_by_week(rows, first_week=date(2026, 1, 12), weeks=3)
    assert [(w.week, w.emails_generated, w.active_users) for w in weeks] == [
        (date(2026, 1, 12), 0, 0),
        (date(2026, 1, 19), 2, 1),
        (date(2026, 1, 26), 5, 2),
    ]
