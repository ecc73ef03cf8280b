"""Who goes next: round-robin between users over the pending rows.

The line is ordered by each item's rank inside its owner's own pending items, then by
how many items that owner already has in flight, then by age. A 100-item batch therefore
interleaves with everyone else's work instead of blocking it, and when only one user has
work every free worker slot still takes their next item (work-conserving).

Celery messages are interchangeable work tokens: a worker that receives one claims the
item at the head of this line, whatever id the message carried. Positions shown to users
come from the same ordering, so what they see is what will happen.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import QueueItem, QueueStatus


def line() -> Select[tuple[uuid.UUID, uuid.UUID, int]]:
    """(id, user_id, position) for every pending item, position 1 being the next to start."""
    in_flight = (
        select(QueueItem.user_id, func.count().label("n"))
        .where(QueueItem.status == QueueStatus.PROCESSING)
        .group_by(QueueItem.user_id)
        .subquery()
    )
    ranked = (
        select(
            QueueItem.id,
            QueueItem.user_id,
            QueueItem.created_at,
            QueueItem.batch_index,
            func.row_number()
            .over(
                partition_by=QueueItem.user_id,
                order_by=(QueueItem.created_at, QueueItem.batch_index, QueueItem.id),
            )
            .label("user_rank"),
            func.coalesce(in_flight.c.n, 0).label("in_flight"),
        )
        .join(in_flight, in_flight.c.user_id == QueueItem.user_id, isouter=True)
        .where(QueueItem.status == QueueStatus.PENDING)
        .subquery()
    )
    order = (ranked.c.user_rank, ranked.c.in_flight, ranked.c.created_at, ranked.c.batch_index, ranked.c.id)
    position = func.row_number().over(order_by=order).label("position")
    return select(ranked.c.id, ranked.c.user_id, position).order_by(*order)


def next_candidates(session: Session, limit: int = 8) -> list[uuid.UUID]:
    whole = line().subquery()
    return list(session.scalars(select(whole.c.id).order_by(whole.c.position).limit(limit)))
