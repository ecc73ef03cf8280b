"""/health's dependency checks: answered from a recent result, never vouching for a dependency that
stopped answering."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from database import health
from database.health import Check


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class Dependency:
    """A probe whose answer the test sets; counts its calls."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.up


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(health, "time", fake)
    return fake


def test_a_recent_result_is_answered_without_another_check(clock: Clock) -> None:
    dependency = Dependency()
    check = Check("database", dependency)
    assert asyncio.run(check.current()) is True
    clock.now += health.FRESH_SECONDS
    assert check.recent() is True
    assert dependency.calls == 1


def test_without_a_recent_result_the_caller_waits_for_a_check(clock: Clock) -> None:
    dependency = Dependency()
    check = Check("database", dependency)
    assert check.recent() is None  # never checked
    assert asyncio.run(check.current()) is True
    dependency.up = False
    clock.now += health.STALE_SECONDS + 0.01
    assert check.recent() is None  # too old to answer from
    assert asyncio.run(check.current()) is False


def test_a_dependency_that_went_down_is_reported_once_checked_again(clock: Clock) -> None:
    dependency = Dependency()
    check = Check("broker", dependency)
    assert asyncio.run(check.current()) is True
    dependency.up = False
    clock.now += health.FRESH_SECONDS + 0.01
    # The previous answer stands while the new check runs (it is younger than STALE_SECONDS) ...
    assert check.recent() is True
    assert asyncio.run(check.current()) is False
    # ... and from then on the new answer is given, without checking again.
    calls = dependency.calls
    assert check.recent() is False
    assert dependency.calls == calls


def test_a_check_that_raises_reports_its_dependency_down(clock: Clock) -> None:
    def broken() -> bool:
        raise RuntimeError("driver bug")

    assert asyncio.run(Check("database", broken).current()) is False


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_check_that_hangs_reports_down_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch, release: threading.Event
) -> None:
    monkeypatch.setattr(health, "FRESH_SECONDS", 0.0)
    monkeypatch.setattr(health, "DEADLINE_SECONDS", 0.2)
    answers = iter([True])

    def stops_answering() -> bool:
        return next(answers, None) or release.wait(30)

    check = Check("database", stops_answering)
    assert asyncio.run(check.current()) is True
    assert check.recent() is True  # the last answer, while the (hanging) next check starts
    started = time.monotonic()
    assert asyncio.run(check.current()) is False
    assert time.monotonic() - started < 0.5
    # A result younger than STALE_SECONDS does not vouch for a dependency whose check is overdue.
    assert check.recent() is False


def test_concurrent_callers_share_one_check(release: threading.Event) -> None:
    dependency = Dependency()

    def slow() -> bool:
        release.wait(5)
        return dependency()

    async def many() -> list[bool]:
        check = Check("broker", slow)
        waiting = [asyncio.create_task(check.current()) for _ in range(20)]
        await asyncio.sleep(0)  # every caller is waiting
        release.set()
        return await asyncio.gather(*waiting)

    assert asyncio.run(many()) == [True] * 20
    assert dependency.calls == 1
