"""Polling reads run on threads of their own, never more at once than the pool has connections."""

from __future__ import annotations

import threading

import anyio

from api.dependencies import _reads_limiter, run_read
from config.settings import get_settings


def test_polling_reads_wait_for_a_pooled_connection_instead_of_opening_more() -> None:
    size = get_settings().db_pool_size
    entered, release = threading.Semaphore(0), threading.Event()
    peak = running = 0
    lock = threading.Lock()

    def read(*, value: int) -> int:
        nonlocal peak, running
        with lock:
            running += 1
            peak = max(peak, running)
        entered.release()
        release.wait(timeout=10)
        with lock:
            running -= 1
        return value

    async def main() -> list[int]:
        results: list[int] = []

        async def poll(value: int) -> None:
            results.append(await run_read(read, value=value))

        async with anyio.create_task_group() as group:
            for value in range(3 * size):
                group.start_soon(poll, value)
            # Once `size` reads are in, every other poll is queued on the limiter, not on a thread.
            await anyio.to_thread.run_sync(lambda: [entered.acquire(timeout=10) for _ in range(size)])
            statistics = _reads_limiter().statistics()
            assert (statistics.borrowed_tokens, statistics.tasks_waiting) == (size, 2 * size)
            release.set()
        return results

    assert sorted(anyio.run(main)) == list(range(3 * size))
    assert peak == size
