"""A user's pending (paid, not yet started) items are capped: a clear 429 with Retry-After, enforced
atomically, so concurrent submissions can never overrun it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from config.settings import get_settings
from models import QueueStatus
from tests.api.test_email import TEMPLATE, queue_rows
from tests.api.test_queue import batch, set_status
from tests.fixtures.api import Caller

CAP = 5


@pytest.fixture(autouse=True)
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_pending_per_user", CAP)


def generate(client: TestClient, caller: Caller, name: str = "Ada Quill") -> tuple[int, dict[str, str]]:
    body = {"email_template": TEMPLATE, "recipient_name": name, "recipient_interest": "graph theory"}
    response = client.post("/api/email/generate", json=body, headers=caller.headers)
    return response.status_code, dict(response.headers)


def test_submissions_past_the_cap_are_429_with_a_message_and_retry_after(
    client: TestClient, caller: Caller
) -> None:
    assert batch(client, caller, 4)[0] == 201
    code, body = batch(client, caller, 2)  # 4 + 2 > 5: the whole batch is refused, none is cut
    assert code == 429
    assert body["detail"] == f"Too many emails waiting (4 of at most {CAP} per user)"
    assert "you can add 1 more now" in body["message"]
    assert queue_rows(caller.id) == 4
    assert generate(client, caller)[0] == 202  # exactly fills the cap
    code, headers = generate(client, caller)
    assert code == 429
    assert int(headers["retry-after"]) > 0
    assert queue_rows(caller.id) == 5


def test_items_that_left_the_line_free_room(client: TestClient, caller: Caller) -> None:
    _, body = batch(client, caller, CAP)
    assert generate(client, caller)[0] == 429
    set_status(body["queue_item_ids"][0], QueueStatus.PROCESSING)
    client.delete(f"/api/queue/{body['queue_item_ids'][1]}", headers=caller.headers)
    assert generate(client, caller)[0] == 202
    assert generate(client, caller)[0] == 202
    assert generate(client, caller)[0] == 429


def test_the_cap_is_per_user(client: TestClient, caller: Caller, new_caller: Callable[..., Caller]) -> None:
    assert batch(client, caller, CAP)[0] == 201
    assert generate(client, new_caller())[0] == 202


def test_concurrent_submissions_cannot_overrun_the_cap(client: TestClient, caller: Caller) -> None:
    start = threading.Barrier(12)

    def submit(index: int) -> int:
        start.wait()
        return generate(client, caller, name=f"Ada Quill {index}")[0]

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(submit, range(12)))
    assert sorted(codes) == [202] * CAP + [429] * (12 - CAP)
    assert queue_rows(caller.id) == CAP
