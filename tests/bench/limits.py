"""An Anthropic account limited to 50 requests a minute: a batch gets slower, no email fails.

The emulator enforces the limit as the API does (a continuously refilled bucket holding 10 s of
it, 429 with retry-after when empty). Once with ANTHROPIC_RPM=50 set (the budget spaces calls
for the whole deployment), once without (the workers learn the limit from the refusals).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.bench.runs import BatchRun, Stack

RPM = 50
BURST_SECONDS = 10
RULES = {"anthropic": {"requests_per_minute": RPM, "burst_seconds": BURST_SECONDS}}


@dataclass
class LimitedRun:
    run: BatchRun

    @property
    def accepted(self) -> int:
        counts = self.run.providers
        return counts.anthropic_requests - counts.anthropic_refused if counts else 0

    @property
    def allowed(self) -> float:
        """Requests the limit allows over the batch (first submission to last completion)."""
        return RPM / 60 * self.run.seconds

    def report(self, critical: float) -> str:
        burst = RPM * BURST_SECONDS / 60
        return (
            f"{self.run.report(critical)}\n"
            f"  used {self.accepted} of the {self.allowed:.0f} requests {RPM}/min allows in {self.run.seconds:.0f} s: "
            f"{self.accepted / self.allowed:.1%} (target >= 90 %); "
            f"{self.accepted / (self.allowed + burst):.1%} counting the bucket's first {burst:.0f} as well"
        )


def run(stack: Stack, emails: int) -> list[LimitedRun]:
    budget = stack.batch(
        f"{emails} emails, Anthropic limited to {RPM}/min, ANTHROPIC_RPM={RPM}",
        emails,
        {"ANTHROPIC_RPM": str(RPM)},
        rules=RULES,
    )
    unset = stack.batch(
        f"{emails} emails, Anthropic limited to {RPM}/min, no setting", emails, {}, rules=RULES
    )
    return [LimitedRun(budget), LimitedRun(unset)]
