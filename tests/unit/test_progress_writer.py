"""Step progress is written once per lasting state, in order, and never after the item's outcome."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from pipeline.models import ProgressEvent
from services import progress
from services.progress import ProgressWriter

ITEM = uuid.uuid4()


def event(step: str, status: str, **timings: float) -> ProgressEvent:
    return ProgressEvent.model_validate({"step": step, "status": status, "step_timings": timings})


class Written:
    """A fake write: what reached the row, in order."""

    def __init__(self) -> None:
        self.states: list[tuple[str, str, dict[str, float]]] = []

    def __call__(self, item_id: uuid.UUID, state: ProgressEvent) -> None:
        assert item_id == ITEM
        self.states.append((state.step, state.status, dict(state.step_timings)))


def test_a_steps_end_and_the_next_steps_starts_make_one_write() -> None:
    written = Written()

    async def moment() -> None:
        writer = ProgressWriter(ITEM, written)
        writer.report(event("template_parser", "completed", template_parser=1.2))
        writer.report(event("web_scraper", "started", template_parser=1.2))
        writer.report(event("arxiv_helper", "started", template_parser=1.2))
        await asyncio.sleep(progress.SETTLE_SECONDS * 4)
        await writer.close(write_pending=False)

    asyncio.run(moment())

    assert written.states == [("arxiv_helper", "started", {"template_parser": 1.2})]


def test_states_that_last_are_each_written_in_order() -> None:
    written = Written()

    async def steps() -> None:
        writer = ProgressWriter(ITEM, written)
        writer.report(event("template_parser", "started"))
        await asyncio.sleep(progress.SETTLE_SECONDS * 4)
        writer.report(event("arxiv_helper", "started", template_parser=1.2))
        await asyncio.sleep(progress.SETTLE_SECONDS * 4)
        writer.report(event("arxiv_helper", "completed", template_parser=1.2, arxiv_helper=0.8))
        await asyncio.sleep(progress.SETTLE_SECONDS * 4)
        await writer.close(write_pending=False)

    asyncio.run(steps())

    assert [(step, status) for step, status, _ in written.states] == [
        ("template_parser", "started"),
        ("arxiv_helper", "started"),
        ("arxiv_helper", "completed"),
    ]


def test_closing_for_a_completion_drops_the_unwritten_state_without_waiting() -> None:
    written = Written()

    async def last_step() -> float:
        writer = ProgressWriter(ITEM, written)
        writer.report(event("email_composer", "completed", email_composer=3.1))
        started = time.perf_counter()
        await writer.close(write_pending=False)
        return time.perf_counter() - started

    waited = asyncio.run(last_step())

    assert written.states == []
    assert waited < progress.SETTLE_SECONDS


def test_closing_for_a_failure_writes_the_failed_step_once() -> None:
    written = Written()

    async def failing_step() -> None:
        writer = ProgressWriter(ITEM, written)
        writer.report(event("email_composer", "started", template_parser=1.2))
        writer.report(event("email_composer", "failed", template_parser=1.2, email_composer=0.4))
        await writer.close(write_pending=True)
        await asyncio.sleep(progress.SETTLE_SECONDS * 4)

    asyncio.run(failing_step())

    assert [(step, status) for step, status, _ in written.states] == [("email_composer", "failed")]


def test_close_returns_only_after_the_write_under_way() -> None:
    release = threading.Event()
    order: list[str] = []

    def slow_write(item_id: uuid.UUID, state: ProgressEvent) -> None:
        release.wait(5)
        order.append(f"wrote {state.step}")

    async def outcome_after_progress() -> None:
        writer = ProgressWriter(ITEM, slow_write)
        writer.report(event("web_scraper", "completed", web_scraper=5.3))
        await asyncio.sleep(progress.SETTLE_SECONDS * 2)  # the write has started and is blocked
        asyncio.get_running_loop().call_later(0.1, release.set)
        await writer.close(write_pending=False)
        order.append("closed")

    asyncio.run(outcome_after_progress())

    assert order == ["wrote web_scraper", "closed"]
