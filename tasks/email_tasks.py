"""Celery tasks: thin wrappers that carry ids into services."""

from __future__ import annotations

from typing import Any

from celery import Task

from celery_config import celery_app


@celery_app.task(name="tasks.email_tasks.generate_email_task", bind=True)
def generate_email_task(self: Task, queue_item_id: str) -> dict[str, Any]:
    """Process one queued email.

    Messages are work tokens (see services/fair_queue.py): the worker takes the item at the
    head of the fair line, which is usually but not always `queue_item_id`.
    """
    # Imported here, not at module level: Flower imports this module too, and the pipeline
    # (pydantic-ai, provider SDKs) would cost it ~90 MB it never uses on a 1 GB Pi.
    from services.generation import generate_next

    outcome = generate_next(task_id=self.request.id)
    outcome["message_item_id"] = queue_item_id
    return outcome
