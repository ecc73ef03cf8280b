"""Shared limits (Redis or in-process), the AIMD limit, the provider gate and pausable deadlines."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from redis.asyncio.connection import ConnectionPool

from config.settings import get_settings
from services.limits import deadline, shared
from services.limits.gate import (
    JITTER_ALLOWANCE_SECONDS,
    AdaptiveLimit,
    ProviderGate,
    gate_for,
    request_spacing,
)
from services.limits.shared import Cooldown, ExclusiveSlot, SharedCache, Spacing
from tests.conftest import TEST_REDIS_URL, free_port


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each shared primitive runs once in memory (embedded broker) and once in Redis."""
    if request.param == "redis" and not TEST_REDIS_URL:
        pytest.skip("set TEST_REDIS_URL to run the Redis variant")
    if request.param == "memory":
        monkeypatch.setattr(get_settings(), "redis_url", None)
    yield request.param


def unique(name: str) -> str:
    return f"test:{name}:{uuid.uuid4().hex[:8]}"


def test_reservations_are_spaced_at_the_rate_without_a_burst(backend: str) -> None:
    spacing = Spacing(unique("spacing"), seconds_per_unit=0.5)

    async def reserve_four() -> list[float]:
        return [await spacing.reserve() for _ in range(4)]

    waits = asyncio.run(reserve_four())
    assert waits[0] == pytest.approx(0, abs=0.05)
    for earlier, later in itertools.pairwise(waits):
        assert later - earlier == pytest.approx(0.5, abs=0.05)


def test_a_costly_reservation_pushes_the_next_one_back_by_its_cost(backend: str) -> None:
    spacing = Spacing(unique("tokens"), seconds_per_unit=0.001)  # 1000 units per second

    async def two() -> float:
        await spacing.reserve(2000)
        return await spacing.reserve(1)

    assert asyncio.run(two()) == pytest.approx(2.0, abs=0.05)


def test_the_slot_has_one_holder_and_starts_an_interval_apart(backend: str) -> None:
    slot = ExclusiveSlot(unique("slot"), interval=0.3, hold_seconds=5, poll_seconds=0.02)
    events: list[tuple[str, int, float]] = []

    async def use(who: int) -> None:
        token = await slot.acquire()
        started = time.monotonic()
        events.append(("start", who, started))
        await asyncio.sleep(0.05)
        events.append(("end", who, time.monotonic()))
        await slot.release(token, started=started)

    async def three() -> None:
        await asyncio.gather(*(use(i) for i in range(3)))

    asyncio.run(three())
    kinds = [kind for kind, _, _ in events]
    assert kinds == ["start", "end"] * 3  # never two holders at once
    starts = [at for kind, _, at in events if kind == "start"]
    assert all(later - earlier >= 0.3 for earlier, later in itertools.pairwise(starts))


def test_the_next_start_counts_from_when_the_holder_really_began(backend: str) -> None:
    slot = ExclusiveSlot(unique("late"), interval=0.3, hold_seconds=5, poll_seconds=0.02)

    async def late_then_next() -> float:
        token = await slot.acquire()
        await asyncio.sleep(0.2)  # took the slot, began only now
        began = time.monotonic()
        await slot.release(token, started=began)
        await slot.release(await slot.acquire())
        return time.monotonic() - began

    assert asyncio.run(late_then_next()) >= 0.3


def test_a_cooldown_keeps_the_latest_end(backend: str) -> None:
    cooldown = Cooldown(unique("cool"))

    async def scenario() -> tuple[float, float, float]:
        long = await cooldown.extend(0.6)
        short = await cooldown.extend(0.1)  # an earlier end does not shorten it
        await asyncio.sleep(0.7)
        return long, short, await cooldown.remaining()

    long, short, after = asyncio.run(scenario())
    assert 0.5 < long < 0.61 and short > 0.4 and after == 0


def test_the_cache_returns_what_was_put_until_it_expires(backend: str) -> None:
    cache = SharedCache(unique("cache"), ttl=0.3)

    async def scenario() -> tuple[object, object, object]:
        await cache.put("jane smith", [{"title": "A paper"}])
        hit = await cache.get("jane smith")
        miss = await cache.get("john smith")
        await asyncio.sleep(0.4)
        return hit, miss, await cache.get("jane smith")

    assert asyncio.run(scenario()) == ([{"title": "A paper"}], None, None)


def test_a_refusal_halves_the_calls_in_flight_and_acceptances_raise_them_again() -> None:
    async def scenario() -> list[float]:
        limit = AdaptiveLimit(ceiling=16)
        for _ in range(8):
            await limit.acquire()
        seen = [limit.limit]
        limit.release(accepted=False, refused_for=0.05)  # 8 in flight when refused: down to 4
        seen.append(limit.limit)
        limit.release(accepted=False, refused_for=0.05)  # the same burst: not halved again
        seen.append(limit.limit)
        await asyncio.sleep(0.06)
        for _ in range(6):
            limit.release(accepted=True)
        seen.append(limit.limit)
        return seen

    before, refused, same_burst, recovered = asyncio.run(scenario())
    assert before == 16 and refused == 4 and same_burst == 4
    assert 5 < recovered < 6  # additive: about one more per limit's worth of accepted calls


