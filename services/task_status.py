"""Translate a queue item into the frontend's task-status shape (Celery-style states)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select

from database.engine import read_connection
from models import QueueItem, QueueStatus
from schemas.email import TaskError, TaskResult, TaskState, TaskStatus
from services.errors import NotFound
from services.users import require_initialised

STATE = {
    QueueStatus.PENDING: "PENDING",
    QueueStatus.PROCESSING: "STARTED",
    QueueStatus.COMPLETED: "SUCCESS",
    QueueStatus.FAILED: "FAILURE",
    QueueStatus.CANCELLED: "FAILURE",
}


# What a status shows: the ORM loads every column of a row (its template, its timestamps), and
# that loading was most of a poll's Python time.
COLUMNS = (
    QueueItem.id,
    QueueItem.user_id,
    QueueItem.status,
    QueueItem.current_step,
    QueueItem.step_status,
    QueueItem.step_timings,
    QueueItem.email_id,
    QueueItem.error_message,
    QueueItem.error_type,
    QueueItem.failed_step,
)
ONE_TASK = select(*COLUMNS).where(
    QueueItem.id == bindparam("item_id"), QueueItem.user_id == bindparam("user_id")
)


def task_status(item: Row[Any]) -> TaskStatus:
    """The status of a queue item, from a row of its `COLUMNS`."""
    state: TaskState = STATE[QueueStatus(item.status)]  # type: ignore[assignment]
    timings = item.step_timings or {}
    if item.status == QueueStatus.COMPLETED:
        result = TaskResult(email_id=item.email_id, step_timings=timings)
        return TaskStatus(task_id=item.id, status=state, result=result)
    if item.status == QueueStatus.FAILED:
        error = TaskError(
            message=item.error_message or "Generation failed",
            type=item.error_type or "error",
            failed_step=item.failed_step,
        )
        return TaskStatus(task_id=item.id, status=state, error=error)
    if item.status == QueueStatus.CANCELLED:
        error = TaskError(message="Cancelled before it started", type="cancelled")
        return TaskStatus(task_id=item.id, status=state, error=error)
    if item.status == QueueStatus.PROCESSING:
        # Before the first step there is no current_step yet: the key is left out, not null.
        progress = TaskResult(
            current_step=item.current_step, step_status=item.step_status, step_timings=timings
        )
        return TaskStatus(task_id=item.id, status=state, result=progress)
    return TaskStatus(task_id=item.id, status=state)


def read_task_statuses(
    keys: Sequence[tuple[uuid.UUID, uuid.UUID]],
) -> dict[tuple[uuid.UUID, uuid.UUID], TaskStatus]:
    """Many tasks' states in one short session and one query; keys are (user id, item id) and a
    task that does not exist (or is not that user's) is left out."""
    wanted = set(keys)
    with read_connection() as connection:
        rows = connection.execute(select(*COLUMNS).where(QueueItem.id.in_({item for _, item in wanted})))
        return {(row.user_id, row.id): task_status(row) for row in rows if (row.user_id, row.id) in wanted}


def read_task_status(*, user_id: uuid.UUID, item_id: uuid.UUID) -> TaskStatus:
    """The hot polling path: one pooled connection, one statement when the task exists."""
    with read_connection() as connection:
        row = connection.execute(ONE_TASK, {"item_id": item_id, "user_id": user_id}).first()
        if row is None:
            require_initialised(session=connection, user_id=user_id)
            raise NotFound("Task not found")
    return task_status(row)
