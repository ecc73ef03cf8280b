"""Heartbeats from a thread of their own: the reaper hears from every running item on time.

A heartbeat written from the pipelines' event loop arrives only when the loop gets to it: behind
a blocking call queued on a shared executor, or behind other pipelines' work on the loop itself,
it came late by seconds, and a late heartbeat lets the reaper take a healthy item for dead. One
thread per process beats for every running item instead, one UPDATE per round for all items due,
on time however busy the loop is.

A beat says "this item is being worked on", so an item is beaten for only until its deadline: a
pipeline wedged past it goes silent, and the reaper requeues it as it would a dead worker's.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from config.settings import get_settings
from database.engine import build_engine

log = logging.getLogger(__name__)

Writer = Callable[[Sequence[uuid.UUID]], None]
# Items due within this share of their interval are beaten in the same round (one write, not many).
EARLY_SHARE = 0.25


@dataclass(slots=True)
class _Beat:
    every: float
    next_due: float
    deadline: float


class Heartbeats:
    """Beats for registered items every `every` seconds from one daemon thread."""

    def __init__(self, write: Writer) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._items: dict[uuid.UUID, _Beat] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def beating(self, item_id: uuid.UUID, *, every: float, deadline: float) -> Iterator[None]:
        """Beat for `item_id` while the block runs, but not past `deadline` (time.monotonic())."""
        with self._cond:
            self._items[item_id] = _Beat(every=every, next_due=time.monotonic() + every, deadline=deadline)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="scribe-heartbeats", daemon=True)
                self._thread.start()
            self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._items.pop(item_id, None)

    def _due(self) -> list[uuid.UUID]:
        """Wait until some item is due; return the items due now (called with the lock held)."""
        while True:
            now = time.monotonic()
            alive = {item_id: beat for item_id, beat in self._items.items() if beat.deadline > now}
            # Woken when the first item is due; items due a little later come along in the same write.
            due = [i for i, b in alive.items() if b.next_due - EARLY_SHARE * b.every <= now]
            if due and any(alive[i].next_due <= now for i in due):
                for item_id in due:
                    alive[item_id].next_due = now + alive[item_id].every
                return due
            next_due = min((b.next_due for b in alive.values()), default=None)
            self._cond.wait(timeout=None if next_due is None else next_due - now)

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._due()
            try:
                self._write(due)
            except Exception as exc:  # advisory: a database blip must not stop later beats
                log.warning("could not write heartbeats for %s items: %s", len(due), type(exc).__name__)


@lru_cache(maxsize=1)
def _own_connection() -> sessionmaker[Session]:
    """A connection of the heartbeats' own: when pipelines' writes exhaust the shared pool (32 claims
    at once, a slow database), a heartbeat must not wait its turn for a pooled connection."""
    settings = get_settings()
    engine = build_engine(
        settings.sqlalchemy_url,
        transaction_pooler=settings.uses_transaction_pooler,
        pool={"pool_size": 1, "max_overflow": 0, "pool_timeout": 30},
    )
    return sessionmaker(bind=engine, expire_on_commit=False)


def _write_to_database(item_ids: Sequence[uuid.UUID]) -> None:
    from services import queue

    with _own_connection()() as session:
        queue.heartbeat(session=session, item_ids=item_ids)


_lock = threading.Lock()
_process_heartbeats: Heartbeats | None = None


def process_heartbeats() -> Heartbeats:
    """This process's heartbeat thread (writes to the queue table)."""
    global _process_heartbeats
    with _lock:
        if _process_heartbeats is None:
            _process_heartbeats = Heartbeats(_write_to_database)
        return _process_heartbeats


def _forget_after_fork() -> None:
    # A forked child (prefork pool) has no heartbeat thread, and maybe a lock held at fork time.
    global _process_heartbeats, _lock
    _process_heartbeats = None
    _lock = threading.Lock()
    _own_connection.cache_clear()


os.register_at_fork(after_in_child=_forget_after_fork)
