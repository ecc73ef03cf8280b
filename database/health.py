"""Liveness of the database and the broker for /health, answered without a thread hop when recent.

Each dependency is checked in a thread of its own, one check at a time. /health answers from a
result younger than FRESH_SECONDS as it is; once the result is older it starts a new check and keeps
answering from the previous result until STALE_SECONDS. A check that has not answered within
DEADLINE_SECONDS reports its dependency down (Redis must answer PING within a second), and with no
result recent enough /health waits for the check, at most that long.

Why not check on every request: under a burst, each hop to a thread and back waits its turn behind
every other request's work on the event loop, so /health took hundreds of milliseconds exactly when
it was watched most; each check also built a new Redis client (~1 ms of CPU, polled every 10 ms).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from config.settings import get_settings
from database.engine import get_engine

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

FRESH_SECONDS = 0.25
STALE_SECONDS = 1.0
DEADLINE_SECONDS = 1.0


def database_is_up() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError):
        return False


@lru_cache
def _redis(url: str) -> redis.Redis:
    import redis

    return redis.Redis.from_url(url, socket_timeout=DEADLINE_SECONDS, socket_connect_timeout=DEADLINE_SECONDS)


def broker_is_up() -> bool:
    """Redis answers PING within a second; the embedded broker's folder is writable."""
    settings = get_settings()
    url = settings.broker_url
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            # One client per process: its pooled connection is reused (a new client per check
            # cost a connection, a handshake and a package-metadata lookup each time).
            return bool(_redis(url).ping())
        except (redis.RedisError, OSError):
            return False
    if url.startswith("filesystem://"):
        # The embedded broker is up when its folder can take messages (it is created on first use).
        folder = settings.broker_folder / "queue"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(folder, os.W_OK)
    return True


@dataclass(frozen=True, slots=True)
class _Result:
    up: bool
    started: float  # time.monotonic() when the check that gave it started


@dataclass(frozen=True, slots=True)
class _Running:
    future: Future[_Result]
    started: float


class Check:
    """One dependency's liveness: checked in a thread of its own, one check at a time."""

    def __init__(self, name: str, probe: Callable[[], bool]) -> None:
        self._name = name
        self._probe = probe
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"health-{name}")
        self._lock = threading.Lock()
        self._last: _Result | None = None
        self._running: _Running | None = None

    def recent(self) -> bool | None:
        """Up or down from a recent enough result (starting a new check when due); None when the
        caller has to wait for a check (`current`)."""
        now = time.monotonic()
        with self._lock:
            last, running = self._last, self._running
        if running is not None and not running.future.done() and now - running.started > DEADLINE_SECONDS:
            return False
        if last is not None and now - last.started <= FRESH_SECONDS:
            return last.up
        self._start()
        if last is not None and now - last.started <= STALE_SECONDS:
            return last.up
        return None

    async def current(self) -> bool:
        """Up or down from the running check (started if none is), waiting at most until its deadline."""
        running = self._start()
        remaining = running.started + DEADLINE_SECONDS - time.monotonic()
        if not running.future.done() and remaining > 0:
            await asyncio.wait([asyncio.wrap_future(running.future)], timeout=remaining)
        return running.future.done() and running.future.result().up

    def _start(self) -> _Running:
        with self._lock:
            if self._running is None or self._running.future.done():
                started = time.monotonic()
                self._running = _Running(self._executor.submit(self._check, started), started)
            return self._running

    def _check(self, started: float) -> _Result:
        try:
            up = self._probe()
        except Exception:  # a check that breaks cannot vouch for its dependency
            log.exception("health check of the %s failed", self._name)
            up = False
        result = _Result(up, started)
        with self._lock:
            self._last = result
        return result


database = Check("database", database_is_up)
broker = Check("broker", broker_is_up)


async def dependencies_up() -> tuple[bool, bool]:
    """(database up, broker up): at once from recent results, else after checks of at most a second."""
    database_up, broker_up = database.recent(), broker.recent()
    if database_up is None:
        database_up = await database.current()
    if broker_up is None:
        broker_up = await broker.current()
    return database_up, broker_up
