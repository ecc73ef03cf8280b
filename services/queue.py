"""The queue item state machine. The row is the truth; Celery only carries its id.

pending -> processing -> completed | failed, and pending -> cancelled. Every transition
is one conditional UPDATE, so a cancel, a redelivered message and a late worker can
race without ever producing a second email or resurrecting a cancelled item.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Row, Select, Table, bindparam, case, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate

from config.settings import get_settings
from database.engine import read_connection
from models import Email, QueueItem, QueueStatus, QueueTemplate, User
from models.base import utcnow
from services import changes, fair_queue
from services.errors import BadRequest, NotFound
from services.users import count_generation, require_initialised

log = logging.getLogger(__name__)

GENERATE_TASK = "tasks.email_tasks.generate_email_task"
ITEMS = cast(Table, QueueItem.__table__)


@dataclass(frozen=True)
class NewItem:
    recipient_name: str
    recipient_interest: str


def create_items(
    *, session: Session, user: User, items: Sequence[NewItem], email_template: str
) -> list[QueueItem]:
    """Insert pending rows (the caller commits, then calls `enqueue`)."""
    batch_id = uuid.uuid4() if len(items) > 1 else None
    now = utcnow()
    # One template row per submission, however many items share it.
    template = QueueTemplate(user_id=user.id, text=email_template, created_at=now)
    rows = [
        QueueItem(
            user_id=user.id,
            batch_id=batch_id,
            batch_index=index,
            recipient_name=item.recipient_name,
            recipient_interest=item.recipient_interest,
            template=template,
            status=QueueStatus.PENDING,
            created_at=now,
        )
        for index, item in enumerate(items)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def enqueue(*, session: Session, item_ids: Sequence[uuid.UUID]) -> int:
    """Send one work token per committed row and mark the sent rows; returns how many were sent.

    Call it with no transaction open. Nothing is written while the broker is talked to: the sent
    rows are marked afterwards in one short UPDATE, so a worker claiming one of them never waits
    for a row lock behind a slow broker. The first broker failure ends the sending (each further
    send would only wait out the same retries); unsent rows stay pending with no `enqueued_at`,
    and the reaper sends them once the broker is back.
    """
    sent = _send_tokens(item_ids)
    if sent:
        session.execute(
            update(QueueItem)
            .where(QueueItem.id.in_(sent), QueueItem.status == QueueStatus.PENDING)
            .values(enqueued_at=utcnow())
        )
        session.commit()
    return len(sent)


def _send_tokens(item_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    from celery_config import EMAIL_QUEUE, celery_app

    settings = get_settings()
    sent: list[uuid.UUID] = []
    for item_id in item_ids:
        try:
            celery_app.send_task(
                GENERATE_TASK,
                args=[str(item_id)],
                task_id=str(uuid.uuid4()),
                queue=EMAIL_QUEUE,
                expires=settings.task_expiry_seconds,
                ignore_result=True,  # the row is the result; no result-backend round trip
                # Fail fast when the broker is down: the request must not hang, the reaper catches up.
                retry_policy={
                    "max_retries": 2,
                    "interval_start": 0,
                    "interval_step": 0.2,
                    "interval_max": 0.5,
                },
            )
        except Exception as exc:  # the rows are durable; the reaper sends what never reached the broker
            log.warning(
                "broker unavailable (%s): %d of %d item(s) left pending for the reaper",
                type(exc).__name__,
                len(item_ids) - len(sent),
                len(item_ids),
            )
            break
        sent.append(item_id)
    return sent


def get_item(*, session: Session, user_id: uuid.UUID, item_id: uuid.UUID) -> QueueItem:
    item = session.scalar(select(QueueItem).where(QueueItem.id == item_id, QueueItem.user_id == user_id))
    if item is None:
        raise NotFound("Task not found")
    return item


def claim_next(*, session: Session, task_id: str | None) -> QueueItem | None:
    """Move the item at the head of the fair line to processing; None when nothing is pending.

    Candidates are read without locks; one conditional UPDATE then takes the first of them that is
    still pending, skipping rows another worker is taking at that moment (FOR UPDATE SKIP LOCKED):
    workers that read the same candidates take one each, in line order, instead of each trying the
    head and falling through one UPDATE and one commit per row already taken (16 threads started
    at once on a batch made ~3.5 UPDATEs per claim).
    """
    for _ in range(5):
        candidates = fair_queue.next_candidates(session)
        if not candidates:
            return None
        ranked = {f"candidate_{rank}": item_id for rank, item_id in enumerate(candidates)}
        # The claimed row comes back from the UPDATE itself and stays loaded after the commit
        # (expire_on_commit=False): reading it again would open a transaction that lasts as
        # long as the pipeline.
        claimed = session.scalars(
            _claim(len(candidates)),
            {"now": utcnow(), "task_id": task_id, **ranked},
            execution_options={"populate_existing": True},
        ).one_or_none()
        session.commit()
        if claimed is not None:
            changes.announce(claimed.user_id, [claimed.id], line_moved=True)
            return claimed
    return None


@lru_cache
def _claim(count: int) -> ReturningUpdate[tuple[QueueItem]]:
    """The claim of the first of `count` candidates (bound as candidate_0, candidate_1, ... in line
    order) that is still pending and that no other worker is taking. Built once per count: building
    it cost more CPU than running it. SQLite has no row locks (its writers take turns) and leaves
    FOR UPDATE out."""
    candidate = ITEMS.alias("candidate")
    ranked = [bindparam(f"candidate_{rank}", type_=candidate.c.id.type) for rank in range(count)]
    first = (
        select(candidate.c.id)
        .where(candidate.c.id.in_(ranked), candidate.c.status == QueueStatus.PENDING)
        .order_by(case(*((candidate.c.id == item, rank) for rank, item in enumerate(ranked))))
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    now = bindparam("now", type_=ITEMS.c.started_at.type)
    return (
        update(QueueItem)
        .where(QueueItem.id == first, QueueItem.status == QueueStatus.PENDING)
        .values(
            status=QueueStatus.PROCESSING,
            attempts=QueueItem.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            celery_task_id=bindparam("task_id", type_=ITEMS.c.celery_task_id.type),
            current_step=None,
            step_status=None,
            error_message=None,
        )
        .returning(QueueItem)
    )


def record_progress(
    *, session: Session, item_id: uuid.UUID, step: str, step_status: str, step_timings: dict[str, float]
) -> None:
    """Publish progress for polling and live streams; doubles as the heartbeat."""
    values = {"current_step": step, "step_status": step_status, "step_timings": step_timings}
    user_id = session.scalar(_PROGRESS, {"item_id": item_id, **values, "heartbeat_at": utcnow()})
    session.commit()
    if user_id is not None:
        changes.announce(user_id, [item_id])


def heartbeat(*, session: Session, item_ids: Sequence[uuid.UUID]) -> None:
    """Tell the reaper these items' worker is alive (one statement for all of them)."""
    session.execute(
        update(QueueItem)
        .where(QueueItem.id.in_(item_ids), QueueItem.status == QueueStatus.PROCESSING)
        .values(heartbeat_at=utcnow())
    )
    session.commit()


