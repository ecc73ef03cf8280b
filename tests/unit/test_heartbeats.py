"""The heartbeat thread: every registered item beaten on its interval, none past its deadline."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence

from services.heartbeats import Heartbeats


class Recorder:
    def __init__(self) -> None:
        self.writes: list[list[uuid.UUID]] = []
        self.changed = threading.Condition()

    def __call__(self, item_ids: Sequence[uuid.UUID]) -> None:
        with self.changed:
            self.writes.append(list(item_ids))
            self.changed.notify_all()

    def beats_of(self, item_id: uuid.UUID) -> int:
        return sum(item_id in write for write in self.writes)

    def wait_for(self, item_id: uuid.UUID, beats: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.beats_of(item_id) >= beats, timeout=10)


def test_items_due_together_share_one_write() -> None:
    recorder = Recorder()
    beats = Heartbeats(recorder)
    first, second = uuid.uuid4(), uuid.uuid4()
    far = time.monotonic() + 60
    with beats.beating(first, every=0.2, deadline=far), beats.beating(second, every=0.2, deadline=far):
        recorder.wait_for(second, 3)
    assert [set(write) for write in recorder.writes[:3]] == [{first, second}] * 3


def test_an_item_past_its_deadline_is_no_longer_beaten() -> None:
    recorder = Recorder()
    beats = Heartbeats(recorder)
    wedged, healthy = uuid.uuid4(), uuid.uuid4()
    now = time.monotonic()
    with (
        beats.beating(wedged, every=0.05, deadline=now + 0.2),
        beats.beating(healthy, every=0.05, deadline=now + 60),
    ):
        recorder.wait_for(wedged, 1)
        # Past the wedged item's deadline, and then some more rounds for the healthy one.
        while time.monotonic() < now + 0.2:
            recorder.wait_for(healthy, recorder.beats_of(healthy) + 1)
        after_deadline = recorder.beats_of(wedged)
        recorder.wait_for(healthy, recorder.beats_of(healthy) + 4)
    assert recorder.beats_of(wedged) == after_deadline


def test_a_failing_write_does_not_stop_later_beats() -> None:
    calls: list[int] = []
    done = threading.Event()

    def flaky(item_ids: Sequence[uuid.UUID]) -> None:
        calls.append(len(item_ids))
        if len(calls) >= 3:
            done.set()
        if len(calls) == 1:
            raise ConnectionError("database restarting")

    item = uuid.uuid4()
    with Heartbeats(flaky).beating(item, every=0.05, deadline=time.monotonic() + 60):
        assert done.wait(timeout=10)
