"""Server-Sent Events for a task and for a user's queue, read from the rows.

Events carry ids that fingerprint the state they describe, so a client reconnecting with
Last-Event-ID gets only what changed since. A comment line keeps idle streams alive
through Cloudflare (which drops streams silent for ~100 s).

Open streams cost the database little: one poller per event loop reads every open stream's rows in
one short session per interval (one query for all watched tasks, one per user watching their
queue), so no stream holds a connection between polls and 200 streams do not queue 400 reads a
second in front of other requests. Each user may hold `SSE_STREAMS_PER_USER` streams per API
process, and a stream ends after `SSE_MAX_SECONDS`; EventSource then reconnects with Last-Event-ID
and misses nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import anyio
from sqlalchemy.exc import SQLAlchemyError

from config.settings import get_settings
from database.engine import session_scope
from schemas.queue import QueueItemOut
from services import queue
from services.errors import RateLimited
from services.slots import Slots, UserAtCap
from services.task_status import read_task_statuses

log = logging.getLogger(__name__)

TERMINAL_TASK_STATES = {"SUCCESS", "FAILURE"}
# Closing a stream frees its slot at once; the hint only spaces out a client's retries.
STREAM_SLOT_RETRY_AFTER_SECONDS = 5

type TaskKey = tuple[uuid.UUID, uuid.UUID]  # (user id, queue item id)


def frame(event: str, data: Any, event_id: str | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id else []
    lines += [f"event: {event}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    return "\n".join(lines) + "\n\n"


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def task_snapshots(keys: list[TaskKey]) -> dict[TaskKey, dict[str, Any]]:
    """The status body of each task that still exists, in one short session."""
    return {key: status.model_dump(mode="json") for key, status in read_task_statuses(keys).items()}


def queue_snapshot(user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The queue list body of one user (403 for a user who never initialised)."""
    rows = queue.read_line(user_id=user_id)
    return [QueueItemOut.from_row(item, position).model_dump(mode="json") for item, position in rows]


def queue_snapshots(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The queue list body of each user, in one short session."""
    with session_scope() as session:
        lines = {user_id: queue.list_recent(session=session, user_id=user_id) for user_id in user_ids}
    return {
        user_id: [QueueItemOut.from_row(item, position).model_dump(mode="json") for item, position in rows]
        for user_id, rows in lines.items()
    }


@dataclass(eq=False)
class Watch:
    """One open stream's view of its rows: the latest snapshot, and a signal when it changes."""

    key: Hashable
    table: dict[Any, set[Watch]]
    event_id: str | None = None
    snapshot: Any = None
    gone: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def publish(self, snapshot: Any, event_id: str) -> None:
        if event_id != self.event_id:
            self.snapshot, self.event_id = snapshot, event_id
            self.changed.set()

    def vanish(self) -> None:
        self.gone = True
        self.changed.set()


class Poller:
    """Reads the rows of every stream open on this event loop, once per interval, and wakes the
    streams whose rows changed. It runs while at least one stream is open."""

    def __init__(self) -> None:
        self.tasks: dict[TaskKey, set[Watch]] = defaultdict(set)
        self.lines: dict[uuid.UUID, set[Watch]] = defaultdict(set)
        self._runner: asyncio.Task[None] | None = None
        # One read at a time, on a thread of its own: streams never take FastAPI's threadpool tokens.
        self._limiter = anyio.CapacityLimiter(1)

    def watch_task(self, key: TaskKey) -> Watch:
        return self._add(self.tasks, key)

    def watch_line(self, user_id: uuid.UUID) -> Watch:
        return self._add(self.lines, user_id)

    def _add[K](self, table: dict[K, set[Watch]], key: K) -> Watch:
        watch = Watch(key, table)
        table[key].add(watch)
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())
        return watch

    def unwatch(self, watch: Watch) -> None:
        watchers = watch.table.get(watch.key, set())
        watchers.discard(watch)
        if not watchers:
            watch.table.pop(watch.key, None)

    async def _run(self) -> None:
        try:
            while self.tasks or self.lines:
                await asyncio.sleep(get_settings().sse_poll_seconds)
                task_keys, user_ids = list(self.tasks), list(self.lines)
                try:
                    tasks, lines = await anyio.to_thread.run_sync(
                        _read, task_keys, user_ids, limiter=self._limiter
                    )
                except SQLAlchemyError as exc:  # streams stay open and catch up on the next poll
                    log.warning("event streams could not read their rows: %s", type(exc).__name__)
                    continue
                self._publish(self.tasks, task_keys, tasks)
                self._publish(self.lines, user_ids, lines)
        finally:
            self._runner = None

    @staticmethod
    def _publish[K](table: dict[K, set[Watch]], keys: list[K], snapshots: dict[K, Any]) -> None:
        for key in keys:
            watchers = table.get(key, set())
            if key not in snapshots:
                for watch in watchers:
                    watch.vanish()
                continue
            event_id = fingerprint(snapshots[key])
            for watch in watchers:
                watch.publish(snapshots[key], event_id)


