"""Per-user rate limits, the cap on waiting work and idempotency keys, all enforced atomically by
the database."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import IdempotencyKey, QueueItem, QueueStatus, RateCounter, User
from models.base import utcnow
from services.errors import Conflict, RateLimited


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def hit_rate_limit(
    *, session: Session, user_id: uuid.UUID, bucket: str, limit: int, window_seconds: int = 60
) -> None:
    """Count this request in the current window; 429 with Retry-After once the window is full.

    The upsert's row lock (PostgreSQL) or the write lock (SQLite) serialises concurrent
    requests, so N parallel calls can never all pass a limit of N-1. The caller's commit
    makes the count stick; a rejected request rolls back and is not counted.
    """
    now = datetime.now(UTC)
    start = datetime.fromtimestamp(int(now.timestamp()) // window_seconds * window_seconds, UTC)
    insert = _insert(session)(RateCounter).values(user_id=user_id, bucket=bucket, window_start=start, count=1)
    count = session.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id", "bucket", "window_start"],
            set_={"count": RateCounter.count + 1},
        ).returning(RateCounter.count)
    ).scalar_one()
    if count > limit:
        session.rollback()
        retry_after = int((start + timedelta(seconds=window_seconds) - now).total_seconds()) + 1
        raise RateLimited(
            f"Rate limit of {limit} per {window_seconds} s reached",
            message=f"Too many requests: at most {limit} every {window_seconds} seconds; "
            f"try again in {retry_after} seconds.",
            retry_after=retry_after,
        )


# Pending items drain at the workers' pace; a minute is a polite first retry.
PENDING_RETRY_AFTER_SECONDS = 60


def hold_pending_room(*, session: Session, user_id: uuid.UUID, adding: int, cap: int) -> None:
    """429 unless the user's pending items plus `adding` stay within `cap`.

    The user's row is locked first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the rate
    limit's upsert already holds the database's write lock), so one user's concurrent submissions
    are counted one after another until each commits: no check-then-act race. A batch is all or
    nothing; it is never cut to fit.
    """
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
    pending = session.scalar(
        select(func.count())
        .select_from(QueueItem)
        .where(QueueItem.user_id == user_id, QueueItem.status == QueueStatus.PENDING)
    )
    pending = pending or 0
    if pending + adding > cap:
        session.rollback()
        room = max(0, cap - pending)
        raise RateLimited(
            f"Too many emails waiting ({pending} of at most {cap} per user)",
            message=f"You already have {pending} emails waiting and at most {cap} may wait at once"
            f"{f'; you can add {room} more now' if room else ''}. Try again when some have finished.",
            retry_after=PENDING_RETRY_AFTER_SECONDS,
        )


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(
    *, session: Session, user_id: uuid.UUID, key: str, route: str, digest: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored first response for this key, or None if the key is new."""
    row = session.get(IdempotencyKey, (user_id, key))
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite
    if created < utcnow() - timedelta(seconds=get_settings().idempotency_key_ttl_seconds):
        # Expired (the sweep deletes it soon): the request is new, and its key is stored afresh.
        session.delete(row)
        session.flush()
        return None
    if row.route != route or row.request_hash != digest:
        raise Conflict(
            "Idempotency-Key was already used with a different request",
            message="This Idempotency-Key was already used for a different request; send a new key.",
        )
    return row.status_code, row.response


def remember(
    *,
    session: Session,
    user_id: uuid.UUID,
    key: str,
    route: str,
    digest: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    """Store the response in the caller's transaction: the key commits with the work or not at all."""
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            route=route,
            request_hash=digest,
            status_code=status_code,
            response=response,
        )
    )
