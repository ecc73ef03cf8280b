"""Two users at once on a real worker: a 100-item batch never makes a single email wait behind it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from database.engine import session_scope
from models import QueueItem
from models.base import utcnow
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from tests.fixtures.api import Caller

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("worker")]

TEMPLATE = "Dear {{name}}, I read your paper {{research}} with great interest."
PEOPLE = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]
WORKER_SLOTS = 2  # the session worker's concurrency (tests/fixtures/worker.py)
FAST = {name: 0.02 for name in ("parser", "summarizer", "composer", "exa_search", "arxiv")}


def rows(ids: list[str]) -> dict[str, QueueItem]:
    with session_scope() as session:
        items = session.scalars(select(QueueItem).where(QueueItem.id.in_([uuid.UUID(i) for i in ids])))
        return {str(item.id): item for item in items}


def test_a_single_email_is_next_to_start_even_behind_a_big_batch(
    client: TestClient, new_caller: Callable[..., Caller], emulator_config: EmulatorHandle
) -> None:
    emulator_config.configure(latency=FAST)
    alice, bob = new_caller(), new_caller()
    items = [
        {
            "recipient_name": PEOPLE[i % len(PEOPLE)].name,
            "recipient_interest": PEOPLE[i % len(PEOPLE)].interest,
        }
        for i in range(100)
    ]
    response = client.post(
        "/api/queue/batch", json={"items": items, "email_template": TEMPLATE}, headers=alice.headers
    )
    assert response.status_code == 201
    alice_ids = response.json()["queue_item_ids"]
    single = {
        "email_template": TEMPLATE,
        "recipient_name": PEOPLE[0].name,
        "recipient_interest": PEOPLE[0].interest,
    }
    bob_id = client.post("/api/email/generate", json=single, headers=bob.headers).json()["task_id"]
    visible = utcnow()  # the route answers after its commit: from here on claims can see B's item

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        listed = client.get("/api/queue/", headers=alice.headers).json()
        pending = [item["position"] for item in listed if item["status"] == "pending"]
        assert pending == sorted(set(pending)), "positions must be strictly increasing in list order"
        assert all(position >= 1 for position in pending)
        assert all(item["position"] is None for item in listed if item["status"] != "pending")
        if all(item["status"] in {"completed", "failed"} for item in listed):
            break
        time.sleep(0.3)

    done = rows([*alice_ids, bob_id])
    assert [item.status for item in done.values()].count("completed") == 101
    bob_item = done[bob_id]
    assert bob_item.started_at is not None
    # Once B's item is in the line it is the next to start: of A's items started after it became
    # visible, only claims already under way then (one per worker slot) may come first. Counted from
    # the answer to B's POST, not from its row's created_at: between the insert and the commit a slot
    # could finish an item and start another (a flaky failure under a loaded suite).
    overtook = [
        item
        for item_id, item in done.items()
        if item_id != bob_id
        and item.started_at is not None
        and visible < _aware(item.started_at) < _aware(bob_item.started_at)
    ]
    assert len(overtook) <= WORKER_SLOTS, [item.batch_index for item in overtook]
    wait = (bob_item.started_at - bob_item.created_at).total_seconds()
    print(f"\nB's single email waited {wait:.2f} s to start behind A's 100-item batch")


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their UTC offset."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
