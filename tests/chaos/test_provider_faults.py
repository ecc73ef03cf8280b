"""The providers fail 30 % of calls (429, 500, 529, 2 s hangs): the retry layer carries the batch through."""

from __future__ import annotations

from services.emulator import EmulatorHandle
from tests.chaos.harness import Chaos

FAULTS = {
    "all": {"rate": 0.3, "kinds": ["429", "500", "529", "timeout"], "retry_after": 0.5, "timeout_seconds": 2}
}


def test_hundred_items_through_flaky_providers(chaos: Chaos, emulator: EmulatorHandle) -> None:
    emulator.configure(latency="zero", faults=FAULTS, seed=5)
    chaos.workers.add(concurrency=4)  # two processes x 4 threads: two event loops on the two cores
    chaos.submit(100)
    chaos.mark_fault("30 % of provider calls fail from the start: 429/500/529/2 s timeout")
    outcome = chaos.outcome("providers fail 30 % of calls", deadline=150)

    assert not outcome.problems(), outcome
    assert outcome.completed >= 99, outcome
    injected = sum(emulator.stats()["faults_injected"].values())
    outcome.notes.append(f"{injected} faults injected")
    assert injected > 100, f"only {injected} faults were injected"
