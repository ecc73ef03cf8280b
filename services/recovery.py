"""Recovery runs inside every worker: no scheduler process (SPEC §2).

Each worker process sweeps (services/reaper.py: stale processing rows, orphaned pending rows, lost
broker messages, retention) as soon as it is ready, then every REAPER_INTERVAL_SECONDS, from a
thread of its own: a sweep never takes a task slot or the pipelines' event loop, and a worker that
is busy with pipelines still sweeps on time. Several workers (several Pis) on one database:
- a PostgreSQL advisory lock, held by a transaction for the length of the sweep, keeps two sweeps
  from running at once (each would send the same missing broker tokens); a worker that finds it
  taken skips its turn. Transaction-scoped, so it also works through a transaction pooler, and a
  killed worker's lock goes with its connection;
- the `recovery_sweeps` row says when the last sweep started, on whichever worker: a periodic sweep
  runs only once the last one is an interval old, so the fleet sweeps once per interval. A worker's
  first sweep does not wait for it (a restarted worker recovers what its predecessor left at once).
On SQLite the lock is a no-op; the row and the sweep's conditional updates keep it correct there.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from typing import cast

from sqlalchemy import Connection, CursorResult, Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import get_settings
from database.engine import build_engine
from models import RecoverySweep
from models.base import utcnow
from services.reaper import ReapReport, reap

log = logging.getLogger(__name__)

SWEEP = "queue"
# Any fixed bigint, the same on every worker ("scribe" and 1).
SWEEP_LOCK_KEY = 0x7363726962650001
# A periodic sweep runs once the last one is this share of an interval old: a timer that fires a
# moment early must not skip a whole interval.
DUE_SHARE = 0.9


@lru_cache(maxsize=1)
def _engine() -> Engine:
    """Connections of the sweep's own (the lock's and the sweep's): pipelines that exhaust the shared
    pool must not hold recovery up, as they must not hold up heartbeats."""
    settings = get_settings()
    return build_engine(
        settings.sqlalchemy_url,
        transaction_pooler=settings.uses_transaction_pooler,
        pool={"pool_size": 2, "max_overflow": 0, "pool_timeout": 30},
    )


@contextmanager
def _exclusive(connection: Connection) -> Iterator[bool]:
    """Whether this process may sweep now; on PostgreSQL the lock is held until the block ends."""
    if connection.dialect.name != "postgresql":
        yield True
        return
    with connection.begin():
        yield bool(connection.scalar(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY))))


def _claim(session: Session, *, who: str, due_after: float | None) -> bool:
    """Record this sweep's start; False when the last one started less than `due_after` s ago."""
    now = utcnow()
    statement = update(RecoverySweep).where(RecoverySweep.name == SWEEP)
    if due_after is not None:
        statement = statement.where(RecoverySweep.started_at <= now - timedelta(seconds=due_after))
    result = cast(CursorResult[object], session.execute(statement.values(started_at=now, swept_by=who)))
    claimed = result.rowcount == 1
    if not claimed and session.get(RecoverySweep, SWEEP) is None:  # a database's first sweep
        session.add(RecoverySweep(name=SWEEP, started_at=now, swept_by=who))
        claimed = True
    try:
        session.commit()
    except IntegrityError:  # another worker's first sweep, at the same moment (SQLite: no lock)
        session.rollback()
        return False
    return claimed


def sweep_once(*, who: str, force: bool = False, engine: Engine | None = None) -> ReapReport | None:
    """One recovery sweep; None when skipped: another process is sweeping right now or (unless
    `force`) the last sweep, on any worker, is less than an interval old."""
    due_after = None if force else DUE_SHARE * get_settings().reaper_interval_seconds
    engine = engine or _engine()
    with engine.connect() as lock, _exclusive(lock) as mine:
        if not mine:
            return None
        with Session(engine, expire_on_commit=False) as session:
            if not _claim(session, who=who, due_after=due_after):
                return None
            return reap(session=session)


class Sweeper:
    """Calls `sweep(force)` with force=True at once, then with force=False every `every` seconds,
    from one daemon thread, until `stop()`. A failed sweep (database or broker down) is logged and
    the next one tried on time."""

    def __init__(self, sweep: Callable[[bool], object], *, every: float) -> None:
        self._sweep = sweep
        self._every = every
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sweeping; when already sweeping, sweep again now (a consumer that reconnected to the
        broker may find messages lost with it)."""
        if self._thread is not None and self._thread.is_alive():
            self._wake.set()
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="scribe-recovery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop at once between sweeps, after the sweep under way otherwise; True once the thread ended."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        force = True
        while not self._stopping.is_set():
            try:
                self._sweep(force)
            except Exception as exc:  # the next round tries again; a sweep only ever catches up
                log.warning("recovery sweep failed: %s: %s", type(exc).__name__, exc)
            force = self._wake.wait(self._every)
            self._wake.clear()


_lock = threading.Lock()
_process_sweeper: Sweeper | None = None


def start_in_worker(*, who: str) -> None:
    """This worker process's sweeps (a worker_ready hook in celery_config.py)."""
    global _process_sweeper
    every = float(get_settings().reaper_interval_seconds)
    with _lock:
        if _process_sweeper is None:
            _process_sweeper = Sweeper(lambda force: sweep_once(who=who, force=force), every=every)
            log.info("recovery sweeps: now and every %.0f s (%s)", every, who)
        _process_sweeper.start()


def stop_in_worker(timeout: float = 30.0) -> None:
    """Stop this process's sweeps (a worker_shutdown hook): a sweep under way finishes first."""
    global _process_sweeper
    with _lock:
        sweeper, _process_sweeper = _process_sweeper, None
    if sweeper is not None:
        stopped = sweeper.stop(timeout)
        log.info("recovery sweeps stopped" if stopped else "recovery sweep still running at shutdown")


_inherited: list[Engine] = []


def _forget_after_fork() -> None:
    # A forked child (prefork pool) has no sweep thread and maybe a lock held at fork time. It opens
    # connections of its own if it sweeps (`reap_queue`); the parent's are kept referenced, so that
    # collecting them here never closes the parent's sessions under it.
    global _process_sweeper, _lock
    _process_sweeper = None
    _lock = threading.Lock()
    if _engine.cache_info().currsize:
        _inherited.append(_engine())
    _engine.cache_clear()


os.register_at_fork(after_in_child=_forget_after_fork)
