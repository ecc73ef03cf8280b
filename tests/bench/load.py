"""API load: many clients polling task status and the queue list, as the frontend does."""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import httpx

TEMPLATE = "Dear {{name}}, I read your paper {{research}}."


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _prepare(api: httpx.AsyncClient, users: int) -> list[tuple[dict[str, str], str]]:
    from tests.fixtures.auth import mint

    callers = []
    for _ in range(users):
        headers = {"Authorization": f"Bearer {mint(sub=str(uuid.uuid4()))}"}
        (await api.post("/api/user/init", json={}, headers=headers)).raise_for_status()
        items = [{"recipient_name": f"Prof Number {i}", "recipient_interest": "graphs"} for i in range(5)]
        batch = await api.post(
            "/api/queue/batch", json={"items": items, "email_template": TEMPLATE}, headers=headers
        )
        batch.raise_for_status()
        callers.append((headers, batch.json()["queue_item_ids"][0]))
    return callers


async def _client(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    task_id: str,
    until: float,
    pause: float,
    out: list[float],
) -> None:
    paths = [f"/api/email/status/{task_id}", "/api/queue/"]
    turn = 0
    # Real tabs do not poll in lockstep: start each client at a random point of its poll interval.
    await asyncio.sleep(random.uniform(0, pause))
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await api.get(paths[turn % 2], headers=headers)
        out.append(time.perf_counter() - started)
        response.raise_for_status()
        turn += 1
        if pause:
            await asyncio.sleep(pause)


async def _run(url: str, clients: int, seconds: float, pause: float) -> str:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as api:
        callers = await _prepare(api, users=10)
        latencies: list[float] = []
        until = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(
            *(_client(api, *callers[i % len(callers)], until, pause, latencies) for i in range(clients))
        )
        elapsed = time.monotonic() - started
    mode = f"each polling every {pause:g} s" if pause else "back to back (saturation)"
    return (
        f"{clients} clients, {mode}: {len(latencies) / elapsed:.0f} req/s, "
        f"p50 {_pct(latencies, 50) * 1000:.1f} ms, p99 {_pct(latencies, 99) * 1000:.1f} ms"
    )


def run(url: str, clients: int, seconds: float) -> list[str]:
    """A realistic poll rate (1 s per client) and a saturation run."""
    return [asyncio.run(_run(url, clients, seconds, pause)) for pause in (1.0, 0.0)]
