"""What a running item's row says about its steps: each lasting state once, in order, and the outcome last.

`generate_next` runs in this process (as a worker's task thread does) against the run's database
and the emulator, each provider answering in LATENCY seconds so every step's state lasts; every
progress write is logged through a hook on `queue.record_progress`.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from database.engine import session_scope
from models import QueueItem, QueueStatus
from pipeline.core.runner import warm_up
from pipeline.models import STEP_NAMES
from services import generation, queue
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from tests.fixtures.api import Caller

pytestmark = pytest.mark.worker

LATENCY = 0.4
ENDPOINTS = ["parser", "exa_search", "exa_contents", "summarizer", "arxiv", "composer"]
TEMPLATE = "Dear {{name}}, I read your paper {{research}} and would love to hear more about it."
RESEARCHER = next(p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags)


def only_this_item_pending(client: TestClient, caller: Caller) -> uuid.UUID:
    """`generate_next` takes the head of the whole line: leave only this test's item in it."""
    with session_scope() as session:
        session.execute(
            update(QueueItem)
            .where(QueueItem.status == QueueStatus.PENDING)
            .values(status=QueueStatus.CANCELLED)
        )
        session.commit()
    body = {
        "email_template": TEMPLATE,
        "recipient_name": RESEARCHER.name,
        "recipient_interest": RESEARCHER.interest,
    }
    response = client.post("/api/email/generate", json=body, headers=caller.headers)
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["task_id"])


def logged_progress(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, float]]]:
    writes: list[tuple[str, str, dict[str, float]]] = []
    real = queue.record_progress

    def logged(*, step: str, step_status: str, step_timings: dict[str, float], **rest: Any) -> None:
        writes.append((step, step_status, dict(step_timings)))
        real(step=step, step_status=step_status, step_timings=step_timings, **rest)

    monkeypatch.setattr(queue, "record_progress", logged)
    return writes


def read_row(item_id: uuid.UUID) -> QueueItem:
    with session_scope() as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return item


def test_each_lasting_state_is_written_once_in_order_and_the_completion_last(
    client: TestClient, caller: Caller, emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm_up()
    emulator_config.configure(latency=dict.fromkeys(ENDPOINTS, LATENCY))
    item_id = only_this_item_pending(client, caller)
    writes = logged_progress(monkeypatch)

    outcome = generation.generate_next(task_id=str(uuid.uuid4()))

    assert outcome["status"] == "completed"
    states = [(step, status) for step, status, _ in writes]
    # The parser's end and the research steps' starts are one moment, as are the research's end and
    # the composer's start; the composer's end is the completion's to write.
    assert states[0] == ("template_parser", "started")
    assert ("email_composer", "started") in states
    assert ("template_parser", "completed") not in states
    assert ("email_composer", "completed") not in states
    assert len(states) == len(set(states)) <= 5
    finished = [set(timings) for _, _, timings in writes]
    assert all(earlier <= later for earlier, later in itertools.pairwise(finished))
    row = read_row(item_id)
    assert (row.status, row.step_status) == (QueueStatus.COMPLETED, "completed")
    assert set(row.step_timings or {}) == set(STEP_NAMES)


def test_a_failed_step_stays_on_the_row(
    client: TestClient, caller: Caller, emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm_up()
    emulator_config.configure(
        latency=dict.fromkeys(ENDPOINTS, LATENCY), faults={"composer": {"rate": 1.0, "kinds": ["500"]}}
    )
    item_id = only_this_item_pending(client, caller)
    writes = logged_progress(monkeypatch)

    outcome = generation.generate_next(task_id=str(uuid.uuid4()))

    assert outcome["status"] == "failed"
    assert writes[-1][:2] == ("email_composer", "failed")
    row = read_row(item_id)
    assert (row.status, row.failed_step) == (QueueStatus.FAILED, "email_composer")
    assert (row.current_step, row.step_status) == ("email_composer", "failed")
