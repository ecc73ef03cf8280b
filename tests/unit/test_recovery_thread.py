"""The recovery thread: a sweep at once, then one per interval, and a prompt, clean stop."""

from __future__ import annotations

import threading
import time

from services.recovery import Sweeper


class Recorder:
    """A sweep that records whether it was forced, and can be held in the middle."""

    def __init__(self) -> None:
        self.calls: list[bool] = []
        self.changed = threading.Condition()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, force: bool) -> None:
        with self.changed:
            self.calls.append(force)
            self.changed.notify_all()
        assert self.release.wait(timeout=10)

    def wait_for(self, calls: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.calls) >= calls, timeout=10), self.calls


def test_sweeps_at_once_then_every_interval_without_forcing() -> None:
    recorder = Recorder()
    sweeper = Sweeper(recorder, every=0.05)
    sweeper.start()
    recorder.wait_for(4)
    assert sweeper.stop(timeout=5)
    assert recorder.calls[0] is True and not any(recorder.calls[1:])


def test_stop_between_sweeps_is_immediate_however_long_the_interval() -> None:
    recorder = Recorder()
    sweeper = Sweeper(recorder, every=3600)
    sweeper.start()
    recorder.wait_for(1)
    started = time.monotonic()
    assert sweeper.stop(timeout=5)
    assert time.monotonic() - started < 1
    assert not sweeper.running and recorder.calls == [True]


def test_stop_lets_the_sweep_under_way_finish_and_starts_no_other() -> None:
    recorder = Recorder()
    recorder.release.clear()
    sweeper = Sweeper(recorder, every=0.01)
    sweeper.start()
    recorder.wait_for(1)
    stopped: list[bool] = []
    stopper = threading.Thread(target=lambda: stopped.append(sweeper.stop(timeout=10)))
    stopper.start()
    stopper.join(timeout=0.3)
    assert stopper.is_alive() and sweeper.running, "stop() returned while a sweep was under way"
    recorder.release.set()
    stopper.join(timeout=10)
    assert stopped == [True] and recorder.calls == [True]


def test_stop_gives_up_waiting_after_its_timeout() -> None:
    recorder = Recorder()
    recorder.release.clear()
    sweeper = Sweeper(recorder, every=60)
    sweeper.start()
    recorder.wait_for(1)
    assert sweeper.stop(timeout=0.1) is False
    recorder.release.set()


def test_a_failing_sweep_does_not_stop_later_ones() -> None:
    calls: list[bool] = []
    done = threading.Event()

    def sweep(force: bool) -> None:
        calls.append(force)
        if len(calls) >= 3:
            done.set()
        raise ConnectionError("database down")

    sweeper = Sweeper(sweep, every=0.01)
    sweeper.start()
    assert done.wait(timeout=10)
    assert sweeper.stop(timeout=5)


def test_starting_again_while_running_sweeps_now() -> None:
    recorder = Recorder()
    sweeper = Sweeper(recorder, every=3600)
    sweeper.start()
    recorder.wait_for(1)
    sweeper.start()  # the consumer reconnected to the broker
    recorder.wait_for(2)
    assert recorder.calls == [True, True]
    assert sweeper.stop(timeout=5)
