"""The live streams' feed: no stream is ever handed a state older than one it already has."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import pytest

from config.settings import get_settings
from services import events
from services.changes import Change


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """No listener, no timed reads: only what a test asks for is read."""
    monkeypatch.setattr(get_settings(), "sse_wake", "poll")
    monkeypatch.setattr(get_settings(), "sse_poll_seconds", 600)


def state(n: int) -> dict[str, Any]:
    return {"status": "STARTED", "result": {"step_timings": {f"s{i}": i for i in range(n)}}}


def test_a_read_begun_before_a_stream_subscribed_never_reaches_it(monkeypatch: pytest.MonkeyPatch) -> None:
    key = (uuid.uuid4(), uuid.uuid4())
    begun, release = threading.Event(), threading.Event()

    def slow_read(task_keys: list[Any], user_ids: list[Any]) -> tuple[dict[Any, Any], dict[Any, Any]]:
        begun.set()
        assert release.wait(5)
        return {k: state(1) for k in task_keys}, {}  # what the rows held when this read began

    monkeypatch.setattr(events, "_read", slow_read)

    async def scenario() -> tuple[events.Watch, events.Watch]:
        feed = events.Feed()
        early = feed.watch_task(key, state(0), mark=feed.notices)
        feed.resync()
        await asyncio.get_running_loop().run_in_executor(None, begun.wait, 5)
        # A stream opened meanwhile read its first snapshot after the read above began: newer.
        late = feed.watch_task(key, state(2), mark=feed.notices)
        release.set()
        for _ in range(100):
            if early.changed.is_set():
                break
            await asyncio.sleep(0.01)
        feed.unwatch(early)
        feed.unwatch(late)
        return early, late

    early, late = asyncio.run(scenario())
    assert early.changed.is_set() and early.snapshot == state(1)
    assert not late.changed.is_set() and late.snapshot == state(2)


def test_a_notice_marks_only_the_streams_it_concerns() -> None:
    async def scenario() -> tuple[set[Any], set[Any]]:
        feed = events.Feed()
        mine, other, idle = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        item = uuid.uuid4()
        feed.watch_task((mine, item), state(0), mark=feed.notices)
        feed.watch_task((other, uuid.uuid4()), state(0), mark=feed.notices)
        feed.watch_line(other, [{"status": "pending"}], mark=feed.notices)
        feed.watch_line(idle, [{"status": "processing"}], mark=feed.notices)
        feed.changed(Change(mine, (item,)))
        progress = (set(feed._stale_tasks), set(feed._stale_lines))
        # The line moved: queue streams with a pending item re-read their positions.
        feed.changed(Change(mine, (item,), line_moved=True))
        moved = (set(feed._stale_tasks), set(feed._stale_lines))
        assert progress == ({(mine, item)}, set())
        return moved

    tasks, lines = asyncio.run(scenario())
    assert len(tasks) == 1 and len(lines) == 1
