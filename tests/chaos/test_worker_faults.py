"""Workers die (SIGKILL) or are stopped (SIGTERM) mid-batch: nothing is lost, nothing is written twice.

Only the seed's worker command runs, restarted as systemd would: no beat. What a killed worker left
`processing` is recovered by the new worker's own sweeps, within 2 x STALE_AFTER_SECONDS of it
being ready (tests/chaos/report.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import pytest

from models import QueueStatus
from services.emulator import EmulatorHandle
from tests.chaos.harness import ALL_ENDPOINTS, Chaos, Row, assert_recovered

FAST = 0.2
# Slow enough for the kill to catch an item in the step, short enough that the batch's rerun fits in
# the restarted worker's 2 x STALE_AFTER_SECONDS.
SLOW = 1.0
# The endpoints that make each step slow enough to be caught in it.
SLOW_ENDPOINTS = {
    "template_parser": ["parser"],
    "web_scraper": ["exa_search", "summarizer"],
    "arxiv_helper": ["arxiv"],
    "email_composer": ["composer"],
}


def in_step(step: str) -> Callable[[Row], bool]:
    """Whether a row's pipeline is inside `step` now, judged from the progress it published."""
    if step == "web_scraper":  # web and arXiv run side by side; arXiv (fast) done means web is running
        return lambda r: r.current_step == "arxiv_helper" and r.step_status == "completed"
    if step == "arxiv_helper":
        return lambda r: r.current_step == "web_scraper" and r.step_status == "completed"
    return lambda r: r.current_step == step and r.step_status == "started"


@pytest.mark.parametrize("step", list(SLOW_ENDPOINTS))
def test_worker_killed_mid_step_loses_and_duplicates_nothing(
    chaos: Chaos, emulator: EmulatorHandle, step: str
) -> None:
    emulator.configure(latency=dict.fromkeys(ALL_ENDPOINTS, FAST) | dict.fromkeys(SLOW_ENDPOINTS[step], SLOW))
    chaos.submit(6)
    caught = in_step(step)
    rows = chaos.wait_for(lambda rs: any(caught(r) for r in rs), timeout=30, what=f"an item in {step}")
    victims = {r.id for r in rows if r.status == QueueStatus.PROCESSING}

    chaos.workers.running().kill()
    chaos.mark_fault(f"SIGKILL with {len(victims)} item(s) in flight, one in {step}")
    chaos.restart_worker()
    outcome = chaos.outcome(f"SIGKILL worker in {step}")

    assert_recovered(outcome)
    finished = {r.id: r for r in chaos.rows()}
    assert all(finished[v].attempts >= 2 for v in victims), "killed items were run again"


def test_sigterm_lets_in_flight_items_finish_and_leaves_the_rest_queued(
    chaos: Chaos, emulator: EmulatorHandle
) -> None:
    emulator.configure(latency=dict.fromkeys(ALL_ENDPOINTS, 0.6))
    worker = chaos.workers.running()
    chaos.submit(8)
    rows = chaos.wait_for(
        lambda rs: sum(r.status == QueueStatus.PROCESSING and r.current_step is not None for r in rs) >= 3,
        timeout=30,
        what="items in flight",
    )
    in_flight = {r.id for r in rows if r.status == QueueStatus.PROCESSING}

    chaos.mark_fault(f"SIGTERM (warm shutdown) with {len(in_flight)} item(s) in flight")
    shutdown_seconds = worker.terminate(timeout=60)
    chaos.notes.append(f"worker exited {shutdown_seconds:.1f} s after SIGTERM")

    after = {r.id: r for r in chaos.rows()}
    assert not [r for r in after.values() if r.status == QueueStatus.PROCESSING]
    for item_id in in_flight:  # finished by the stopping worker, not reaped and rerun
        assert after[item_id].status == QueueStatus.COMPLETED and after[item_id].attempts == 1
    assert any(r.status == QueueStatus.PENDING for r in after.values()), "the rest stays queued"

    chaos.restart_worker()
    outcome = chaos.outcome("SIGTERM worker mid-batch, restart")
    assert_recovered(outcome)
    assert all(r.attempts == 1 for r in chaos.rows()), "a warm shutdown must not cost an attempt"


def test_worker_killed_twice_mid_batch_then_started_again_finishes_every_item_once(
    chaos: Chaos, emulator: EmulatorHandle
) -> None:
    """Issue 9: with beat gone, the items a killed worker held must not stay `processing` for good."""
    emulator.configure(latency=dict.fromkeys(ALL_ENDPOINTS, 0.4))
    chaos.submit(8)
    victims: set[uuid.UUID] = set()
    since: datetime | None = None
    for kill in (1, 2):
        rows = chaos.wait_for(
            two_in_flight(claimed_after=since),
            timeout=60,
            what=f"items in flight before kill {kill}",
        )
        in_flight = {r.id for r in rows if r.status == QueueStatus.PROCESSING}
        victims |= in_flight
        chaos.workers.running().kill()
        chaos.mark_fault(f"SIGKILL {kill} of 2 with {len(in_flight)} item(s) processing")
        chaos.restart_worker()
        since = chaos.back_at
    outcome = chaos.outcome("SIGKILL worker twice mid-batch, restart")

    assert_recovered(outcome)
    finished = {r.id: r for r in chaos.rows()}
    assert all(finished[v].attempts >= 2 for v in victims), "killed items were run again"


def two_in_flight(*, claimed_after: datetime | None) -> Callable[[list[Row]], bool]:
    """Whether the running worker holds two items mid-pipeline (claimed after `claimed_after`: the
    rows a killed worker left `processing` do not count)."""

    def mid_step(row: Row) -> bool:
        return (
            row.status == QueueStatus.PROCESSING
            and row.current_step is not None
            and (claimed_after is None or (row.started_at is not None and row.started_at > claimed_after))
        )

    return lambda rows: sum(mid_step(r) for r in rows) >= 2
