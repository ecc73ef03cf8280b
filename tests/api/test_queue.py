from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from database.engine import session_scope
from models import QueueItem, QueueStatus
from tests.api.test_email import TEMPLATE, queue_rows
from tests.api.test_user import Z_TIME
from tests.fixtures.api import Caller

ITEM_FIELDS = {
    "id",
    "recipient_name",
    "status",
    "position",
    "email_id",
    "error_message",
    "current_step",
    "created_at",
}


def batch(client: TestClient, caller: Caller, n: int, **headers: str) -> tuple[int, Any]:
    items = [{"recipient_name": f"Person {i:03d}", "recipient_interest": "topology"} for i in range(n)]
    response = client.post(
        "/api/queue/batch",
        json={"items": items, "email_template": TEMPLATE},
        headers=caller.headers | headers,
    )
    return response.status_code, response.json()


def set_status(item_id: str, status: QueueStatus) -> None:
    with session_scope() as session:
        session.execute(update(QueueItem).where(QueueItem.id == uuid.UUID(item_id)).values(status=status))
        session.commit()


def test_batch_creates_items_in_submitted_order(client: TestClient, caller: Caller) -> None:
    code, body = batch(client, caller, 3)
    assert code == 201
    assert set(body) == {"queue_item_ids", "message"}
    listed = client.get("/api/queue/", headers=caller.headers).json()
    assert [item["id"] for item in listed] == body["queue_item_ids"]
    assert [item["recipient_name"] for item in listed] == ["Person 000", "Person 001", "Person 002"]
    for item in listed:
        assert set(item) == ITEM_FIELDS
        assert item["status"] == "pending"
        assert Z_TIME.match(item["created_at"])
    positions = [item["position"] for item in listed]
    assert positions == sorted(positions) and len(set(positions)) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"items": [], "email_template": TEMPLATE},
        {"items": [{"recipient_name": "Al", "recipient_interest": "x"}] * 2, "email_template": TEMPLATE},
        {"items": [{"recipient_name": "A", "recipient_interest": "graphs"}], "email_template": TEMPLATE},
        {
            "items": [{"recipient_name": "Ada", "recipient_interest": "graphs"}] * 101,
            "email_template": TEMPLATE,
        },
        {
            "items": [{"recipient_name": "Ada", "recipient_interest": "graphs"}],
            "email_template": "no placeholder",
        },
        {
            "items": [{"recipient_name": "Ada", "recipient_interest": "graphs", "x": 1}],
            "email_template": TEMPLATE,
        },
        {"items": "Ada", "email_template": TEMPLATE},
    ],
)
def test_bad_batches_are_422_and_queue_nothing(
    client: TestClient, caller: Caller, body: dict[str, object]
) -> None:
    response = client.post("/api/queue/batch", json=body, headers=caller.headers)
    assert response.status_code == 422
    assert queue_rows(caller.id) == 0


def test_cancel_removes_a_pending_item(client: TestClient, caller: Caller) -> None:
    _, body = batch(client, caller, 2)
    first, second = body["queue_item_ids"]
    response = client.delete(f"/api/queue/{first}", headers=caller.headers)
    assert response.status_code == 200
    assert "message" in response.json()
    listed = client.get("/api/queue/", headers=caller.headers).json()
    assert [item["id"] for item in listed] == [second]


@pytest.mark.parametrize("status", [QueueStatus.PROCESSING, QueueStatus.COMPLETED, QueueStatus.FAILED])
def test_only_pending_items_can_be_cancelled(client: TestClient, caller: Caller, status: QueueStatus) -> None:
    _, body = batch(client, caller, 1)
    [item_id] = body["queue_item_ids"]
    set_status(item_id, status)
    response = client.delete(f"/api/queue/{item_id}", headers=caller.headers)
    assert response.status_code == 400
    assert status.value in response.json()["detail"]
    assert client.get("/api/queue/", headers=caller.headers).json()[0]["status"] == status.value


def test_cancel_of_foreign_or_unknown_item_is_404_and_changes_nothing(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller]
) -> None:
    _, body = batch(client, caller, 1)
    [item_id] = body["queue_item_ids"]
    other = new_caller()
    assert client.delete(f"/api/queue/{item_id}", headers=other.headers).status_code == 404
    assert client.delete(f"/api/queue/{uuid.uuid4()}", headers=caller.headers).status_code == 404
    assert client.get("/api/queue/", headers=caller.headers).json()[0]["status"] == "pending"


def test_positions_are_null_once_an_item_leaves_the_line(client: TestClient, caller: Caller) -> None:
    _, body = batch(client, caller, 2)
    first, _ = body["queue_item_ids"]
    set_status(first, QueueStatus.PROCESSING)
    listed = client.get("/api/queue/", headers=caller.headers).json()
    assert listed[0]["position"] is None
    assert listed[1]["position"] >= 1


def test_repeated_idempotency_key_returns_the_first_response(client: TestClient, caller: Caller) -> None:
    key = {"Idempotency-Key": f"batch-{uuid.uuid4()}"}
    first = batch(client, caller, 2, **key)
    again = batch(client, caller, 2, **key)
    assert first == again
    assert queue_rows(caller.id) == 2


def test_concurrent_requests_with_one_key_create_one_batch(client: TestClient, caller: Caller) -> None:
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: batch(client, caller, 3, **key), range(4)))
    assert all(result == results[0] for result in results)
    assert queue_rows(caller.id) == 3


def test_key_reused_with_another_body_is_409(client: TestClient, caller: Caller) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    batch(client, caller, 1, **key)
    code, _ = batch(client, caller, 2, **key)
    assert code == 409
    assert queue_rows(caller.id) == 1


def test_generate_honours_idempotency_keys(client: TestClient, caller: Caller) -> None:
    body = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"}
    headers = caller.headers | {"Idempotency-Key": "one-email"}
    first = client.post("/api/email/generate", json=body, headers=headers)
    again = client.post("/api/email/generate", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert queue_rows(caller.id) == 1


def test_batches_are_rate_limited_with_retry_after(client: TestClient, caller: Caller) -> None:
    codes = [batch(client, caller, 1)[0] for _ in range(6)]
    assert codes == [201] * 5 + [429]
    response = client.post(
        "/api/queue/batch",
        json={
            "items": [{"recipient_name": "Ada", "recipient_interest": "graphs"}],
            "email_template": TEMPLATE,
        },
        headers=caller.headers,
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert queue_rows(caller.id) == 5


def test_concurrent_requests_cannot_overrun_the_rate_limit(client: TestClient, caller: Caller) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: batch(client, caller, 1)[0], range(12)))
    assert codes.count(201) == 5
    assert codes.count(429) == 7
    assert queue_rows(caller.id) == 5
