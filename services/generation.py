"""One queue item through the pipeline: claim, run, write the outcome exactly once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

from database.engine import session_scope
from pipeline.core.runner import PipelineError, run_pipeline
from pipeline.metadata import build_email_metadata
from pipeline.models import PipelineData, ProgressEvent
from services import queue

log = logging.getLogger(__name__)


def generate_next(*, task_id: str | None) -> dict[str, Any]:
    """Claim the head of the fair line, run the pipeline, and complete or fail it exactly once."""
    with session_scope() as session:
        item = queue.claim_next(session=session, task_id=task_id)
        if item is None:
            return {"skipped": True}
        item_id = item.id
        data = PipelineData(
            queue_item_id=item.id,
            user_id=item.user_id,
            recipient_name=item.recipient_name,
            recipient_interest=item.recipient_interest,
            email_template=item.email_template,
        )
        try:
            result = asyncio.run(run_pipeline(data, on_progress=_progress_publisher(item.id)))
        except PipelineError as exc:
            queue.fail(
                session=session,
                item=item,
                message=str(exc),
                error_type=exc.error_type,
                failed_step=exc.failed_step,
            )
            return {"queue_item_id": str(item_id), "status": "failed"}
        except SoftTimeLimitExceeded:
            queue.fail(
                session=session,
                item=item,
                message="Generation took too long and was stopped",
                error_type="timeout",
                failed_step=None,
            )
            return {"queue_item_id": str(item_id), "status": "failed"}
        email = queue.complete(
            session=session,
            item=item,
            email_message=result.email_message,
            template_type=str(result.template_type),
            metadata=build_email_metadata(result),
            is_confident=result.is_confident,
            step_timings=result.step_timings,
        )
        if email is None:
            log.info("queue item %s moved on while running; result discarded", item_id)
            return {"queue_item_id": str(item_id), "skipped": True}
        return {"queue_item_id": str(item_id), "status": "completed", "email_id": str(email.id)}


def _progress_publisher(item_id: uuid.UUID) -> Any:
    async def publish(event: ProgressEvent) -> None:
        await asyncio.to_thread(_record, item_id, event)

    return publish


def _record(item_id: uuid.UUID, event: ProgressEvent) -> None:
    with session_scope() as session:
        queue.record_progress(
            session=session,
            item_id=item_id,
            step=event.step,
            step_status=event.status,
            step_timings=dict(event.step_timings),
        )
