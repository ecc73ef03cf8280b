"""With the database or the broker unreachable the API degrades cleanly: 503 or a durable 202."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from database.engine import session_scope
from models import QueueItem, QueueStatus
from tests.conftest import free_port
from tests.fixtures.auth import mint

ROOT = Path(__file__).resolve().parents[2]


def serve_api(tmp_path_factory: pytest.TempPathFactory, **env_overrides: str) -> Iterator[str]:
    port = free_port()
    env = os.environ | env_overrides
    log = (tmp_path_factory.mktemp("api") / "api.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # imports alone take tens of seconds on a loaded 2-core machine
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def api_without_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_api(tmp_path_factory, DATABASE_URL=f"postgresql://scribe@127.0.0.1:{free_port()}/gone")


@pytest.fixture(scope="module")
def api_without_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_api(tmp_path_factory, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")


def test_health_is_503_with_the_same_shape(api_without_database: str) -> None:
    response = httpx.get(f"{api_without_database}/health", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "down"
    assert set(body) >= {"status", "database", "broker", "version", "timestamp"}


def test_api_is_503_not_500(api_without_database: str) -> None:
    headers = {"Authorization": f"Bearer {mint()}"}
    response = httpx.get(f"{api_without_database}/api/user", headers=headers, timeout=10)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Database unavailable; try again shortly",
        "message": "Scribe cannot reach its database right now; please try again in a minute.",
    }


def test_health_reports_a_dead_broker(api_without_broker: str) -> None:
    response = httpx.get(f"{api_without_broker}/health", timeout=10)
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "up"


def test_generate_with_a_dead_broker_keeps_the_request_durably(api_without_broker: str) -> None:
    user_id = uuid.uuid4()
    headers = {"Authorization": f"Bearer {mint(sub=str(user_id))}"}
    assert (
        httpx.post(f"{api_without_broker}/api/user/init", json={}, headers=headers, timeout=10).status_code
        == 201
    )
    body = {
        "email_template": "Dear {{name}}, hello.",
        "recipient_name": "Ada Quill",
        "recipient_interest": "graphs",
    }
    started = time.monotonic()
    response = httpx.post(f"{api_without_broker}/api/email/generate", json=body, headers=headers, timeout=30)
    assert response.status_code == 202
    assert time.monotonic() - started < 10
    with session_scope() as session:
        item = session.get(QueueItem, uuid.UUID(response.json()["task_id"]))
        assert item is not None
        assert item.status == QueueStatus.PENDING
        assert item.enqueued_at is None  # the reaper sends it once the broker is back


@pytest.fixture(scope="module")
def api_with_two_connections(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_api(tmp_path_factory, DB_POOL_SIZE="2", DB_MAX_OVERFLOW="0", DB_POOL_TIMEOUT_SECONDS="5")


def test_a_small_pool_under_concurrent_load_never_wedges(api_with_two_connections: str) -> None:
    """40 concurrent requests on 2 pooled connections all succeed: no request holds a connection
    while it waits for a thread, so threads waiting for connections cannot starve their holders."""
    user_id = uuid.uuid4()
    headers = {"Authorization": f"Bearer {mint(sub=str(user_id))}"}
    base = api_with_two_connections
    assert httpx.post(f"{base}/api/user/init", json={}, headers=headers, timeout=10).status_code == 201

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            paths = ["/api/email/", "/api/user/profile", "/api/queue/", "/api/user"] * 10
            responses = await asyncio.gather(*(client.get(path, headers=headers) for path in paths))
            return [response.status_code for response in responses]

    assert asyncio.run(burst()) == [200] * 40
