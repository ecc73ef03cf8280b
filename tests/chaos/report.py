"""What each fault did to its batch, and the table printed at the end of the run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """One scenario's batch after the fault: every number comes from the rows and emails tables."""

    scenario: str
    submitted: int
    completed: int
    failed: int
    lost: int
    emails: int
    duplicated: int
    recovery_seconds: float | None
    deadline_seconds: float
    # Scenarios that restart the worker: from the moment it is ready, every item is terminal within
    # 2 x STALE_AFTER_SECONDS (found stale by its first sweep, or by one soon after, then run).
    restarted: bool = False
    after_restart_seconds: float | None = None
    after_restart_deadline_seconds: float = 0.0
    failure_reasons: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Broken guarantees (empty when the queue recovered as SPEC §6 requires)."""
        found = []
        if self.lost:
            found.append(f"{self.lost} item(s) not terminal {self.deadline_seconds:.0f} s after the fault")
        if self.duplicated:
            found.append(f"{self.duplicated} duplicated email(s)")
        if self.emails != self.completed:
            found.append(f"{self.emails} emails for {self.completed} completed items")
        if self.restarted and (
            self.after_restart_seconds is None
            or self.after_restart_seconds > self.after_restart_deadline_seconds
        ):
            limit = self.after_restart_deadline_seconds
            found.append(f"not every item terminal {limit:.0f} s after the worker was back")
        if self.failure_reasons.get("(no reason)"):
            found.append("failed item(s) without a reason")
        return found


class Collector:
    """Session-wide list of outcomes; plugin.py prints it in the terminal summary."""

    def __init__(self) -> None:
        self.rows: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        self.rows.append(outcome)

    def table(self) -> str:
        header = (
            "scenario",
            "submitted",
            "completed",
            "failed",
            "lost",
            "emails",
            "dup",
            "recovery s",
            "after restart s",
        )
        lines = [header]
        for row in self.rows:
            recovery = f"{row.recovery_seconds:.1f}" if row.recovery_seconds is not None else "-"
            after_restart = "-"
            if row.restarted:
                measured = row.after_restart_seconds
                after_restart = f"{measured:.1f}" if measured is not None else "never"
                after_restart += f" (<= {row.after_restart_deadline_seconds:.0f})"
            lines.append(
                (
                    row.scenario,
                    str(row.submitted),
                    str(row.completed),
                    str(row.failed),
                    str(row.lost),
                    str(row.emails),
                    str(row.duplicated),
                    recovery,
                    after_restart,
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        out = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) for line in lines]
        out.insert(1, "-+-".join("-" * width for width in widths))
        details = []
        for row in self.rows:
            for reason, count in row.failure_reasons.items():
                details.append(f"  {row.scenario}: failed x{count}: {reason}")
            details.extend(f"  {row.scenario}: {note}" for note in row.notes)
        if details:
            out += ["", "notes:", *details]
        return "\n".join(out)


COLLECTOR = Collector()
