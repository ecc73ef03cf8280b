"""A worker started alone (no beat, no other process) recovers what a killed worker left behind."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from database.engine import session_scope
from models import QueueItem, QueueStatus, RecoverySweep, User
from services import queue
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from services.recovery import SWEEP
from tests.conftest import RUN_DIR
from tests.fixtures.worker import start_worker, stop_worker

pytestmark = pytest.mark.worker

PEOPLE = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]


def clear_the_line() -> None:
    """Leave only this test's items for the worker: earlier tests' pending and stalled rows go, and
    so do the tokens they left in the broker (one would claim the orphaned item before any sweep)."""
    from celery_config import celery_app

    celery_app.control.purge()
    with session_scope() as session:
        session.execute(
            update(QueueItem)
            .where(or_(QueueItem.status == QueueStatus.PENDING, QueueItem.status == QueueStatus.PROCESSING))
            .values(status=QueueStatus.CANCELLED)
        )
        session.commit()


def hold_other_workers_sweeps(session: Session) -> None:
    """Date the fleet's last sweep an hour ahead, so that a worker already running in this run (the
    session worker) has no periodic sweep due however long the new worker takes to start: only the
    new worker's start-up sweep (which does not wait for the interval) can recover the items."""
    ahead = queue.utcnow() + timedelta(hours=1)
    row = session.get(RecoverySweep, SWEEP)
    if row is None:
        session.add(RecoverySweep(name=SWEEP, started_at=ahead, swept_by="test"))
    else:
        row.started_at, row.swept_by = ahead, "test"
    session.commit()


def release_other_workers_sweeps() -> None:
    with session_scope() as session:
        now = queue.utcnow()
        session.execute(update(RecoverySweep).where(RecoverySweep.started_at > now).values(started_at=now))
        session.commit()


def abandoned_items() -> tuple[uuid.UUID, uuid.UUID]:
    """One item a killed worker was running (processing, heartbeat long stopped) and one that never
    reached the broker (pending, no token): neither has a message in the broker."""
    settings = get_settings()
    with session_scope() as session:
        user = User(id=uuid.uuid4(), email=f"recovery-{uuid.uuid4().hex[:8]}@uni.test", onboarded=True)
        session.add(user)
        session.commit()
        items = [queue.NewItem(p.name, p.interest) for p in PEOPLE[:2]]
        stalled, orphaned = (
            row.id
            for row in queue.create_items(
                session=session, user=user, items=items, email_template="Dear {{name}}, {{research}}"
            )
        )
        session.commit()
        now = queue.utcnow()
        session.execute(
            update(QueueItem)
            .where(QueueItem.id == stalled)
            .values(
                status=QueueStatus.PROCESSING,
                attempts=1,
                celery_task_id="killed-worker",
                current_step="web_scraper",
                step_status="started",
                started_at=now - timedelta(minutes=5),
                heartbeat_at=now - timedelta(seconds=settings.stale_after_seconds + 30),
                enqueued_at=now - timedelta(minutes=5),
            )
        )
        session.execute(
            update(QueueItem)
            .where(QueueItem.id == orphaned)
            .values(
                created_at=now - timedelta(seconds=settings.reaper_interval_seconds + 30), enqueued_at=None
            )
        )
        session.commit()
        hold_other_workers_sweeps(session)
    return stalled, orphaned


def log_path(name: str) -> Path:
    """In the run's own folder: concurrent pytest runs on one machine prune each other's tmp_path."""
    return RUN_DIR / f"{name}-{uuid.uuid4().hex[:6]}.log"


def wait_until_finished(ids: tuple[uuid.UUID, ...], timeout: float) -> dict[uuid.UUID, QueueItem]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope() as session:
            rows = {i.id: i for i in session.scalars(select(QueueItem).where(QueueItem.id.in_(ids)))}
        done = all(r.status in (QueueStatus.COMPLETED, QueueStatus.FAILED) for r in rows.values())
        if done or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def test_a_worker_started_alone_recovers_a_stalled_and_an_orphaned_item(emulator: EmulatorHandle) -> None:
    clear_the_line()
    stalled, orphaned = abandoned_items()
    log = log_path("recovery")
    try:
        process = start_worker(log, name="recovery")
        try:
            rows = wait_until_finished((stalled, orphaned), timeout=120)
        finally:
            stop_worker(process)
    finally:
        release_other_workers_sweeps()

    assert rows[stalled].status == QueueStatus.COMPLETED, (rows[stalled].status, log.read_text()[-3000:])
    assert rows[orphaned].status == QueueStatus.COMPLETED, (rows[orphaned].status, log.read_text()[-3000:])
    assert rows[stalled].attempts == 2 and rows[orphaned].attempts == 1
    # The new worker's first sweep did it: the stalled item back in line, both sent to the broker.
    assert "ReapReport(requeued=1, failed=0, reenqueued=2," in log.read_text(), log.read_text()[-3000:]


def test_the_recovery_thread_stops_with_the_worker(emulator: EmulatorHandle) -> None:
    log = log_path("recovery-stop")
    process = start_worker(log, name="recovery-stop")
    deadline = time.monotonic() + 30
    while b"recovery sweeps: now and every" not in log.read_bytes():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.1)

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=30)
    finally:
        stop_worker(process)

    assert code == 0 and time.monotonic() - started < 30
    assert b"recovery sweeps stopped" in log.read_bytes(), log.read_text()[-3000:]
