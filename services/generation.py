"""One queue item through the pipeline: claim, run, write the outcome exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from config.settings import get_settings
from database.engine import get_engine, session_scope
from models import QueueItem
from pipeline.core import runner
from pipeline.core.runner import PipelineError, run_pipeline
from pipeline.metadata import build_email_metadata
from pipeline.models import PipelineData
from services import async_runtime, heartbeats, queue
from services.limits import deadline
from services.progress import ProgressWriter

log = logging.getLogger(__name__)


def warm_up() -> None:
    """What a worker builds once, before its first email rather than inside it: the pipeline's agents
    and clients, this module (the task imports it), and the database engine (creating it loads the
    driver)."""
    runner.warm_up()
    get_engine()


def generate_next(*, task_id: str | None) -> dict[str, Any]:
    """Claim the head of the fair line, run the pipeline, and complete or fail it exactly once.

    No transaction is open while the pipeline runs (up to the task's time limit): the claim
    commits in a session of its own, and so does the outcome.
    """
    with session_scope() as session:
        item = queue.claim_next(session=session, task_id=task_id)
        if item is None:
            return {"skipped": True}
        data = PipelineData(
            queue_item_id=item.id,
            user_id=item.user_id,
            recipient_name=item.recipient_name,
            recipient_interest=item.recipient_interest,
            email_template=item.template_text,  # read in this session, which closes before the pipeline
        )
    try:
        result = _run_with_heartbeat(data, item.id)
    except PipelineError as exc:
        return _fail(item, str(exc), exc.error_type, exc.failed_step)
    except (TimeoutError, SoftTimeLimitExceeded):
        limit = get_settings().task_time_limit_seconds
        return _fail(item, f"Generation took longer than {limit} s and was stopped", "timeout", None)
    email = _with_database_retries(
        lambda session: queue.complete(
            session=session,
            item=item,
            email_message=result.email_message,
            template_type=str(result.template_type),
            metadata=build_email_metadata(result),
            is_confident=result.is_confident,
            step_timings=result.step_timings,
        )
    )
    if email is None:
        log.info("queue item %s moved on while running; result discarded", item.id)
        return {"queue_item_id": str(item.id), "skipped": True}
    return {"queue_item_id": str(item.id), "status": "completed", "email_id": str(email.id)}


def _fail(item: QueueItem, message: str, error_type: str, step: str | None) -> dict[str, Any]:
    _with_database_retries(
        lambda session: queue.fail(
            session=session, item=item, message=message, error_type=error_type, failed_step=step
        )
    )
    return {"queue_item_id": str(item.id), "status": "failed"}


def _with_database_retries[T](write: Callable[[Session], T], attempts: int = 5) -> T:
    """The terminal write survives a database restart: a finished email is not thrown away for a
    dropped connection (the transaction is all-or-nothing, so a retry cannot write twice)."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope() as session:
                return write(session)
        except OperationalError:
            if attempt == attempts:
                raise
            log.warning("database unavailable for the final write; retrying (%s/%s)", attempt, attempts)
            time.sleep(min(8.0, 0.5 * 2**attempt))
    raise AssertionError("unreachable")


def _run_with_heartbeat(data: PipelineData, item_id: uuid.UUID) -> PipelineData:
    """The pipeline on the process's event loop, beating for the item from the moment it is claimed.

    Heartbeats come from the process's heartbeat thread (services/heartbeats.py), not from the
    loop: a loop busy with other pipelines' work must not make this item look dead.
    """
    settings = get_settings()
    beats = heartbeats.process_heartbeats().beating(
        item_id,
        every=settings.heartbeat_seconds,
        deadline=time.monotonic() + settings.pipeline_wall_limit_seconds,
    )
    with beats:
        return async_runtime.run(_run_within_limit(data, item_id))


async def _run_within_limit(data: PipelineData, item_id: uuid.UUID) -> PipelineData:
    """The limit is enforced here, inside the loop, because Celery's own limits do nothing in a
    threads pool (and only interrupt the waiting thread in prefork). Time queued for providers'
    rate limits does not count, up to RATE_LIMIT_WAIT_SECONDS (services/limits/deadline.py)."""
    settings = get_settings()
    progress = ProgressWriter(item_id)
    try:
        async with asyncio.timeout(settings.task_time_limit_seconds) as limit:
            with deadline.pausable(limit, settings.rate_limit_wait_seconds):
                result = await run_pipeline(data, on_progress=progress.report)
    except Exception:
        # The failed step stays on the row (the failure's write does not carry it).
        await progress.close(write_pending=True)
        raise
    except BaseException:
        await progress.close(write_pending=False)
        raise
    # The completion writes the final progress (every step's timing) in its own transaction.
    await progress.close(write_pending=False)
    return result
