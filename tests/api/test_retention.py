"""Storage that grew with every request: a batch's template is stored once, idempotency keys
expire, and no Celery task leaves a result key behind."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from celery_config import celery_app
from config.settings import get_settings
from database.engine import session_scope
from models import IdempotencyKey, QueueItem, QueueTemplate
from models.base import utcnow
from tests.api.test_queue import batch
from tests.fixtures.api import Caller


def test_a_batch_stores_its_template_once(client: TestClient, caller: Caller) -> None:
    assert batch(client, caller, 100)[0] == 201
    with session_scope() as session:
        templates = session.scalar(
            select(func.count()).select_from(QueueTemplate).where(QueueTemplate.user_id == caller.id)
        )
        used = set(session.scalars(select(QueueItem.template_id).where(QueueItem.user_id == caller.id)))
    assert templates == 1
    assert len(used) == 1


def test_an_idempotency_key_is_forgotten_after_its_lifetime(client: TestClient, caller: Caller) -> None:
    first = batch(client, caller, 1, **{"Idempotency-Key": "k-1"})[1]
    assert batch(client, caller, 1, **{"Idempotency-Key": "k-1"})[1] == first  # within its lifetime
    lifetime = timedelta(seconds=get_settings().idempotency_key_ttl_seconds)
    with session_scope() as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == caller.id)
            .values(created_at=utcnow() - lifetime - timedelta(seconds=1))
        )
        session.commit()
    code, again = batch(client, caller, 1, **{"Idempotency-Key": "k-1"})
    assert code == 201
    assert again["queue_item_ids"] != first["queue_item_ids"]  # a new request, and a new stored answer
    assert batch(client, caller, 1, **{"Idempotency-Key": "k-1"})[1] == again


def test_no_celery_task_stores_a_result() -> None:
    celery_app.loader.import_default_modules()  # the task modules, as a worker loads them
    ours = {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}
    assert ours
    assert {name for name, task in ours.items() if not task.ignore_result} == set()


def test_an_item_written_before_the_migration_keeps_its_own_template(caller: Caller) -> None:
    """The previous release may still queue items (with their own template copy) during a deploy."""
    with session_scope() as session:
        item = QueueItem(
            user_id=caller.id, recipient_name="Ada", recipient_interest="graphs", email_template="Hi {{name}}"
        )
        session.add(item)
        session.commit()
        assert item.template_id is None
        assert item.template_text == "Hi {{name}}"
        session.delete(item)
        session.commit()
