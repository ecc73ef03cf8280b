"""Per-user rate limits and idempotency keys, both enforced atomically by the database."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import IdempotencyKey, RateCounter
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


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(
    *, session: Session, user_id: uuid.UUID, key: str, route: str, digest: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored first response for this key, or None if the key is new."""
    row = session.get(IdempotencyKey, (user_id, key))
    if row is None:
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