def test_calls_over_the_limit_wait_for_a_place() -> None:
    async def scenario() -> list[str]:
        limit = AdaptiveLimit(ceiling=1)
        order: list[str] = []

        async def call(name: str) -> None:
            await limit.acquire()
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")
            limit.release(accepted=True)

        await asyncio.gather(call("a"), call("b"))
        return order

    assert asyncio.run(scenario()) == ["a in", "a out", "b in", "b out"]


def test_a_refused_call_makes_every_caller_wait_as_told() -> None:
    gate = ProviderGate(unique("gate"))

    async def scenario() -> float:
        async with gate.call() as first:
            first.refuse(0.3)
        started = time.monotonic()
        async with gate.call() as second:
            second.accept()
        return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.25


def test_many_calls_in_flight_share_a_few_redis_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    if not TEST_REDIS_URL:
        pytest.skip("set TEST_REDIS_URL")
    opened: list[object] = []
    make_connection = ConnectionPool.make_connection

    def counted(pool: ConnectionPool) -> Any:
        opened.append(pool)
        return make_connection(pool)

    monkeypatch.setattr(ConnectionPool, "make_connection", counted)
    cooldowns = [Cooldown(unique("shared")) for _ in range(40)]

    async def forty_at_once() -> list[float]:
        return await asyncio.gather(*(cooldown.remaining() for cooldown in cooldowns))

    assert asyncio.run(forty_at_once()) == [0.0] * 40
    assert 1 <= len(opened) <= shared.MAX_CONNECTIONS


class CountedCooldown(Cooldown):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.asked = 0

    async def remaining(self) -> float:
        self.asked += 1
        return await super().remaining()


def test_a_call_that_did_not_wait_asks_for_the_cooldown_once() -> None:
    gate = ProviderGate(unique("once"))
    gate.cooldown = cooldown = CountedCooldown(gate.name)

    async def one_call() -> None:
        async with gate.call() as call:
            call.accept()

    asyncio.run(one_call())
    assert cooldown.asked == 1


def test_a_call_that_waited_asks_again_and_sees_a_refusal_that_came_meanwhile() -> None:
    gate = ProviderGate(unique("again"), budgets={"requests": Spacing(unique("again"), 0.2)})
    gate.cooldown = cooldown = CountedCooldown(gate.name)

    async def refused_while_waiting() -> float:
        async with gate.call() as first:  # the budget's first reservation: no wait
            first.accept()
        asked_once = cooldown.asked

        async def refuse_meanwhile() -> None:
            await asyncio.sleep(0.05)
            await gate.cooldown.extend(0.4)

        started = time.monotonic()
        refusal = asyncio.create_task(refuse_meanwhile())
        async with gate.call() as second:  # waits 0.2 s in the budget, then for the cool-down
            second.accept()
        await refusal
        assert asked_once == 1 and cooldown.asked >= 3
        return time.monotonic() - started

    assert asyncio.run(refused_while_waiting()) >= 0.4


def test_waiting_at_the_gate_does_not_count_against_a_time_limit() -> None:
    gate = ProviderGate(unique("budget"), budgets={"requests": Spacing(unique("budget"), 0.3)})

    async def three_calls_within_half_a_second() -> float:
        async with asyncio.timeout(0.5) as limit:
            with deadline.pausable(limit, allowance=10) as clock:
                for _ in range(3):  # 0.6 s of waiting in the budget
                    async with gate.call() as call:
                        call.accept()
                return clock.paused_for

    assert asyncio.run(three_calls_within_half_a_second()) >= 0.5


def test_the_time_limit_runs_again_once_the_allowance_is_spent() -> None:
    async def queued_too_long() -> None:
        async with asyncio.timeout(0.2) as limit:
            with deadline.pausable(limit, allowance=0.2), deadline.queued():
                await asyncio.sleep(1.0)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        asyncio.run(queued_too_long())
    assert time.monotonic() - started < 0.9  # limit 0.2 s + allowance 0.2 s, not the whole second


def test_with_redis_down_the_process_keeps_the_limits_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "redis_url", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    spacing = Spacing(unique("down"), seconds_per_unit=0.5)

    async def two() -> list[float]:
        return [await spacing.reserve(), await spacing.reserve()]

    first, second = asyncio.run(two())
    assert first == pytest.approx(0, abs=0.05) and second == pytest.approx(0.5, abs=0.05)


def test_budgets_keep_a_jitter_allowance_between_requests_but_not_between_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 60 ms per token would hold a 60,000 tokens/min account to ~1,000 tokens a minute.
    settings = get_settings()
    monkeypatch.setattr(settings, "anthropic_rpm", 50)
    monkeypatch.setattr(settings, "anthropic_input_tpm", 60_000)
    gate_for.cache_clear()
    try:
        budgets = gate_for("anthropic").budgets
        assert 1.2 < budgets["requests"].seconds_per_unit <= 1.2 * 1.05
        assert 0.001 < budgets["input_tokens"].seconds_per_unit <= 0.001 * 1.05
        assert request_spacing(0.1) >= 0.1 + JITTER_ALLOWANCE_SECONDS
    finally:
        gate_for.cache_clear()
