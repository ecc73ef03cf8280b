"""Every admin query: platform overview, per-user inspection, weekly activity, recent failures.

Counting rules, in one place:
- A *submission* is a queue item the system was asked to work on and that the user did not
  withdraw: pending, processing, completed or failed. Cancelled items are excluded — a cancel
  only succeeds while an item is pending, so no work was done for it.
- A *failure* (error) is a queue item with status failed; cancelled items are never failures.
- success_rate = completed / (completed + failed); in-flight and cancelled items do not count.
- Weeks start on Monday 00:00 UTC.
- Queue items are kept QUEUE_RETENTION_DAYS (services/retention.py): counts of submissions and
  failures cover that window; emails are kept, so counts of emails cover everything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, case, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from models import Email, QueueItem, QueueStatus, Template, User
from services.errors import NotFound

ACTIVITY_WEEKS = 12
QUEUE_LIMIT = 200
ERRORS_LIMIT = 100


@dataclass(frozen=True)
class Overview:
    total_users: int
    total_emails: int
    success_rate: float
    avg_gen_time_seconds: float
    total_templates: int
    confidence_rate: float
    error_count: int
    emails_this_week: int
    active_users_this_week: int


@dataclass(frozen=True)
class UserStats:
    id: uuid.UUID
    email: str
    display_name: str | None
    generation_count: int
    template_count: int
    onboarded: bool
    created_at: datetime
    actual_email_count: int
    queue_submissions: int
    failed_count: int
    email_template: str | None


@dataclass(frozen=True)
class EmailPage:
    items: list[Email]
    total: int
    page: int
    per_page: int
    pages: int


@dataclass(frozen=True)
class WeekActivity:
    week: date
    emails_generated: int
    active_users: int


@dataclass(frozen=True)
class FailedItem:
    id: uuid.UUID
    user_email: str
    user_display_name: str | None
    recipient_name: str
    current_step: str | None
    error_message: str | None
    created_at: datetime
    started_at: datetime | None


def week_start(moment: datetime | date) -> date:
    """The Monday (UTC) of the week containing `moment`; naive datetimes are taken as UTC."""
    if isinstance(moment, datetime):
        moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).date()
    return moment - timedelta(days=moment.weekday())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def percent(part: int, whole: int) -> float:
    """part/whole in percent, one decimal; 0 when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def _seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    # No portable interval arithmetic: PostgreSQL subtracts timestamps, SQLite stores text.
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _utc_day(session: Session, column: Any) -> ColumnElement[date]:
    # PostgreSQL truncates in the session time zone unless told UTC; SQLite text is already UTC.
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return type_coerce(func.date(column), Date)


def overview(*, session: Session, now: datetime | None = None) -> Overview:
    """Platform-wide totals and rates; 'this week' starts on Monday 00:00 UTC."""
    since = _midnight(week_start(now or datetime.now(UTC)))
    done = QueueItem.status == QueueStatus.COMPLETED
    failed = QueueItem.status == QueueStatus.FAILED
    timed = done & QueueItem.started_at.is_not(None) & QueueItem.completed_at.is_not(None)
    duration = _seconds_between(session, QueueItem.started_at, QueueItem.completed_at)
    queue_row = session.execute(
        select(
            func.count().filter(done),
            func.count().filter(failed),
            func.avg(cast(case((timed, duration)), Float)),
        )
    ).one()
    email_row = session.execute(
        select(
            func.count(),
            func.count().filter(Email.is_confident.is_(True)),
            func.count().filter(Email.created_at >= since),
            func.count(func.distinct(case((Email.created_at >= since, Email.user_id)))),
        )
    ).one()
    completed, failures, avg_seconds = int(queue_row[0]), int(queue_row[1]), queue_row[2]
    total_emails, confident = int(email_row[0]), int(email_row[1])
    return Overview(
        total_users=session.scalar(select(func.count()).select_from(User)) or 0,
        total_emails=total_emails,
        success_rate=percent(completed, completed + failures),
        avg_gen_time_seconds=round(float(avg_seconds), 1) if avg_seconds is not None else 0.0,
        total_templates=session.scalar(select(func.count()).select_from(Template)) or 0,
        confidence_rate=percent(confident, total_emails),
        error_count=failures,
        emails_this_week=int(email_row[2]),
        active_users_this_week=int(email_row[3]),
    )


