"""Submitting while the broker is down or slow: the request stays quick and durable, and no worker
ever waits for a row lock held while the API talks to the broker."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from database.engine import get_engine, session_scope
from models import QueueItem, QueueStatus
from models.base import utcnow
from tests.conftest import TEST_REDIS_URL
from tests.fixtures.broker_proxy import BrokerProxy, broker_proxy
from tests.security.live import api_process, new_user

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="set TEST_REDIS_URL for Redis")

TEMPLATE = "Dear {{name}}, I read your work on {{research}} with great interest."


@pytest.fixture(scope="module")
def proxy() -> Iterator[BrokerProxy]:
    url = make_url(str(TEST_REDIS_URL).replace("redis://", "postgresql://"))  # host and port only
    with broker_proxy((url.host or "127.0.0.1", url.port or 6379)) as running:
        yield running


@pytest.fixture(scope="module")
def api(proxy: BrokerProxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = make_url(str(TEST_REDIS_URL).replace("redis://", "postgresql://")).database or "0"
    log = tmp_path_factory.mktemp("api") / "api.log"
    with api_process(Path(log), REDIS_URL=proxy.url(int(database))) as base:
        yield base


def batch(size: int) -> dict[str, object]:
    items = [{"recipient_name": f"Ada Quill {i}", "recipient_interest": "graphs"} for i in range(size)]
    return {"email_template": TEMPLATE, "items": items}


def pending_unsent(user_id: uuid.UUID) -> int:
    with session_scope() as session:
        query = select(func.count()).where(
            QueueItem.user_id == user_id,
            QueueItem.status == QueueStatus.PENDING,
            QueueItem.enqueued_at.is_(None),
        )
        return session.scalar(query) or 0


def test_a_dead_broker_is_tried_once_per_request_not_once_per_item(api: str, proxy: BrokerProxy) -> None:
    user_id, headers = new_user(api)
    proxy.refuse = True
    try:
        before = proxy.connections
        response = httpx.post(f"{api}/api/queue/batch", json=batch(20), headers=headers, timeout=120)
        attempts = proxy.connections - before
    finally:
        proxy.refuse = False
    assert response.status_code == 201, response.text
    print(f"\nbroker down: {attempts} connection attempt(s) for a batch of 20")
    # One send's retries (3 attempts, plus a reconnect per attempt at most), not 20 sends' worth.
    assert attempts <= 6
    assert pending_unsent(user_id) == 20  # durable, and left for the reaper


def test_no_row_lock_is_held_while_the_broker_stalls(api: str, proxy: BrokerProxy) -> None:
    user_id, headers = new_user(api)
    proxy.hold_after, proxy.publishes = 1, 0
    proxy.holding.clear()
    proxy.release.clear()
    outcome: list[httpx.Response] = []
    post = threading.Thread(
        target=lambda: outcome.append(
            httpx.post(f"{api}/api/queue/batch", json=batch(3), headers=headers, timeout=60)
        )
    )
    post.start()
    try:
        assert proxy.holding.wait(30), "the API never sent a second message"
        # The first message went through and the second is stuck in the broker: a worker claiming
        # any of the batch's rows right now must not wait.
        with get_engine().connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET lock_timeout = '2s'"))
            else:
                connection.execute(text("PRAGMA busy_timeout = 2000"))
            claimed = connection.execute(
                update(QueueItem)
                .where(QueueItem.user_id == user_id, QueueItem.status == QueueStatus.PENDING)
                .values(heartbeat_at=utcnow())
            ).rowcount
            connection.rollback()
        assert claimed == 3
    finally:
        proxy.hold_after = None
        proxy.release.set()
        post.join(60)
    assert outcome and outcome[0].status_code == 201
    assert pending_unsent(user_id) == 0
