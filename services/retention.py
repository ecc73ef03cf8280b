"""What Scribe deletes, and when, so that nothing grows forever on a 500 MB free-tier database.

- Idempotency keys after IDEMPOTENCY_KEY_TTL_SECONDS: a retry after that is a new request
  (services/request_guard.py ignores an expired key even before it is deleted).
- Rate counters once their window is long over.
- Finished queue items (completed, failed, cancelled) QUEUE_RETENTION_DAYS after they were
  created. Their emails stay: `emails.queue_item_id` becomes null, and the task's status route
  answers 404 from then on. A submission's template goes with its last queue item.

It runs in every recovery sweep (services/reaper.py), in chunks of short transactions, so a sweep
never holds locks for long and a large backlog is worked off over a few sweeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Delete, Result, delete, exists, select, tuple_
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import IdempotencyKey, QueueItem, QueueStatus, QueueTemplate, RateCounter
from models.base import utcnow

FINISHED = (QueueStatus.COMPLETED, QueueStatus.FAILED, QueueStatus.CANCELLED)
# Rate windows are a minute long; an hour-old counter can no longer matter.
RATE_COUNTER_KEEP = timedelta(hours=1)
CHUNK = 500
MAX_CHUNKS = 20  # per table and sweep: 10 000 rows, the rest next sweep


@dataclass
class PruneReport:
    idempotency_keys: int = 0
    rate_counters: int = 0
    queue_items: int = 0
    queue_templates: int = 0


def prune(*, session: Session, now: datetime | None = None) -> PruneReport:
    """Delete what is past its retention; commits after each chunk."""
    settings = get_settings()
    now = now or utcnow()
    report = PruneReport()
    key_cutoff = now - timedelta(seconds=settings.idempotency_key_ttl_seconds)
    expired_keys = (
        select(IdempotencyKey.user_id, IdempotencyKey.key)
        .where(IdempotencyKey.created_at < key_cutoff)
        .limit(CHUNK)
    )
    report.idempotency_keys = _in_chunks(
        session,
        delete(IdempotencyKey).where(tuple_(IdempotencyKey.user_id, IdempotencyKey.key).in_(expired_keys)),
    )
    old_windows = select(RateCounter.user_id, RateCounter.bucket, RateCounter.window_start).where(
        RateCounter.window_start < now - RATE_COUNTER_KEEP
    )
    report.rate_counters = _in_chunks(
        session,
        delete(RateCounter).where(
            tuple_(RateCounter.user_id, RateCounter.bucket, RateCounter.window_start).in_(
                old_windows.limit(CHUNK)
            )
        ),
    )
    item_cutoff = now - timedelta(days=settings.queue_retention_days)
    for _ in range(MAX_CHUNKS):
        items, templates = _prune_items(session, item_cutoff)
        report.queue_items += items
        report.queue_templates += templates
        if items < CHUNK:
            break
    return report


def _in_chunks(session: Session, statement: Delete) -> int:
    """Run a DELETE that removes at most CHUNK rows until it removes fewer (or MAX_CHUNKS ran)."""
    total = 0
    for _ in range(MAX_CHUNKS):
        deleted = _rowcount(session.execute(statement))
        session.commit()
        total += deleted
        if deleted < CHUNK:
            break
    return total


def _prune_items(session: Session, cutoff: datetime) -> tuple[int, int]:
    """One chunk of finished items, then the templates no item uses any more."""
    chunk = (
        select(QueueItem.id)
        .where(QueueItem.status.in_(FINISHED), QueueItem.created_at < cutoff)
        .limit(CHUNK)
        .scalar_subquery()
    )
    deleted = list(
        session.scalars(delete(QueueItem).where(QueueItem.id.in_(chunk)).returning(QueueItem.template_id))
    )
    template_ids = {template_id for template_id in deleted if template_id is not None}
    templates = 0
    if template_ids:
        in_use = exists().where(QueueItem.template_id == QueueTemplate.id)
        templates = _rowcount(
            session.execute(delete(QueueTemplate).where(QueueTemplate.id.in_(template_ids), ~in_use))
        )
    session.commit()
    return len(deleted), templates


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)  # a DELETE's result always is
    return result.rowcount