def complete(
    *,
    session: Session,
    item: QueueItem,
    email_message: str,
    template_type: str,
    metadata: dict[str, Any],
    is_confident: bool,
    step_timings: dict[str, float],
) -> Email | None:
    """One transaction: the email, the user's count and the terminal state — or nothing at all."""
    now = utcnow()
    email_id = uuid.uuid4()
    owned = _finish(
        session,
        item,
        status=QueueStatus.COMPLETED,
        email_id=email_id,
        completed_at=now,
        heartbeat_at=now,
        current_step=None,
        step_status="completed",
        step_timings=step_timings,
    )
    if not owned:
        session.rollback()
        return None
    email = Email(
        id=email_id,
        user_id=item.user_id,
        queue_item_id=item.id,
        recipient_name=item.recipient_name,
        recipient_interest=item.recipient_interest,
        email_message=email_message,
        template_type=template_type,
        email_metadata=metadata,
        is_confident=is_confident,
        displayed=True,
        created_at=now,
    )
    session.add(email)
    count_generation(session=session, user_id=item.user_id)
    session.commit()
    changes.announce(item.user_id, [item.id], line_moved=True)
    return email


def fail(
    *,
    session: Session,
    item: QueueItem,
    message: str,
    error_type: str,
    failed_step: str | None,
) -> bool:
    """Terminal failure with a readable reason, unless the row moved on meanwhile."""
    failed = _finish(
        session,
        item,
        status=QueueStatus.FAILED,
        error_message=message[:2000],
        error_type=error_type,
        failed_step=failed_step,
        completed_at=utcnow(),
    )
    session.commit()
    if failed:
        changes.announce(item.user_id, [item.id], line_moved=True)
    return failed


def _finish(session: Session, item: QueueItem, **values: Any) -> bool:
    """Move the row to a terminal state only if this claim still owns it: not cancelled, not
    requeued by the reaper, not claimed again by a newer delivery."""
    claim = {"item_id": item.id, "claimed_by": item.celery_task_id}
    return session.execute(_FINISH, {**claim, **values}).scalar_one_or_none() is not None


