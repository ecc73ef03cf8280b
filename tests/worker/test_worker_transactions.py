"""The worker holds no database transaction while a pipeline runs (PostgreSQL, real worker process).

An open transaction pins a pooled (on Supabase, a pooler) connection for the whole pipeline, and
any `ALTER TABLE queue_items` of a migration would wait behind it while every status read queued
behind the ALTER.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from database.engine import get_engine
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from tests.conftest import TEST_DATABASE_URL
from tests.fixtures.api import Caller
from tests.fixtures.worker import worker_application_name

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.usefixtures("worker"),
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL for PostgreSQL"),
]

TEMPLATE = "Dear {{name}}, I read your paper {{research}} with great interest."
PEOPLE = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]
# Each provider call takes 0.3 s, so a pipeline runs for about 1.2 s.
SLOW = {name: 0.3 for name in ("parser", "summarizer", "composer", "exa_search", "arxiv")}
# A transaction the worker opened this long ago and left idle is one held across pipeline work;
# the worker's own writes (claim, progress, heartbeat, outcome) commit within milliseconds.
HELD = "1 second"


def test_no_worker_connection_is_idle_in_transaction_during_a_batch(
    client: TestClient, new_caller: Callable[..., Caller], emulator_config: EmulatorHandle
) -> None:
    emulator_config.configure(latency=SLOW)
    caller = new_caller()
    items = [{"recipient_name": p.name, "recipient_interest": p.interest} for p in PEOPLE[:6]]
    response = client.post(
        "/api/queue/batch", json={"items": items, "email_template": TEMPLATE}, headers=caller.headers
    )
    assert response.status_code == 201, response.text

    held: list[tuple[int, str]] = []
    samples_while_running = 0
    deadline = time.monotonic() + 120
    with get_engine().connect() as connection:
        while time.monotonic() < deadline:
            listed = client.get("/api/queue/", headers=caller.headers).json()
            running = any(item["status"] == "processing" for item in listed)
            if all(item["status"] in {"completed", "failed"} for item in listed):
                break
            rows = connection.execute(
                text(
                    "SELECT pid, (now() - xact_start)::text FROM pg_stat_activity"
                    " WHERE application_name = :name AND state = 'idle in transaction'"
                    f" AND now() - xact_start > interval '{HELD}'"
                ),
                {"name": worker_application_name("test")},
            ).all()
            connection.rollback()
            held += [(row[0], row[1]) for row in rows]
            samples_while_running += running
            time.sleep(0.1)
        else:
            raise AssertionError("the batch did not finish")
    assert {item["status"] for item in listed} == {"completed"}
    assert samples_while_running >= 5, "pg_stat_activity was hardly sampled while pipelines ran"
    print(f"\n{samples_while_running} samples while pipelines ran; held transactions seen: {held[:5]}")
    assert held == []
