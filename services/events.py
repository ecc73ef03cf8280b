"""Server-Sent Events for a task and for a user's queue, read from the rows.

Events carry ids that fingerprint the state they describe, so a client reconnecting with
Last-Event-ID gets only what changed since. A comment line keeps idle streams alive
through Cloudflare (which drops streams silent for ~100 s).

Open streams cost little: one feed per event loop (one per API process) reads the rows of the open
streams in one short session when they change (a change notice from the write path, see
services/changes.py), with a slow resync in case a notice was lost; without Redis it reads every
open stream's rows once per interval instead (one query for all watched tasks, one per user
watching their queue). No stream holds a database connection, and idle streams cost only their
keep-alive comments. Each user may hold `SSE_STREAMS_PER_USER` streams per API
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
from pydantic_core import to_jsonable_python
from sqlalchemy.exc import SQLAlchemyError

from config.settings import get_settings
from database.engine import read_connection
from schemas.queue import queue_entries
from services import changes, queue
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
    return to_jsonable_python(queue_entries(queue.read_line(user_id=user_id)))


def queue_snapshots(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The queue list body of each user, in one short session."""
    with read_connection() as connection:
        lines = {user_id: queue.list_recent(session=connection, user_id=user_id) for user_id in user_ids}
    return {user_id: to_jsonable_python(queue_entries(rows)) for user_id, rows in lines.items()}


@dataclass(eq=False)
class Watch:
    """One open stream's view of its rows: the latest snapshot, and a signal when it changes."""

    key: Hashable
    table: dict[Any, set[Watch]]
    snapshot: Any
    # Reads that had started when this stream subscribed: their results may be older than the
    # snapshot the stream began with, so they are never handed to it.
    after: int
    event_id: str | None = None
    gone: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.event_id = fingerprint(self.snapshot)

    def publish(self, snapshot: Any, event_id: str) -> None:
        if event_id != self.event_id:
            self.snapshot, self.event_id = snapshot, event_id
            self.changed.set()

    def vanish(self) -> None:
        self.gone = True
        self.changed.set()

    @property
    def waiting(self) -> bool:
        """A queue stream with a pending item: its positions move when anyone's line moves."""
        return isinstance(self.snapshot, list) and any(i.get("status") == "pending" for i in self.snapshot)


