"""The periodic sweep that keeps the row and the broker in agreement.

- processing rows whose heartbeat stopped (worker killed, machine lost) go back to pending,
  or end failed once they have used their attempts (a poison item must not loop);
- pending rows that never reached the broker, or whose message may be gone, get a new token.
Every change is a conditional UPDATE, so two reapers (two Pis) can run at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import QueueItem, QueueStatus
from services.queue import enqueue, utcnow

log = logging.getLogger(__name__)


@dataclass
class ReapReport:
    requeued: int = 0
    failed: int = 0
    reenqueued: int = 0


def reap(*, session: Session) -> ReapReport:
    settings = get_settings()
    now = utcnow()
    report = ReapReport()
    stale = QueueItem.heartbeat_at < now - timedelta(seconds=settings.stale_after_seconds)
    processing = QueueItem.status == QueueStatus.PROCESSING

    report.failed = len(
        session.execute(
            update(QueueItem)
            .where(processing, stale, QueueItem.attempts >= settings.max_attempts)
            .values(
                status=QueueStatus.FAILED,
                error_message="Stopped after repeated worker failures; please try again",
                error_type="attempts_exhausted",
                failed_step=QueueItem.current_step,
                completed_at=now,
            )
            .returning(QueueItem.id)
        ).all()
    )
    requeued = list(
        session.scalars(
            update(QueueItem)
            .where(processing, stale, QueueItem.attempts < settings.max_attempts)
            .values(status=QueueStatus.PENDING, celery_task_id=None, current_step=None, step_status=None)
            .returning(QueueItem.id)
        )
    )
    session.commit()
    report.requeued = len(requeued)

    # Never sent (broker was down at submit): soon. Sent but possibly lost: after a longer wait,
    # since a token sent twice is only a no-op for the worker that receives it.
    never_sent = and_(
        QueueItem.enqueued_at.is_(None),
        QueueItem.created_at < now - timedelta(seconds=settings.reaper_interval_seconds),
    )
    maybe_lost = QueueItem.enqueued_at < now - timedelta(seconds=settings.orphan_after_seconds)
    orphans = list(
        session.scalars(
            select(QueueItem.id).where(QueueItem.status == QueueStatus.PENDING, or_(never_sent, maybe_lost))
        )
    )
    report.reenqueued = enqueue(session=session, item_ids=[*requeued, *orphans])
    if report.requeued or report.failed or orphans:
        log.warning("reaper: %s", report)
    return report
