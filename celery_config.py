"""The Celery app: Redis when configured, otherwise an embedded broker that needs no server."""

from __future__ import annotations

import observability.no_pydantic_plugins  # noqa: F401  (before anything builds a pydantic model)

# isort: split
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown
from kombu import Queue

from config.settings import get_settings

EMAIL_QUEUE = "email_default"


def _broker_transport_options() -> dict[str, Any]:
    settings = get_settings()
    if settings.broker_url.startswith("filesystem://"):
        folder = settings.broker_folder
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    # Redis redelivers an unacked message after the visibility timeout: keep it above the longest run.
    return {"visibility_timeout": int(settings.pipeline_wall_limit_seconds * 2 + 60)}


def create_celery_app() -> Celery:
    settings = get_settings()
    if settings.result_backend.startswith("db+sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery(
        "scribe",
        broker=settings.broker_url,
        backend=settings.result_backend,
        include=["tasks.email_tasks", "tasks.maintenance"],
    )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_pool=settings.worker_pool,
        worker_concurrency=settings.worker_concurrency,
        task_default_queue=EMAIL_QUEUE,
        task_queues=[Queue(EMAIL_QUEUE), Queue("celery")],
        task_routes={
            "tasks.email_tasks.*": {"queue": EMAIL_QUEUE},
            "tasks.maintenance.*": {"queue": "celery"},
        },
        # The pipeline enforces its limit itself (services/generation.py; time queued for rate limits
        # excluded, up to rate_limit_wait_seconds), which also holds in a threads pool; in prefork
        # these are the backstops if that ever fails.
        task_soft_time_limit=settings.pipeline_wall_limit_seconds + 15,
        task_time_limit=settings.pipeline_wall_limit_seconds + 45,
        task_track_started=True,
        # The queue row is every task's result and nothing reads Celery's: store none, so the result
        # backend (Redis) holds no key per task; anything stored regardless expires within a day.
        task_ignore_result=True,
        result_expires=24 * 3600,
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_broker_transport_options(),
        timezone="UTC",
        enable_utc=True,
    )
    return app


celery_app = create_celery_app()


@worker_init.connect
@worker_process_init.connect
def _prepare_worker(**_: Any) -> None:
    """Tracing, and the agents built before the first email (building imports provider SDKs)."""
    from observability.tracing import configure

    configure("worker")  # first: untraced, it keeps Logfire out before the pipeline imports pydantic-ai
    from services.generation import warm_up

    warm_up()


@worker_ready.connect
def _start_recovery(sender: Any, **_: Any) -> None:
    """Every worker sweeps for recovery itself (services/recovery.py): no beat process."""
    from services.recovery import start_in_worker

    start_in_worker(who=str(sender.hostname))


@worker_shutdown.connect
def _stop_recovery(**_: Any) -> None:
    from services.recovery import stop_in_worker

    stop_in_worker()
