"""The worker's shared event loop: many task threads, one loop, each coroutine in its caller's context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from services import async_runtime

current_task: contextvars.ContextVar[str] = contextvars.ContextVar("current_task", default="none")


async def report() -> tuple[str, int]:
    await asyncio.sleep(0.01)
    return current_task.get(), threading.get_ident()


def test_coroutines_run_in_the_callers_context_on_one_shared_loop() -> None:
    def task(name: str) -> tuple[str, int]:
        current_task.set(name)
        return async_runtime.run(report())

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(task, ["a", "b", "c", "d"]))

    assert [name for name, _ in results] == ["a", "b", "c", "d"]  # trace context follows each task
    assert len({thread for _, thread in results}) == 1  # and every pipeline shares one loop thread


def test_pipelines_overlap_on_the_shared_loop() -> None:
    barrier = asyncio.Event()

    async def first() -> str:
        await asyncio.wait_for(barrier.wait(), timeout=5)
        return "first"

    async def second() -> str:
        barrier.set()
        return "second"

    with ThreadPoolExecutor(max_workers=2) as pool:
        waiting = pool.submit(async_runtime.run, first())
        assert pool.submit(async_runtime.run, second()).result(timeout=5) == "second"
        assert waiting.result(timeout=5) == "first"