def list_users(*, session: Session) -> list[UserStats]:
    """Every user with email and queue counts from grouped subqueries, newest first."""
    emails = select(Email.user_id, func.count().label("n")).group_by(Email.user_id).subquery("email_counts")
    queue = (
        select(
            QueueItem.user_id,
            func.count().filter(QueueItem.status != QueueStatus.CANCELLED).label("submissions"),
            func.count().filter(QueueItem.status == QueueStatus.FAILED).label("failed"),
        )
        .group_by(QueueItem.user_id)
        .subquery("queue_counts")
    )
    rows = session.execute(
        select(User, emails.c.n, queue.c.submissions, queue.c.failed)
        .outerjoin(emails, emails.c.user_id == User.id)
        .outerjoin(queue, queue.c.user_id == User.id)
        .order_by(User.created_at.desc(), User.id)
    )
    return [
        UserStats(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            generation_count=user.generation_count,
            template_count=user.template_count,
            onboarded=user.onboarded,
            created_at=user.created_at,
            actual_email_count=email_count or 0,
            queue_submissions=submissions or 0,
            failed_count=failed_count or 0,
            email_template=user.email_template,
        )
        for user, email_count, submissions, failed_count in rows.tuples()
    ]


def _require_user(session: Session, user_id: uuid.UUID) -> None:
    if session.get(User, user_id) is None:
        raise NotFound("User not found")


def user_emails(*, session: Session, user_id: uuid.UUID, page: int, per_page: int) -> EmailPage:
    """One page of a user's emails (hidden ones included), newest first."""
    _require_user(session, user_id)
    total = session.scalar(select(func.count()).select_from(Email).where(Email.user_id == user_id)) or 0
    items = session.scalars(
        select(Email)
        .where(Email.user_id == user_id)
        .order_by(Email.created_at.desc(), Email.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    pages = -(-total // per_page)
    return EmailPage(items=list(items), total=total, page=page, per_page=per_page, pages=pages)


def user_templates(*, session: Session, user_id: uuid.UUID) -> list[Template]:
    """A user's templates, newest first."""
    _require_user(session, user_id)
    query = select(Template).where(Template.user_id == user_id)
    return list(session.scalars(query.order_by(Template.created_at.desc(), Template.id.desc())))


def user_queue(*, session: Session, user_id: uuid.UUID, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """A user's most recent queue items in every state, newest first."""
    _require_user(session, user_id)
    query = select(QueueItem).where(QueueItem.user_id == user_id)
    return list(session.scalars(query.order_by(QueueItem.created_at.desc(), QueueItem.id).limit(limit)))


def bucket_by_week(
    rows: Iterable[tuple[date, uuid.UUID, int]], *, first_week: date, weeks: int
) -> list[WeekActivity]:
    """Fold (day, user, emails that day) rows into `weeks` Monday-based weeks, empty weeks included."""
    counts = {first_week + timedelta(weeks=n): 0 for n in range(weeks)}
    users: dict[date, set[uuid.UUID]] = {week: set() for week in counts}
    for day, user_id, n in rows:
        week = week_start(day)
        if week in counts:
            counts[week] += n
            users[week].add(user_id)
    return [WeekActivity(week, counts[week], len(users[week])) for week in counts]


def activity(
    *, session: Session, now: datetime | None = None, weeks: int = ACTIVITY_WEEKS
) -> list[WeekActivity]:
    """Emails and distinct active users per week for the last `weeks` weeks, oldest first."""
    first_week = week_start(now or datetime.now(UTC)) - timedelta(weeks=weeks - 1)
    # SQL groups by (UTC day, user) so rows stay bounded by users x days; weeks are folded in Python.
    day = _utc_day(session, Email.created_at)
    rows: Sequence[tuple[date, uuid.UUID, int]] = (
        session.execute(
            select(day, Email.user_id, func.count())
            .where(Email.created_at >= _midnight(first_week))
            .group_by(day, Email.user_id)
        )
        .tuples()
        .all()
    )
    return bucket_by_week(rows, first_week=first_week, weeks=weeks)


def recent_failures(*, session: Session, limit: int = ERRORS_LIMIT) -> list[FailedItem]:
    """Failed queue items with their user, newest first."""
    rows = session.execute(
        select(QueueItem, User.email, User.display_name)
        .join(User, User.id == QueueItem.user_id)
        .where(QueueItem.status == QueueStatus.FAILED)
        .order_by(QueueItem.created_at.desc(), QueueItem.id)
        .limit(limit)
    ).tuples()
    return [
        FailedItem(
            id=item.id,
            user_email=email,
            user_display_name=display_name,
            recipient_name=item.recipient_name,
            current_step=item.current_step,
            error_message=item.error_message,
            created_at=item.created_at,
            started_at=item.started_at,
        )
        for item, email, display_name in rows
    ]
