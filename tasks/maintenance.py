"""Maintenance an operator can send to any worker (`celery call tasks.maintenance.reap_queue`).

Nothing schedules it: every worker sweeps by itself (services/recovery.py).
"""

from __future__ import annotations

import socket
from dataclasses import asdict
from typing import Any

from celery_config import celery_app
from services.recovery import sweep_once


@celery_app.task(name="tasks.maintenance.reap_queue")
def reap_queue() -> dict[str, Any]:
    """One recovery sweep now, unless another process is sweeping at this moment."""
    report = sweep_once(who=f"reap_queue@{socket.gethostname()}", force=True)
    return {"skipped": "another process is sweeping"} if report is None else asdict(report)
