"""Live streams are cheap and bounded: no database connection held while a stream is open, a cap
per user, a maximum lifetime, and a 503 with Retry-After (not a 500) when the pool runs dry."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from api.dependencies import get_db
from config.settings import get_settings
from database.engine import session_scope
from main import app
from models import QueueItem, QueueStatus
from services import changes
from tests.api.test_email import TEMPLATE
from tests.api.test_events import read_events
from tests.conftest import DATABASE_URL
from tests.fixtures.api import Caller
from tests.fixtures.latency import summary
from tests.security.live import api_process, new_user

STREAMS = 200
STREAMS_PER_USER = 5
POOL = 5


def generate(client: TestClient, caller: Caller) -> str:
    body = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"}
    response = client.post("/api/email/generate", json=body, headers=caller.headers)
    assert response.status_code == 202, response.text
    return str(response.json()["task_id"])


def test_a_user_over_the_stream_cap_gets_429_until_a_stream_closes(
    client: TestClient, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sse_streams_per_user", 2)
    task_id = generate(client, caller)
    url = f"/api/email/status/{task_id}/stream"
    with client.stream("GET", url, headers=caller.headers) as first:
        assert first.status_code == 200
        with client.stream("GET", "/api/queue/stream", headers=caller.headers) as second:
            assert second.status_code == 200
            refused = client.get(url, headers=caller.headers)
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) >= 1
            assert "stream" in refused.json()["detail"]
    # Both streams ended (the client left): their slots are free again.
    with client.stream("GET", url, headers=caller.headers) as again:
        assert again.status_code == 200


def test_another_users_streams_do_not_count_against_the_cap(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sse_streams_per_user", 1)
    other = new_caller()
    with client.stream("GET", f"/api/email/status/{generate(client, caller)}/stream", headers=caller.headers):
        task_id = generate(client, other)
        with client.stream("GET", f"/api/email/status/{task_id}/stream", headers=other.headers) as response:
            assert response.status_code == 200


def test_a_stream_ends_after_its_maximum_lifetime(
    client: TestClient, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sse_max_seconds", 0.5)
    monkeypatch.setattr(get_settings(), "sse_keepalive_seconds", 0.2)
    task_id = generate(client, caller)  # stays pending: only the lifetime can end this stream
    with client.stream("GET", f"/api/email/status/{task_id}/stream", headers=caller.headers) as response:
        events = list(read_events(response.iter_lines()))
    statuses = [data["status"] for _, event, data in events if event == "status"]
    assert statuses == ["PENDING"]
    # Resuming after the last event sends nothing already seen.
    last_id = next(event_id for event_id, event, _ in events if event == "status")
    headers = caller.headers | {"Last-Event-ID": str(last_id)}
    with client.stream("GET", f"/api/email/status/{task_id}/stream", headers=headers) as response:
        assert [e for e in read_events(response.iter_lines()) if e[1] == "status"] == []


@pytest.fixture
def starved_pool(caller: Caller) -> Iterator[Caller]:
    """Requests (of an initialised caller) get sessions from a one-connection pool whose only
    connection is taken."""
    engine = create_engine(DATABASE_URL, pool_size=1, max_overflow=0, pool_timeout=0.2)
    held = engine.connect()

    def session() -> Iterator[Session]:
        with Session(engine) as db:
            yield db

    app.dependency_overrides[get_db] = session
    try:
        yield caller
    finally:
        app.dependency_overrides.pop(get_db, None)
        held.close()
        engine.dispose()


def test_an_exhausted_pool_is_503_with_retry_after(client: TestClient, starved_pool: Caller) -> None:
    response = client.get("/api/user", headers=starved_pool.headers)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["detail"] == "Database busy; try again shortly"
    assert response.json()["message"]


@pytest.fixture(scope="module")
def small_pool_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("api") / "api.log"
    with api_process(
        Path(log),
        DB_POOL_SIZE=str(POOL),
        DB_MAX_OVERFLOW="0",
        DB_POOL_TIMEOUT_SECONDS="5",
        SSE_STREAMS_PER_USER=str(STREAMS_PER_USER),
    ) as base:
        yield base


async def other_requests(base: str, users: list[dict[str, str]], task_ids: list[str]) -> list[float]:
    """What other users do meanwhile, each one request after another: read their status, line,
    emails and profile, and submit an email."""
    body = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one_user(headers: dict[str, str], task_id: str) -> None:
            calls = [
                ("GET", f"/api/email/status/{task_id}", 200),
                ("GET", "/api/queue/", 200),
                ("GET", "/api/email/", 200),
                ("GET", "/api/user/profile", 200),
                ("POST", "/api/email/generate", 202),
            ]
            for method, path, expected in calls * 3:
                started = time.perf_counter()
                response = await client.request(
                    method, path, headers=headers, json=body if method == "POST" else None
                )
                latencies.append(time.perf_counter() - started)
                assert response.status_code == expected, (path, response.status_code, response.text)

        await asyncio.gather(*(one_user(h, t) for h, t in zip(users, task_ids, strict=True)))
    return latencies


def test_200_open_streams_leave_a_pool_of_5_to_other_requests(small_pool_api: str) -> None:
    base = small_pool_api
    watchers = [new_user(base) for _ in range(STREAMS // STREAMS_PER_USER)]
    task_of: dict[uuid.UUID, str] = {}
    for user_id, headers in watchers:
        response = httpx.post(
            f"{base}/api/email/generate",
            json={"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 202, response.text
        task_of[user_id] = response.json()["task_id"]
    others = [new_user(base) for _ in range(5)]
    other_tasks = []
    for _, headers in others:
        body = {"email_template": TEMPLATE, "recipient_name": "Bo Lind", "recipient_interest": "graphs"}
        response = httpx.post(f"{base}/api/email/generate", json=body, headers=headers, timeout=30)
        other_tasks.append(response.json()["task_id"])
    other_headers = [headers for _, headers in others]

    asyncio.run(other_requests(base, other_headers, other_tasks))  # warm-up: first calls build caches
    baseline = asyncio.run(other_requests(base, other_headers, other_tasks))

    async def scenario() -> tuple[list[float], list[str]]:
        opened = asyncio.Event()
        first_events = 0
        limits = httpx.Limits(max_connections=STREAMS + 10, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

            async def stream(path: str, headers: dict[str, str]) -> str:
                nonlocal first_events
                last = ""
                async with client.stream("GET", path, headers=headers) as response:
                    assert response.status_code == 200, await response.aread()
                    async for line in response.aiter_lines():
                        if line.startswith("data: "):
                            last = line
                            if '"PENDING"' in line or '"pending"' in line:
                                first_events += 1
                                if first_events == STREAMS:
                                    opened.set()
                return last

            streams = []
            for user_id, headers in watchers:
                task_id = task_of[user_id]
                streams += [stream(f"/api/email/status/{task_id}/stream", headers) for _ in range(4)]
                streams.append(stream("/api/queue/stream", headers))
            running = [asyncio.create_task(s) for s in streams]
            await asyncio.wait_for(opened.wait(), timeout=90)
            during = await other_requests(base, other_headers, other_tasks)
            # Every stream still follows its rows: end all the watched items and see each stream end.
            with session_scope() as session:
                session.execute(
                    update(QueueItem)
                    .where(QueueItem.user_id.in_(list(task_of)))
                    .values(status=QueueStatus.FAILED, error_message="stopped by the test")
                )
                session.commit()
            for user_id, task_id in task_of.items():
                changes.announce(user_id, [uuid.UUID(task_id)], line_moved=True)
            finals = await asyncio.wait_for(asyncio.gather(*running), timeout=60)
            return during, finals

    during, finals = asyncio.run(scenario())
    print(f"\nother requests, no streams open: {summary(baseline)}")
    print(f"other requests, {STREAMS} streams open on a pool of {POOL}: {summary(during)}")
    assert len(finals) == STREAMS
    assert all('"FAILURE"' in last or '"failed"' in last for last in finals)