class Feed:
    """The streams open on one event loop (one per API process) and the one reader of their rows.

    Rows are read only when marked stale, all stale ones at once in one short session on a thread
    of their own, one read at a time, so a stream never receives a state older than one it had.
    What marks them stale:
    - with Redis (services/changes.py): a change notice naming the stream's task or user (or, for
      queue streams with a pending item, any notice that moved the line), every (re)subscription
      of this process's one listener (notices may have been missed), and every SSE_RESYNC_SECONDS
      all of them (a notice lost between a commit and its publish);
    - without Redis, with SSE_WAKE=poll, or while the listener is reconnecting: all of them every
      SSE_POLL_SECONDS.
    The reader and the listener run while at least one stream is open.
    """

    def __init__(self) -> None:
        self.tasks: dict[TaskKey, set[Watch]] = defaultdict(set)
        self.lines: dict[uuid.UUID, set[Watch]] = defaultdict(set)
        # Notices heard and subscriptions made: a stream whose first snapshot was read while this
        # moved may have missed a notice, so it is read again once subscribed.
        self.notices = 0
        self.reads = 0
        self.listening = False
        self._stale_tasks: set[TaskKey] = set()
        self._stale_lines: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        # One read at a time, on a thread of its own: streams never take FastAPI's threadpool tokens.
        self._limiter = anyio.CapacityLimiter(1)

    def watch_task(self, key: TaskKey, first: Any, mark: int | None) -> Watch:
        return self._add(self.tasks, self._stale_tasks, key, first, mark)

    def watch_line(self, user_id: uuid.UUID, first: Any, mark: int | None) -> Watch:
        return self._add(self.lines, self._stale_lines, user_id, first, mark)

    def _add[K](
        self, table: dict[K, set[Watch]], stale: set[K], key: K, first: Any, mark: int | None
    ) -> Watch:
        watch = Watch(key, table, first, after=self.reads)
        table[key].add(watch)
        if mark is None or mark != self.notices:
            stale.add(key)
            self._wake.set()
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())
        return watch

    def unwatch(self, watch: Watch) -> None:
        watchers = watch.table.get(watch.key, set())
        watchers.discard(watch)
        if not watchers:
            watch.table.pop(watch.key, None)

    def changed(self, change: changes.Change) -> None:
        """A notice: mark the streams it concerns stale."""
        self.notices += 1
        for item_id in change.item_ids:
            if (change.user_id, item_id) in self.tasks:
                self._stale_tasks.add((change.user_id, item_id))
        if change.user_id in self.lines:
            self._stale_lines.add(change.user_id)
        if change.line_moved:
            self._stale_lines.update(
                u for u, watchers in self.lines.items() if any(w.waiting for w in watchers)
            )
        if self._stale_tasks or self._stale_lines:
            self._wake.set()

    def subscribed(self) -> None:
        """The listener (re)subscribed: notices may have been missed, so every stream is stale."""
        self.listening = True
        self.resync()

    def unsubscribed(self) -> None:
        """The listener lost Redis: streams poll until it is back."""
        self.listening = False
        self._wake.set()

    def resync(self) -> None:
        """Every open stream is stale."""
        self.notices += 1
        self._stale_tasks.update(self.tasks)
        self._stale_lines.update(self.lines)
        self._wake.set()

    async def _run(self) -> None:
        if changes.enabled():
            listen = changes.listen(self.changed, self.subscribed, self.unsubscribed)
            self._listener = asyncio.get_running_loop().create_task(listen)
        try:
            last_full = time.monotonic()
            while self.tasks or self.lines:
                settings = get_settings()
                # Subscribed: a slow safety resync. Not (no Redis, SSE_WAKE=poll, or Redis lost):
                # every stream's rows each SSE_POLL_SECONDS.
                interval = settings.sse_resync_seconds if self.listening else settings.sse_poll_seconds
                wait = last_full + interval - time.monotonic()
                if wait > 0 and not self._wake.is_set():
                    try:
                        async with asyncio.timeout(wait):
                            await self._wake.wait()
                    except TimeoutError:
                        pass
                full = time.monotonic() >= last_full + interval
                if full:
                    self._stale_tasks.update(self.tasks)
                    self._stale_lines.update(self.lines)
                self._wake.clear()
                await self._read_stale()
                if full:  # the interval runs from the end of a read, as polling always did
                    last_full = time.monotonic()
        finally:
            self._runner = None
            self.listening = False
            if self._listener is not None:
                self._listener.cancel()
                self._listener = None

    async def _read_stale(self) -> None:
        task_keys = [key for key in self._stale_tasks if key in self.tasks]
        user_ids = [user for user in self._stale_lines if user in self.lines]
        self._stale_tasks.clear()
        self._stale_lines.clear()
        if not task_keys and not user_ids:
            return
        self.reads += 1
        read = self.reads
        try:
            tasks, lines = await anyio.to_thread.run_sync(_read, task_keys, user_ids, limiter=self._limiter)
        except SQLAlchemyError as exc:  # streams stay open and are read again shortly
            log.warning("event streams could not read their rows: %s", type(exc).__name__)
            self._stale_tasks.update(task_keys)
            self._stale_lines.update(user_ids)
            await asyncio.sleep(min(1.0, get_settings().sse_poll_seconds * 2))
            self._wake.set()
            return
        self._publish(self.tasks, task_keys, tasks, read)
        self._publish(self.lines, user_ids, lines, read)

    @staticmethod
    def _publish[K](table: dict[K, set[Watch]], keys: list[K], snapshots: dict[K, Any], read: int) -> None:
        for key in keys:
            watchers = [watch for watch in table.get(key, set()) if watch.after < read]
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


_feeds: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Feed] = weakref.WeakKeyDictionary()


def feed() -> Feed:
    """The feed of the running event loop (one per API process in production)."""
    loop = asyncio.get_running_loop()
    if loop not in _feeds:
        _feeds[loop] = Feed()
    return _feeds[loop]


def mark() -> int:
    """Taken by a route before it reads a stream's first snapshot (see `Feed.notices`)."""
    return feed().notices


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
    subscribe: Callable[[Feed], Watch],
    first: Any,
    event: str,
    is_done: Callable[[Any], bool],
    last_event_id: str | None,
) -> AsyncIterator[str]:
    settings = get_settings()
    # Subscribed here, when the response starts streaming: its `finally` then always unsubscribes.
    rows = feed()
    watch = subscribe(rows)
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
        rows.unwatch(watch)


def task_events(
    *,
    user_id: uuid.UUID,
    item_id: uuid.UUID,
    first: dict[str, Any],
    last_event_id: str | None,
    mark: int | None = None,
) -> AsyncIterator[str]:
    """`status` events (same body as GET /api/email/status) until SUCCESS or FAILURE.

    `first` is the task's current status body, read by the route (which answers 404 without it)
    after taking `mark()`; without a mark the stream's rows are read again once it subscribes.
    """
    return _stream(
        lambda rows: rows.watch_task((user_id, item_id), first, mark),
        first,
        "status",
        lambda snapshot: snapshot["status"] in TERMINAL_TASK_STATES,
        last_event_id,
    )


def queue_events(
    *,
    user_id: uuid.UUID,
    first: list[dict[str, Any]],
    last_event_id: str | None,
    mark: int | None = None,
) -> AsyncIterator[str]:
    """`queue` events (same body as GET /api/queue/) until nothing is pending or processing."""
    return _stream(
        lambda rows: rows.watch_line(user_id, first, mark),
        first,
        "queue",
        lambda items: not any(i["status"] in {"pending", "processing"} for i in items),
        last_event_id,
    )
