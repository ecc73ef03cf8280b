"""Server-Sent Events for a task and for a user's queue, read from the rows.

Events carry ids that fingerprint the state they describe, so a client reconnecting with
Last-Event-ID gets only what changed since. A comment line keeps idle streams alive
through Cloudflare (which drops streams silent for ~100 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from config.settings import get_settings
from schemas.queue import QueueItemOut
from services import queue
from services.task_status import read_task_status

TERMINAL_TASK_STATES = {"SUCCESS", "FAILURE"}


def frame(event: str, data: Any, event_id: str | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id else []
    lines += [f"event: {event}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    return "\n".join(lines) + "\n\n"


def _task_snapshot(user_id: uuid.UUID, item_id: uuid.UUID) -> dict[str, Any]:
    return read_task_status(user_id=user_id, item_id=item_id).model_dump(mode="json")


def _queue_snapshot(user_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = queue.read_line(user_id=user_id)
    return [QueueItemOut.from_row(item, position).model_dump(mode="json") for item, position in rows]


def _fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


async def _stream(
    load: Callable[[], Any],
    event: str,
    is_done: Callable[[Any], bool],
    last_event_id: str | None,
) -> AsyncIterator[str]:
    settings = get_settings()
    last_id = last_event_id
    last_write = time.monotonic()
    while True:
        snapshot = await run_in_threadpool(load)
        event_id = _fingerprint(snapshot)
        if event_id != last_id:
            yield frame(event, snapshot, event_id)
            last_id, last_write = event_id, time.monotonic()
        if is_done(snapshot):
            return
        if time.monotonic() - last_write >= settings.sse_keepalive_seconds:
            yield ": keep-alive\n\n"
            last_write = time.monotonic()
        await asyncio.sleep(settings.sse_poll_seconds)


def task_events(*, user_id: uuid.UUID, item_id: uuid.UUID, last_event_id: str | None) -> AsyncIterator[str]:
    """`status` events (same body as GET /api/email/status) until SUCCESS or FAILURE."""
    return _stream(
        lambda: _task_snapshot(user_id, item_id),
        "status",
        lambda snapshot: snapshot["status"] in TERMINAL_TASK_STATES,
        last_event_id,
    )


def queue_events(*, user_id: uuid.UUID, last_event_id: str | None) -> AsyncIterator[str]:
    """`queue` events (same body as GET /api/queue/) until nothing is pending or processing."""
    return _stream(
        lambda: _queue_snapshot(user_id),
        "queue",
        lambda items: not any(i["status"] in {"pending", "processing"} for i in items),
        last_event_id,
    )
