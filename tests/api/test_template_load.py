"""60 template requests at once, each waiting on a slow resume download, never starve the API.

A sync route that waited on a coroutine needing a second thread deadlocked the whole API once 40
such requests were in flight (anyio's 40 threadpool tokens): /health and every other request hung
for good. Real uvicorn processes: one with the default caps on templates being written (the
configuration that keeps /health fast: its p99 stays under 100 ms, issue 11), one with the caps
raised so all 60 are in flight at once (nothing may deadlock even then). /health is polled from a
process of its own, as a monitor polls it (tests/fixtures/health_probe.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from tests.fetch.pdfs import RESUME_LINES, text_pdf
from tests.fetch.servers import TestServer, running
from tests.fetch.storage import PREFIX
from tests.fixtures.health_probe import health_probe, probes
from tests.fixtures.latency import percentile, summary
from tests.security.live import api_process, emulator_process, new_user

REQUESTS = 60
PER_USER = 5  # TEMPLATE_GENERATION_LIMIT's default: 12 users send 5 each
SLOW_PDF_SECONDS = 5.0
HEALTH_P99_SECONDS = 0.1  # issue 11, with the default caps
IDLE_SECONDS = 1.0
GIVE_UP_SECONDS = 90.0  # a deadlocked API never answers: stop waiting and report
PDF = text_pdf(RESUME_LINES)


@pytest.fixture(scope="module")
def slow_storage() -> Iterator[TestServer]:
    def slow_pdf(wfile: BinaryIO, stopping: threading.Event) -> None:
        stopping.wait(SLOW_PDF_SECONDS)
        wfile.write(PDF)

    with running() as server:
        server.stream(f"{PREFIX}/cv.pdf", slow_pdf)  # type: ignore[arg-type]
        yield server


@pytest.fixture(scope="module")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with emulator_process(tmp_path_factory.mktemp("emulator") / "emulator.log") as base:
        yield base


@contextmanager
def api_with(storage: TestServer, emulator: str, logs: Path, **caps: str) -> Iterator[str]:
    with api_process(
        logs / "api.log",
        SCRIBE_PROVIDERS="local",
        EMULATOR_URL=emulator,
        # An IP-literal origin configured explicitly is trusted as configured (the local server).
        RESUME_ALLOWED_ORIGINS=f"http://127.0.0.1:{storage.port}/storage/v1/",
        **caps,
    ) as base:
        yield base


@pytest.fixture
def api(slow_storage: TestServer, emulator_url: str, tmp_path: Path) -> Iterator[str]:
    with api_with(slow_storage, emulator_url, tmp_path) as base:
        yield base


@pytest.fixture
def api_without_caps(slow_storage: TestServer, emulator_url: str, tmp_path: Path) -> Iterator[str]:
    caps = {"TEMPLATE_GENERATIONS_IN_FLIGHT": str(REQUESTS), "TEMPLATE_GENERATIONS_PER_USER": str(PER_USER)}
    with api_with(slow_storage, emulator_url, tmp_path, **caps) as base:
        yield base


@dataclass
class Burst:
    health_idle: list[float]
    health_during: list[float]
    health_unanswered: int
    outcomes: list[httpx.Response | str]


def burst(api: str, storage: TestServer, probed: Path) -> Burst:
    """12 users send 5 template requests each, all at once, while /health is probed."""
    users = [new_user(api)[1] for _ in range(REQUESTS // PER_USER)]
    body = {
        "pdf_url": f"http://127.0.0.1:{storage.port}{PREFIX}/cv.pdf",
        "user_instructions": "Short, please.",
    }

    async def requests() -> list[httpx.Response | str]:
        limits = httpx.Limits(max_connections=REQUESTS + 10)
        async with httpx.AsyncClient(base_url=api, limits=limits) as client:

            async def create(headers: dict[str, str]) -> httpx.Response | str:
                try:
                    return await client.post("/api/templates/", json=body, headers=headers, timeout=None)
                except httpx.HTTPError as exc:
                    return type(exc).__name__

            sent = [asyncio.create_task(create(headers)) for headers in users for _ in range(PER_USER)]
            finished, unfinished = await asyncio.wait(sent, timeout=GIVE_UP_SECONDS)
            for request in unfinished:
                request.cancel()
            return [r.result() for r in finished] + ["unfinished"] * len(unfinished)

    with health_probe(api, probed):
        idle_from = time.monotonic()
        time.sleep(IDLE_SECONDS)
        burst_from = time.monotonic()
        outcomes = asyncio.run(requests())
        burst_until = time.monotonic()
    answers = probes(probed)
    idle = [latency for started, latency in answers if idle_from <= started < burst_from]
    during = [latency for started, latency in answers if burst_from <= started < burst_until]
    result = Burst(
        health_idle=[latency for latency in idle if latency is not None],
        health_during=[latency for latency in during if latency is not None],
        health_unanswered=during.count(None),
        outcomes=outcomes,
    )
    print(f"\n/health idle: {summary(result.health_idle)}")
    if result.health_during:
        print(
            f"/health during {REQUESTS} slow template requests: {summary(result.health_during)};"
            f" {result.health_unanswered} unanswered"
        )
    statuses = [o.status_code if isinstance(o, httpx.Response) else o for o in result.outcomes]
    print(f"template requests: {dict(Counter(statuses))}")
    assert storage.hits, "no resume was ever downloaded"
    return result


def test_60_slow_template_requests_leave_health_fast(
    api: str, slow_storage: TestServer, tmp_path: Path
) -> None:
    result = burst(api, slow_storage, tmp_path / "health.txt")
    # A starved threadpool shows as /health answers in seconds or never; a busy event loop as a slow p99.
    assert result.health_unanswered == 0, "/health got no answer within 5 s"
    assert percentile(result.health_during, 0.99) < HEALTH_P99_SECONDS, summary(result.health_during)
    written = [o for o in result.outcomes if isinstance(o, httpx.Response) and o.status_code == 201]
    refused = [o for o in result.outcomes if isinstance(o, httpx.Response) and o.status_code in (429, 503)]
    # Every request was answered: written within the caps, or refused at once with a time to retry.
    assert len(written) + len(refused) == REQUESTS, result.outcomes
    assert written
    assert all(int(response.headers["Retry-After"]) > 0 for response in refused)


def test_60_template_requests_in_flight_at_once_never_deadlock(
    api_without_caps: str, slow_storage: TestServer, tmp_path: Path
) -> None:
    result = burst(api_without_caps, slow_storage, tmp_path / "health.txt")
    assert result.health_unanswered == 0, "/health got no answer within 5 s"
    statuses = [o.status_code if isinstance(o, httpx.Response) else o for o in result.outcomes]
    assert statuses == [201] * REQUESTS, statuses
