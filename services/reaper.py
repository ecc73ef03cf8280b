"""The periodic sweep that keeps the row and the broker in agreement.

- processing rows whose heartbeat stopped (worker killed, machine lost) go back to pending,
  or end failed once they have used their attempts (a poison item must not loop);
- pending rows that never reached the broker, or whose message may be gone, get a new token;
- and, since tokens are interchangeable (services/fair_queue.py), when the broker holds fewer
  tokens than there are pending rows (a message deleted, Redis restarted without its AOF), the
  missing number is sent at once. A surplus token is only a no-op for the worker that gets it.
Every change is a conditional UPDATE, so two sweeps (two Pis) at once stay correct; each may then
send the same deficit, which is a surplus, never a loss. The workers run it (services/recovery.py),
one sweep at a time and once per interval between them.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import QueueItem, QueueStatus
from services import broker, changes
from services.queue import enqueue, utcnow
from services.retention import PruneReport, prune

log = logging.getLogger(__name__)


@dataclass
class ReapReport:
    requeued: int = 0
    failed: int = 0
    reenqueued: int = 0
    replaced: int = 0
    pruned: PruneReport = field(default_factory=PruneReport)


def reap(*, session: Session) -> ReapReport:
    settings = get_settings()
    now = utcnow()
    report = ReapReport()
    stale = QueueItem.heartbeat_at < now - timedelta(seconds=settings.stale_after_seconds)
    processing = QueueItem.status == QueueStatus.PROCESSING

    failed = session.execute(
        update(QueueItem)
        .where(processing, stale, QueueItem.attempts >= settings.max_attempts)
        .values(
            status=QueueStatus.FAILED,
            error_message="Stopped after repeated worker failures; please try again",
            error_type="attempts_exhausted",
            failed_step=QueueItem.current_step,
            completed_at=now,
        )
        .returning(QueueItem.id, QueueItem.user_id)
    ).all()
    moved = session.execute(
        update(QueueItem)
        .where(processing, stale, QueueItem.attempts < settings.max_attempts)
        .values(status=QueueStatus.PENDING, celery_task_id=None, current_step=None, step_status=None)
        .returning(QueueItem.id, QueueItem.user_id)
    ).all()
    session.commit()
    changes.announce_many(_by_user([*failed, *moved]))
    requeued = [item_id for item_id, _ in moved]
    report.failed, report.requeued = len(failed), len(requeued)

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
    session.commit()  # no transaction stays open while the broker is talked to
    report.reenqueued = enqueue(session=session, item_ids=[*requeued, *orphans])
    report.replaced = replace_lost_tokens(session=session)
    if report.requeued or report.failed or orphans or report.replaced:
        log.warning("reaper: %s", report)
    # Retention rides on the same sweep: what is past its age is deleted in short chunks.
    report.pruned = prune(session=session, now=now)
    if any(asdict(report.pruned).values()):
        log.info("retention: %s", report.pruned)
    return report


def _by_user(rows: Sequence[Row[tuple[uuid.UUID, uuid.UUID]]]) -> list[changes.Change]:
    """One change notice per user for these (item id, user id) rows."""
    items: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for item_id, user_id in rows:
        items[user_id].append(item_id)
    return [changes.Change(user_id, tuple(ids), line_moved=True) for user_id, ids in items.items()]


def replace_lost_tokens(*, session: Session) -> int:
    """Send one token per pending row the broker has no token for; returns how many were sent."""
    from celery_config import EMAIL_QUEUE

    settings = get_settings()
    now = utcnow()
    grace = now - timedelta(seconds=settings.reaper_interval_seconds)
    # A row created moments ago with no enqueued_at is being enqueued by its request right now.
    owed = and_(
        QueueItem.status == QueueStatus.PENDING,
        or_(QueueItem.enqueued_at.is_not(None), QueueItem.created_at < grace),
    )
    # A reserved message is a token only until its task claims a row, which it does as it starts.
    # One delivered longer ago than STALE_AFTER_SECONDS is spent (its task runs with a row in
    # processing) or dead (a killed worker held it: kombu gives it back only after the visibility
    # timeout, half an hour later), so only recent deliveries and recent claims are compared.
    recent = settings.stale_after_seconds
    claimed_recently = and_(
        QueueItem.status == QueueStatus.PROCESSING, QueueItem.started_at >= now - timedelta(seconds=recent)
    )
    # Rows first, broker second: a token taken in between then shows as a surplus, not a deficit.
    pending, claimed = session.execute(
        select(func.count().filter(owed), func.count().filter(claimed_recently)).select_from(QueueItem)
    ).one()
    session.commit()
    if not pending:
        return 0
    held = broker.backlog(EMAIL_QUEUE, recent_seconds=recent)
    if held is None:
        return 0
    tokens = held.ready + max(0, held.reserved_recently - claimed)
    deficit = pending - tokens
    if deficit <= 0:
        return 0
    item_ids = list(
        session.scalars(
            select(QueueItem.id)
            .where(owed)
            .order_by(QueueItem.enqueued_at.asc().nulls_first(), QueueItem.created_at)
            .limit(deficit)
        )
    )
    session.commit()
    log.warning(
        "reaper: broker holds %s token(s) for %s pending item(s); sending %s", tokens, pending, deficit
    )
    return enqueue(session=session, item_ids=item_ids)
