"""Retention: what is past its age is deleted by the sweep, and nothing a user still needs is."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import Email, IdempotencyKey, QueueItem, QueueStatus, QueueTemplate, RateCounter, User
from models.base import utcnow
from services import request_guard, retention
from services.reaper import reap
from tests.db.test_fair_queue import add_user, submit

RETENTION = timedelta(days=get_settings().queue_retention_days)


@pytest.fixture
def db(empty_db: Session) -> Session:
    if empty_db.get_bind().dialect.name == "sqlite":
        empty_db.execute(text("PRAGMA foreign_keys=ON"))  # as the app's engine sets it
    return empty_db


def set_rows(session: Session, item_ids: list[uuid.UUID], **values: object) -> None:
    session.execute(update(QueueItem).where(QueueItem.id.in_(item_ids)).values(**values))
    session.commit()


def email_for(session: Session, user: User, item_id: uuid.UUID) -> uuid.UUID:
    email = Email(
        user_id=user.id,
        queue_item_id=item_id,
        recipient_name="Ada",
        recipient_interest="graphs",
        email_message="Dear Ada",
        template_type="research",
    )
    session.add(email)
    session.commit()
    return email.id


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_old_finished_items_are_deleted_and_their_emails_kept(db: Session) -> None:
    user = add_user(db, "ada")
    old = utcnow() - RETENTION - timedelta(days=1)
    done = submit(db, user, 2, "done")  # one batch: one template
    failed, cancelled, waiting, recent = (submit(db, user, 1, name)[0] for name in "fcwr")
    set_rows(db, done, status=QueueStatus.COMPLETED, created_at=old)
    set_rows(db, [failed], status=QueueStatus.FAILED, created_at=old)
    set_rows(db, [cancelled], status=QueueStatus.CANCELLED, created_at=old)
    set_rows(db, [waiting], created_at=old)  # still pending: never deleted, whatever its age
    set_rows(db, [recent], status=QueueStatus.COMPLETED)
    email_id = email_for(db, user, done[0])
    assert count(db, QueueTemplate) == 5

    report = retention.prune(session=db)

    assert (report.queue_items, report.queue_templates) == (4, 3)
    assert set(db.scalars(select(QueueItem.id))) == {waiting, recent}
    assert count(db, QueueTemplate) == 2
    email = db.get(Email, email_id, populate_existing=True)
    assert email is not None and email.queue_item_id is None


def test_a_large_backlog_is_deleted_in_chunks(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "CHUNK", 3)
    user = add_user(db, "ada")
    items = submit(db, user, 10, "old")
    set_rows(db, items, status=QueueStatus.COMPLETED, created_at=utcnow() - RETENTION - timedelta(hours=1))

    assert retention.prune(session=db).queue_items == 10
    assert count(db, QueueItem) == 0 and count(db, QueueTemplate) == 0


def test_expired_idempotency_keys_and_old_rate_counters_are_deleted(db: Session) -> None:
    user = add_user(db, "ada")
    ttl = timedelta(seconds=get_settings().idempotency_key_ttl_seconds)
    for key, age in (("old", ttl + timedelta(minutes=1)), ("fresh", timedelta(minutes=1))):
        db.add(
            IdempotencyKey(
                user_id=user.id,
                key=key,
                route="batch",
                request_hash="h",
                status_code=201,
                response={},
                created_at=utcnow() - age,
            )
        )
    for minutes_ago in (0, 120):
        db.add(
            RateCounter(
                user_id=user.id, bucket="batch", window_start=utcnow() - timedelta(minutes=minutes_ago)
            )
        )
    db.commit()

    report = retention.prune(session=db)

    assert (report.idempotency_keys, report.rate_counters) == (1, 1)
    assert set(db.scalars(select(IdempotencyKey.key))) == {"fresh"}
    assert count(db, RateCounter) == 1


def test_an_expired_key_is_a_new_request_even_before_it_is_deleted(db: Session) -> None:
    user = add_user(db, "ada")
    stale = utcnow() - timedelta(seconds=get_settings().idempotency_key_ttl_seconds + 60)
    db.add(
        IdempotencyKey(
            user_id=user.id,
            key="k",
            route="batch",
            request_hash="h",
            status_code=201,
            response={"old": True},
            created_at=stale,
        )
    )
    db.commit()
    assert request_guard.replay(session=db, user_id=user.id, key="k", route="batch", digest="h") is None


def test_the_recovery_sweep_prunes(db: Session) -> None:
    user = add_user(db, "ada")
    items = submit(db, user, 3, "old")
    set_rows(db, items, status=QueueStatus.FAILED, created_at=utcnow() - RETENTION - timedelta(days=1))

    assert reap(session=db).pruned.queue_items == 3
    assert count(db, QueueItem) == 0
