"""Every worker sweeps the same database: one sweep at a time, once per interval, each item once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import QueueItem, QueueStatus, RecoverySweep
from services import queue, recovery
from services.reaper import ReapReport
from services.recovery import sweep_once
from tests.db.test_fair_queue import add_user, submit


def stale_items(session: Session, count: int) -> list[uuid.UUID]:
    """Items a killed worker was running: processing, heartbeat long stopped."""
    ids = submit(session, add_user(session, f"u{uuid.uuid4().hex[:8]}"), count, "A")
    for _ in ids:
        assert queue.claim_next(session=session, task_id="killed-worker") is not None
    long_ago = queue.utcnow() - timedelta(seconds=get_settings().stale_after_seconds + 5)
    session.execute(update(QueueItem).where(QueueItem.id.in_(ids)).values(heartbeat_at=long_ago))
    session.commit()
    return ids


def statuses(session: Session, ids: list[uuid.UUID]) -> list[QueueStatus]:
    session.expire_all()
    return [QueueStatus(s) for s in session.scalars(select(QueueItem.status).where(QueueItem.id.in_(ids)))]


def last_sweep(session: Session) -> RecoverySweep:
    session.expire_all()
    sweep = session.get(RecoverySweep, recovery.SWEEP)
    assert sweep is not None
    return sweep


def test_a_sweep_while_another_is_under_way_is_skipped(
    empty_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = empty_db.get_bind()
    assert isinstance(engine, Engine)
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's (a no-op on SQLite)")
    ids = stale_items(empty_db, 3)
    inside, second_tried = threading.Event(), threading.Event()
    real_reap = recovery.reap

    def held_reap(*, session: Session) -> ReapReport:
        inside.set()
        assert second_tried.wait(timeout=10), "the second sweep ran into the first"
        return real_reap(session=session)

    monkeypatch.setattr(recovery, "reap", held_reap)
    first: list[ReapReport | None] = []
    pi1 = threading.Thread(target=lambda: first.append(sweep_once(who="pi-1", force=True, engine=engine)))
    pi1.start()
    assert inside.wait(timeout=10)

    second = sweep_once(who="pi-2", force=True, engine=engine)  # even a forced sweep waits its turn
    second_tried.set()
    pi1.join(timeout=30)

    assert second is None
    [report] = first
    assert report is not None and report.requeued == 3 and report.reenqueued == 3
    assert statuses(empty_db, ids) == [QueueStatus.PENDING] * 3
    assert last_sweep(empty_db).swept_by == "pi-1"
    # Once the first is done the lock is free, and the work is not done again.
    monkeypatch.setattr(recovery, "reap", real_reap)
    again = sweep_once(who="pi-2", force=True, engine=engine)
    assert again is not None and again.requeued == 0 and again.reenqueued == 0


def test_the_workers_sweep_once_per_interval_between_them(empty_db: Session) -> None:
    engine = empty_db.get_bind()
    assert isinstance(engine, Engine)
    assert sweep_once(who="pi-1", engine=engine) is not None  # the database's first sweep
    assert sweep_once(who="pi-2", engine=engine) is None  # pi-1 swept a moment ago
    assert sweep_once(who="pi-1", engine=engine) is None

    interval = timedelta(seconds=get_settings().reaper_interval_seconds)
    empty_db.execute(update(RecoverySweep).values(started_at=RecoverySweep.started_at - interval))
    empty_db.commit()
    assert sweep_once(who="pi-2", engine=engine) is not None
    assert sweep_once(who="pi-1", engine=engine) is None
    assert last_sweep(empty_db).swept_by == "pi-2"


def test_a_starting_worker_sweeps_however_recent_the_last_sweep(empty_db: Session) -> None:
    engine = empty_db.get_bind()
    assert isinstance(engine, Engine)
    assert sweep_once(who="pi-1", engine=engine) is not None
    ids = stale_items(empty_db, 2)

    report = sweep_once(who="pi-2", force=True, engine=engine)

    assert report is not None and report.requeued == 2
    assert statuses(empty_db, ids) == [QueueStatus.PENDING] * 2
    assert last_sweep(empty_db).swept_by == "pi-2"


def test_two_sweeps_at_once_without_the_lock_still_requeue_each_item_once(
    empty_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite (no lock), or a lock lost with its connection mid-sweep: the updates are conditional."""
    engine = empty_db.get_bind()
    assert isinstance(engine, Engine)
    assert sweep_once(who="pi-0", engine=engine) is not None  # the row both will claim exists
    ids = stale_items(empty_db, 6)
    together = threading.Barrier(2)
    real_reap = recovery.reap

    @contextmanager
    def no_lock(_: Connection) -> Iterator[bool]:
        yield True

    def reap_together(*, session: Session) -> ReapReport:
        together.wait(timeout=10)
        return real_reap(session=session)

    monkeypatch.setattr(recovery, "_exclusive", no_lock)
    monkeypatch.setattr(recovery, "reap", reap_together)
    reports: list[ReapReport | None] = []
    threads = [
        threading.Thread(target=lambda w=w: reports.append(sweep_once(who=w, force=True, engine=engine)))
        for w in ("pi-1", "pi-2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(reports) == 2 and all(r is not None for r in reports)
    assert sum(r.requeued for r in reports if r is not None) == 6
    assert statuses(empty_db, ids) == [QueueStatus.PENDING] * 6
