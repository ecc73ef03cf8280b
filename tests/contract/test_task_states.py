"""Every state a task can be in, read the way the frontend reads it.

The frontend polls `GET /api/email/status/{id}` (and may follow the SSE twin) and parses each body
with `TaskStatusResponseSchema`: `result.*` and `error.failed_step` are `.optional()`, so a key
without a value must be absent, never `null`. Each state below is written with the worker's own
state-machine calls (`services/queue.py`) on a real row, then read through the HTTP API: polling,
the status stream, the queue list and the admin views, all held to frontend_schemas.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from database.engine import session_scope
from models import QueueItem, QueueStatus
from models.base import utcnow
from services import queue
from tests.contract.client import ContractClient
from tests.contract.helpers import fast_streams, generate, held_in_line
from tests.fixtures.api import Caller, make_caller

CLAIM = "contract-claim"
TIMINGS = {"template_parser": 1.2, "web_scraper": 5.3}


def _claim(item_id: uuid.UUID) -> QueueItem:
    """What `queue.claim_next` writes when a worker takes this item (before its first step).

    Written here rather than through `claim_next`, which takes the head of the whole shared line.
    """
    now = utcnow()
    with session_scope() as session:
        session.execute(
            update(QueueItem)
            .where(QueueItem.id == item_id, QueueItem.status == QueueStatus.PENDING)
            .values(
                status=QueueStatus.PROCESSING,
                attempts=QueueItem.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                celery_task_id=CLAIM,
                current_step=None,
                step_status=None,
                error_message=None,
            )
        )
        session.commit()
        item = session.get(QueueItem, item_id)
        assert item is not None and item.status == QueueStatus.PROCESSING
        return item


def _mid_step(item_id: uuid.UUID) -> None:
    _claim(item_id)
    with session_scope() as session:
        queue.record_progress(
            session=session,
            item_id=item_id,
            step="web_scraper",
            step_status="running",
            step_timings=TIMINGS,
        )


def _succeeded(item_id: uuid.UUID) -> None:
    _mid_step(item_id)
    item = _claim_row(item_id)
    with session_scope() as session:
        email = queue.complete(
            session=session,
            item=item,
            email_message="Dear Ada Quill, ...",
            template_type="research",
            metadata={"step_timings": TIMINGS},
            is_confident=True,
            step_timings={**TIMINGS, "arxiv_helper": 0.8, "email_composer": 3.1},
        )
        assert email is not None


def _failed_in(step: str | None, error_type: str, message: str) -> Callable[[uuid.UUID], None]:
    def fail(item_id: uuid.UUID) -> None:
        _mid_step(item_id)
        with session_scope() as session:
            assert queue.fail(
                session=session,
                item=_claim_row(item_id),
                message=message,
                error_type=error_type,
                failed_step=step,
            )

    return fail


def _claim_row(item_id: uuid.UUID) -> QueueItem:
    with session_scope() as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return item


def _cancelled(item_id: uuid.UUID) -> None:
    with session_scope() as session:
        item = _claim_row(item_id)
        queue.cancel(session=session, user_id=item.user_id, item_id=item.id)


STATES: dict[str, tuple[Callable[[uuid.UUID], Any], str]] = {
    "pending": (lambda _item_id: None, "PENDING"),
    "started, before the first step": (_claim, "STARTED"),
    "started, mid-step": (_mid_step, "STARTED"),
    "succeeded": (_succeeded, "SUCCESS"),
    "failed in a step": (_failed_in("email_composer", "provider_error", "The composer failed"), "FAILURE"),
    "timed out": (
        _failed_in(None, "timeout", "Generation took longer than 180 s and was stopped"),
        "FAILURE",
    ),
    "cancelled": (_cancelled, "FAILURE"),
}


@pytest.fixture(scope="module")
def api(client: TestClient) -> ContractClient:
    return ContractClient(client)


@pytest.fixture
def owner(api: ContractClient, client: TestClient) -> Iterator[Caller]:
    """A fresh user whose tasks are all settled afterwards: none is left for a worker or a sweep."""
    caller = make_caller(client)
    yield caller
    with session_scope() as session:
        session.execute(
            update(QueueItem)
            .where(QueueItem.user_id == caller.id, QueueItem.status.in_(["pending", "processing"]))
            .values(status=QueueStatus.CANCELLED, completed_at=utcnow())
        )
        session.commit()


def held_task(api: ContractClient, owner: Caller) -> uuid.UUID:
    """A task kept out of the worker's reach."""
    with held_in_line():
        return uuid.UUID(generate(api, owner, "Ada Quill", "graph learning"))


@pytest.mark.parametrize("state", list(STATES))
def test_every_task_state_parses_as_the_frontend_reads_it(
    api: ContractClient, owner: Caller, state: str
) -> None:
    task_id = held_task(api, owner)
    write_state, expected = STATES[state]
    write_state(task_id)
    polled = api.call("GET", f"/api/email/status/{task_id}", expect=200, headers=owner.headers)
    assert polled["status"] == expected
    with fast_streams():
        streamed = api.first_event(f"/api/email/status/{task_id}/stream", headers=owner.headers)
    assert streamed == polled


def test_no_optional_key_is_ever_sent_as_null(api: ContractClient, owner: Caller) -> None:
    """The defect that broke every single-email generation: `"current_step": null` on SUCCESS."""
    seen: dict[str, dict[str, Any]] = {}
    for state, (write_state, _expected) in STATES.items():
        task_id = held_task(api, owner)
        write_state(task_id)
        seen[state] = api.call("GET", f"/api/email/status/{task_id}", expect=200, headers=owner.headers)
    for state, body in seen.items():
        result, error = body.get("result") or {}, body.get("error") or {}
        nulls = [
            key
            for key, value in {**result, **(error if isinstance(error, dict) else {})}.items()
            if value is None
        ]
        assert nulls == [], f"{state}: {nulls} sent as null in {body}"
    assert seen["succeeded"]["result"].keys() == {"email_id", "step_timings"}
    assert "current_step" not in seen["started, before the first step"]["result"]
    assert seen["started, mid-step"]["result"]["current_step"] == "web_scraper"
    assert seen["failed in a step"]["error"]["failed_step"] == "email_composer"
    assert "failed_step" not in seen["timed out"]["error"]
    assert seen["timed out"]["error"]["type"] == "timeout"
    assert seen["cancelled"]["error"]["type"] == "cancelled"


def test_the_queue_and_admin_views_parse_in_every_state(
    api: ContractClient, client: TestClient, owner: Caller
) -> None:
    admin = make_caller(client, email="admin@scribe.test")
    for write_state, _expected in STATES.values():
        write_state(held_task(api, owner))
    line = api.call("GET", "/api/queue/", expect=200, headers=owner.headers)
    assert sorted(item["status"] for item in line) == sorted(
        ["pending", "processing", "processing", "completed", "failed", "failed"]
    )
    with fast_streams():
        assert api.first_event("/api/queue/stream", headers=owner.headers) == line
    rows = api.call("GET", f"/api/admin/users/{owner.id}/queue", expect=200, headers=admin.headers)
    assert len(rows) == len(STATES)
    api.call("GET", "/api/admin/errors", expect=200, headers=admin.headers)
    api.call("GET", f"/api/admin/users/{owner.id}/emails", expect=200, headers=admin.headers)
