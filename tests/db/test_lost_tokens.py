"""Lost broker messages are replaced exactly: the reaper compares pending rows with the broker's tokens."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from kombu import Connection
from sqlalchemy import update
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import QueueItem, QueueStatus
from services import broker, queue
from services.broker import Backlog
from services.reaper import replace_lost_tokens
from tests.db.test_fair_queue import add_user, submit


@pytest.fixture
def broker_holds(monkeypatch: pytest.MonkeyPatch) -> Callable[[Backlog | None], None]:
    """Make the broker report a given backlog for the email queue."""

    def hold(backlog: Backlog | None) -> None:
        monkeypatch.setattr(broker, "backlog", lambda queue_name, **_: backlog)

    return hold


def sent(session: Session, item_ids: list[uuid.UUID]) -> None:
    session.execute(update(QueueItem).where(QueueItem.id.in_(item_ids)).values(enqueued_at=queue.utcnow()))
    session.commit()


def test_each_missing_token_is_replaced_once(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    ids = submit(empty_db, add_user(empty_db, "ada"), 5, "A")
    sent(empty_db, ids)
    broker_holds(Backlog(ready=2, reserved=0, reserved_recently=0))

    assert replace_lost_tokens(session=empty_db) == 3


def test_nothing_is_sent_while_the_broker_holds_a_token_per_pending_item(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    ids = submit(empty_db, add_user(empty_db, "ada"), 3, "A")
    sent(empty_db, ids)
    broker_holds(Backlog(ready=2, reserved=1, reserved_recently=1))  # delivered just now, not yet claimed

    assert replace_lost_tokens(session=empty_db) == 0


def test_tokens_of_running_tasks_do_not_count_for_pending_items(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    ids = submit(empty_db, add_user(empty_db, "ada"), 5, "A")
    sent(empty_db, ids)
    for _ in range(2):
        assert queue.claim_next(session=empty_db, task_id=str(uuid.uuid4())) is not None
    # The two running tasks (claimed just now) hold their messages until the ack.
    broker_holds(Backlog(ready=1, reserved=2, reserved_recently=2))

    assert replace_lost_tokens(session=empty_db) == 2


def test_messages_a_dead_worker_holds_do_not_count_as_tokens(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    """A worker killed holding three messages leaves them reserved until the visibility timeout (half
    an hour): once they are older than STALE_AFTER_SECONDS and no task claimed a row for them, the
    pending rows they were for are owed new tokens (issue 9: SIGKILL twice left an item pending)."""
    ids = submit(empty_db, add_user(empty_db, "ada"), 3, "A")
    sent(empty_db, ids)
    broker_holds(Backlog(ready=0, reserved=3, reserved_recently=0))

    assert replace_lost_tokens(session=empty_db) == 3


def test_a_long_running_task_holds_no_token_for_the_pending_rows(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    ids = submit(empty_db, add_user(empty_db, "ada"), 3, "A")
    sent(empty_db, ids)
    assert queue.claim_next(session=empty_db, task_id="long-running") is not None
    long_ago = queue.utcnow() - timedelta(seconds=get_settings().stale_after_seconds + 60)
    empty_db.execute(
        update(QueueItem).where(QueueItem.status == QueueStatus.PROCESSING).values(started_at=long_ago)
    )
    empty_db.commit()
    broker_holds(Backlog(ready=1, reserved=1, reserved_recently=0))  # its message, delivered long ago

    assert replace_lost_tokens(session=empty_db) == 1


def test_an_unknown_backlog_sends_nothing(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    ids = submit(empty_db, add_user(empty_db, "ada"), 2, "A")
    sent(empty_db, ids)
    broker_holds(None)

    assert replace_lost_tokens(session=empty_db) == 0


def test_an_item_its_request_is_still_enqueueing_is_not_owed_a_token(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    submit(empty_db, add_user(empty_db, "ada"), 1, "A")  # created now, enqueued_at not yet set
    broker_holds(Backlog(ready=0, reserved=0, reserved_recently=0))

    assert replace_lost_tokens(session=empty_db) == 0


def test_replaced_tokens_mark_the_rows_sent(
    empty_db: Session, broker_holds: Callable[[Backlog | None], None]
) -> None:
    ids = submit(empty_db, add_user(empty_db, "ada"), 2, "A")
    sent(empty_db, ids)
    before = {row.id: row.enqueued_at for row in empty_db.query(QueueItem)}
    broker_holds(Backlog(ready=0, reserved=0, reserved_recently=0))

    assert replace_lost_tokens(session=empty_db) == 2
    empty_db.expire_all()
    for row in empty_db.query(QueueItem):
        assert row.status == QueueStatus.PENDING
        earlier = before[row.id]
        assert row.enqueued_at is not None and earlier is not None and row.enqueued_at > earlier


@pytest.fixture
def redis_connection() -> Iterator[Connection]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL for Redis")
    with Connection(url) as conn:
        yield conn


def test_redis_backlog_counts_ready_and_reserved_messages(redis_connection: Connection) -> None:
    name = f"backlog-test-{uuid.uuid4().hex[:8]}"
    tokens = redis_connection.SimpleQueue(name)
    try:
        for index in range(3):
            tokens.put({"token": index})
        delivered = tokens.get(timeout=2)  # reserved: in kombu's unacked hash until acked

        with redis_connection.clone() as probe:
            assert broker.backlog(name, connection=probe, recent_seconds=3600) == Backlog(2, 1, 1)
            time.sleep(0.05)
            # Delivered before the window: still reserved, no longer recent.
            assert broker.backlog(name, connection=probe, recent_seconds=0.01) == Backlog(2, 1, 0)
            delivered.ack()
            assert broker.backlog(name, connection=probe, recent_seconds=3600) == Backlog(2, 0, 0)
    finally:
        tokens.clear()
        tokens.close()


def test_filesystem_backlog_counts_message_files(tmp_path: Path) -> None:
    folder = tmp_path / "broker"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),
    }
    with Connection("filesystem://", transport_options=options) as conn:
        tokens = conn.SimpleQueue("email_test")
        for index in range(2):
            tokens.put({"token": index})

        with conn.clone() as probe:
            assert broker.backlog("email_test", connection=probe) == Backlog(2, 0, 0)
        tokens.close()


def test_unreachable_broker_has_no_backlog() -> None:
    from tests.chaos.servers import free_port

    with Connection(f"redis://127.0.0.1:{free_port()}/0", connect_timeout=1) as unreachable:
        assert broker.backlog("email_default", connection=unreachable) is None
