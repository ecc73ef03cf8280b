"""Periodic maintenance run by Celery beat."""

from __future__ import annotations

from dataclasses import asdict

from celery_config import celery_app
from database.engine import session_scope
from services.reaper import reap


@celery_app.task(name="tasks.maintenance.reap_queue")
def reap_queue() -> dict[str, int]:
    """Requeue or fail stale processing rows and re-enqueue orphaned pending rows."""
    with session_scope() as session:
        return asdict(reap(session=session))
