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
from tests.fixtures.worker import start_worker, stop_worker

pytestmark = pytest.mark.worker

PEOPLE = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]


def clear_the_line() -> None:
    """Leave only this test's items for the worker: earlier tests' pending and stalled rows go."""
    with session_scope() as session:
        session.execute(
            update(QueueItem)
            .where(or_(QueueItem.status == QueueStatus.PENDING, QueueItem.status == QueueStatus.PROCESSING))
            .values(status=QueueStatus.CANCELLED)
        )
        session.commit()


def hold_other_workers_sweeps(session: Session) -> None:
    """Say the fleet swept a moment ago, so that a worker already running in this run (the session
    worker) has no periodic sweep due while this test waits: only the new worker's own start-up
    sweep can recover the items."""
    now = queue.utcnow()
    row = session.get(RecoverySweep, SWEEP)
    if row is None:
        session.add(RecoverySweep(name=SWEEP, started_at=now, swept_by="test"))
    else:
        row.started_at, row.swept_by = now, "test"
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


def wait_until_finished(ids: tuple[uuid.UUID, ...], timeout: float) -> dict[uuid.UUID, QueueItem]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope() as session:
            rows = {i.id: i for i in session.scalars(select(QueueItem).where(QueueItem.id.in_(ids)))}
        done = all(r.status in (QueueStatus.COMPLETED, QueueStatus.FAILED) for r in rows.values())
        if done or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def test_a_worker_started_alone_recovers_a_stalled_and_an_orphaned_item(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    clear_the_line()
    stalled, orphaned = abandoned_items()
    log = tmp_path / "worker.log"
    process = start_worker(log, name="recovery")
    try:
        rows = wait_until_finished((stalled, orphaned), timeout=120)
        with session_scope() as session:
            sweep = session.get(RecoverySweep, SWEEP)
    finally:
        stop_worker(process)

    assert rows[stalled].status == QueueStatus.COMPLETED, (rows[stalled].status, log.read_text()[-3000:])
    assert rows[orphaned].status == QueueStatus.COMPLETED, (rows[orphaned].status, log.read_text()[-3000:])
    assert rows[stalled].attempts == 2 and rows[orphaned].attempts == 1
    assert sweep is not None and sweep.swept_by.startswith("recovery-"), "the new worker's sweep did it"


def test_the_recovery_thread_stops_with_the_worker(emulator: EmulatorHandle, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
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