# The worker's writes for every email, built once (building a statement cost more CPU than running
# it) and on the table rather than the entity (the ORM's bulk-update bookkeeping too: no row they
# change is loaded). The SET clause is the parameters named after columns; the WHERE's are bound.
_PROGRESS = (
    update(ITEMS)
    .where(ITEMS.c.id == bindparam("item_id"), ITEMS.c.status == QueueStatus.PROCESSING)
    .returning(ITEMS.c.user_id)
)
_FINISH = (
    update(ITEMS)
    .where(
        ITEMS.c.id == bindparam("item_id"),
        ITEMS.c.status == QueueStatus.PROCESSING,
        # The claim's task id, None too (a claim made without one): IS NOT DISTINCT FROM, not =.
        ITEMS.c.celery_task_id.is_not_distinct_from(
            bindparam("claimed_by", type_=ITEMS.c.celery_task_id.type)
        ),
    )
    .returning(ITEMS.c.id)
)


def cancel(*, session: Session, user_id: uuid.UUID, item_id: uuid.UUID) -> None:
    """Cancel a pending item; the conditional update makes a cancel win over a late worker."""
    item = get_item(session=session, user_id=user_id, item_id=item_id)
    cancelled = session.execute(
        update(QueueItem)
        .where(QueueItem.id == item.id, QueueItem.status == QueueStatus.PENDING)
        .values(status=QueueStatus.CANCELLED, completed_at=utcnow())
        .returning(QueueItem.id)
    ).scalar_one_or_none()
    if cancelled is None:
        session.rollback()
        raise BadRequest(f"Only pending items can be cancelled; this one is {item.status}")
    session.commit()
    changes.announce(user_id, [item.id], line_moved=True)


def requeue(*, session: Session, item_id: uuid.UUID, include_processing: bool = False) -> QueueItem:
    """Operator recovery: put a failed or cancelled item back in the line with fresh attempts.

    A processing item only with `include_processing` (its worker is presumably gone): if that
    worker is alive after all, its result is discarded, since the claim it holds no longer owns
    the row. A completed item already has its email and stays as it is. The caller enqueues it.
    """
    allowed = [QueueStatus.FAILED, QueueStatus.CANCELLED]
    if include_processing:
        allowed.append(QueueStatus.PROCESSING)
    item = session.scalars(
        update(QueueItem)
        .where(QueueItem.id == item_id, QueueItem.status.in_(allowed))
        .values(
            status=QueueStatus.PENDING,
            attempts=0,
            celery_task_id=None,
            current_step=None,
            step_status=None,
            step_timings=None,
            error_message=None,
            error_type=None,
            failed_step=None,
            started_at=None,
            heartbeat_at=None,
            completed_at=None,
            enqueued_at=None,
        )
        .returning(QueueItem),
        execution_options={"populate_existing": True},
    ).one_or_none()
    if item is None:
        session.rollback()
        current = session.get(QueueItem, item_id)
        if current is None:
            raise NotFound("Queue item not found")
        raise BadRequest(f"Only failed or cancelled items can be requeued; this one is {current.status}")
    session.commit()
    changes.announce(item.user_id, [item.id], line_moved=True)
    return item


def list_recent(*, session: Session | Connection, user_id: uuid.UUID, hours: int = 24) -> list[Row[Any]]:
    """The caller's visible items of the last `hours`, oldest first: rows of `QueueItemOut`'s fields
    in its order, `position` being the item's place in line (null unless pending)."""
    # One statement, so statuses and positions come from the same snapshot: a worker claiming an
    # item between two queries would otherwise show a pending item without a place in line.
    bind = session.get_bind() if isinstance(session, Session) else session
    statement = _recent_items(bind.dialect.name)
    since = utcnow() - timedelta(hours=hours)
    return list(session.execute(statement, {"user_id": user_id, "since": since}).all())


@lru_cache
def _recent_items(dialect: str) -> Select[tuple[Any, ...]]:
    # Only what the list shows: loading whole ORM rows (templates, timestamps) for 100+ items per
    # poll was most of the list's Python time.
    line = fair_queue.positions(dialect).subquery()
    return (
        select(
            QueueItem.id,
            QueueItem.recipient_name,
            QueueItem.status,
            line.c.position,
            QueueItem.email_id,
            QueueItem.error_message,
            QueueItem.current_step,
            QueueItem.created_at,
        )
        .outerjoin(line, line.c.id == QueueItem.id)
        .where(
            QueueItem.user_id == bindparam("user_id"),
            QueueItem.created_at >= bindparam("since"),
            QueueItem.status != fair_queue.constant(QueueStatus.CANCELLED),
        )
        .order_by(QueueItem.created_at, QueueItem.batch_index, QueueItem.id)
    )


def read_line(*, user_id: uuid.UUID) -> list[Row[Any]]:
    """GET /api/queue/ on one pooled connection, one statement (the other hot polling path)."""
    with read_connection() as connection:
        rows = list_recent(session=connection, user_id=user_id)
        if not rows:
            require_initialised(session=connection, user_id=user_id)
        return rows
