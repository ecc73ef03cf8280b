"""The reaper returns abandoned work to the line, fails poison items and re-sends lost tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import QueueItem, QueueStatus
from services import queue
from services.reaper import ReapReport, reap
from tests.db.test_fair_queue import add_user, submit


def age(session: Session, item_id: object, **values: object) -> None:
    session.execute(update(QueueItem).where(QueueItem.id == item_id).values(**values))
    session.commit()


def test_stale_processing_item_goes_back_to_pending(empty_db: Session) -> None:
    user = add_user(empty_db, "ada")
    [item_id] = submit(empty_db, user, 1, "A")
    claimed = queue.claim_next(session=empty_db, task_id="dead-worker")
    assert claimed is not None
    long_ago = queue.utcnow() - timedelta(seconds=get_settings().stale_after_seconds + 5)
    age(empty_db, item_id, heartbeat_at=long_ago)

    report = reap(session=empty_db)

    item = empty_db.get(QueueItem, item_id, populate_existing=True)
    assert item is not None and item.status == QueueStatus.PENDING
    assert report.requeued == 1 and report.reenqueued == 1
    assert item.enqueued_at is not None


def test_item_that_keeps_killing_workers_ends_failed(empty_db: Session) -> None:
    user = add_user(empty_db, "ada")
    [item_id] = submit(empty_db, user, 1, "A")
    long_ago = queue.utcnow() - timedelta(seconds=get_settings().stale_after_seconds + 5)
    age(
        empty_db,
        item_id,
        status=QueueStatus.PROCESSING,
        attempts=get_settings().max_attempts,
        heartbeat_at=long_ago,
        current_step="web_scraper",
    )

    assert reap(session=empty_db).failed == 1

    item = empty_db.get(QueueItem, item_id, populate_existing=True)
    assert item is not None and item.status == QueueStatus.FAILED
    assert item.failed_step == "web_scraper"
    assert item.error_message and "repeated worker failures" in item.error_message


def test_fresh_processing_and_recent_pending_items_are_left_alone(empty_db: Session) -> None:
    user = add_user(empty_db, "ada")
    submit(empty_db, user, 2, "A")
    assert queue.claim_next(session=empty_db, task_id="alive") is not None
    assert reap(session=empty_db) == ReapReport()


def test_pending_item_that_never_reached_the_broker_is_enqueued(empty_db: Session) -> None:
    user = add_user(empty_db, "ada")
    [item_id] = submit(empty_db, user, 1, "A")
    old = queue.utcnow() - timedelta(seconds=get_settings().orphan_after_seconds + 5)
    age(empty_db, item_id, created_at=old, enqueued_at=None)

    assert reap(session=empty_db).reenqueued == 1
    item = empty_db.get(QueueItem, item_id, populate_existing=True)
    assert item is not None and item.enqueued_at is not None and item.status == QueueStatus.PENDING