def _read(
    task_keys: list[TaskKey], user_ids: list[uuid.UUID]
) -> tuple[dict[TaskKey, dict[str, Any]], dict[uuid.UUID, list[dict[str, Any]]]]:
    return (task_snapshots(task_keys) if task_keys else {}), (queue_snapshots(user_ids) if user_ids else {})


_pollers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Poller] = weakref.WeakKeyDictionary()


def poller() -> Poller:
    """The poller of the running event loop (one per API process in production)."""
    loop = asyncio.get_running_loop()
    if loop not in _pollers:
        _pollers[loop] = Poller()
    return _pollers[loop]


@lru_cache
def _stream_slots() -> Slots:
    return Slots(per_user=lambda: get_settings().sse_streams_per_user)


def take_stream_slot(user_id: uuid.UUID) -> Callable[[], None]:
    """Hold one of the user's stream slots (429 when all are open); returns the function freeing it."""
    try:
        return _stream_slots().take(user_id)
    except UserAtCap:
        cap = get_settings().sse_streams_per_user
        raise RateLimited(
            f"Too many live streams open ({cap} per user); close one or poll instead",
            retry_after=STREAM_SLOT_RETRY_AFTER_SECONDS,
        ) from None


async def _stream(
    subscribe: Callable[[Poller], Watch],
    first: Any,
    event: str,
    is_done: Callable[[Any], bool],
    last_event_id: str | None,
) -> AsyncIterator[str]:
    settings = get_settings()
    # Subscribed here, when the response starts streaming: its `finally` then always unsubscribes.
    feed = poller()
    watch = subscribe(feed)
    now = time.monotonic
    ends_at = now() + settings.sse_max_seconds
    last_id, last_write = last_event_id, now()
    snapshot: Any = first
    try:
        while True:
            event_id = fingerprint(snapshot)
            if event_id != last_id:
                yield frame(event, snapshot, event_id)
                last_id, last_write = event_id, now()
            if is_done(snapshot):
                return
            while not watch.changed.is_set():
                wait = min(ends_at, last_write + settings.sse_keepalive_seconds) - now()
                if wait > 0:
                    try:
                        async with asyncio.timeout(wait):
                            await watch.changed.wait()
                    except TimeoutError:
                        pass
                    continue
                if now() >= ends_at:
                    return  # the lifetime is over: the client reconnects with Last-Event-ID
                yield ": keep-alive\n\n"
                last_write = now()
            watch.changed.clear()
            if watch.gone:
                return
            snapshot = watch.snapshot
    finally:
        feed.unwatch(watch)


def task_events(
    *, user_id: uuid.UUID, item_id: uuid.UUID, first: dict[str, Any], last_event_id: str | None
) -> AsyncIterator[str]:
    """`status` events (same body as GET /api/email/status) until SUCCESS or FAILURE.

    `first` is the task's current status body, read by the route (which answers 404 without it).
    """
    return _stream(
        lambda feed: feed.watch_task((user_id, item_id)),
        first,
        "status",
        lambda snapshot: snapshot["status"] in TERMINAL_TASK_STATES,
        last_event_id,
    )


def queue_events(
    *, user_id: uuid.UUID, first: list[dict[str, Any]], last_event_id: str | None
) -> AsyncIterator[str]:
    """`queue` events (same body as GET /api/queue/) until nothing is pending or processing."""
    return _stream(
        lambda feed: feed.watch_line(user_id),
        first,
        "queue",
        lambda items: not any(i["status"] in {"pending", "processing"} for i in items),
        last_event_id,
    )
