"""Fixtures for the chaos run: the emulator, the workers, and a `Chaos` harness per scenario.

Only the seed's processes run: the API (in process here), workers and nothing else. No beat:
recovery after a fault is the workers' own sweep, as in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.emulator import EmulatorHandle
from tests.chaos.harness import Chaos
from tests.chaos.plugin import ACTIVE, UNAVAILABLE, run_dir
from tests.chaos.processes import Workers

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if os.environ.get(UNAVAILABLE):
        reason = f"chaos suite skipped: {os.environ[UNAVAILABLE]}"
    elif not os.environ.get(ACTIVE):
        reason = (
            "chaos suite skipped: run it with `make chaos` (pytest -p tests.chaos.plugin tests/chaos), "
            "which starts the Redis and PostgreSQL it is allowed to kill"
        )
    if reason is None:
        return
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


# Four threads per worker: a batch of 6-8 has items in flight and items queued when the fault hits.
WORKER_CONCURRENCY = 4


@pytest.fixture(scope="session")
def chaos_logs() -> Path:
    folder = run_dir() / "logs"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def workers(chaos_logs: Path) -> Iterator[Workers]:
    pool = Workers(chaos_logs, concurrency=WORKER_CONCURRENCY)
    yield pool
    pool.stop()


@pytest.fixture
def chaos(client: TestClient, emulator: EmulatorHandle, workers: Workers) -> Iterator[Chaos]:
    """A scenario with a running worker; the emulator is reset and extra workers stopped afterwards."""
    emulator.reset()
    workers.running()  # before the batch: a start-up never counts as recovery
    harness = Chaos(client, workers)
    yield harness
    harness.close()
    emulator.reset()
