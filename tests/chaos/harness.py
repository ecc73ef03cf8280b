"""Drive a batch through the real API, workers and emulator; read its fate from the tables."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from config.settings import get_settings
from database.engine import session_scope
from models import Email, QueueItem, QueueStatus
from services.emulator.roster import ROSTER
from tests.chaos.processes import Workers
from tests.chaos.report import COLLECTOR, Outcome
from tests.fixtures.api import make_caller

TEMPLATE = (
    "Dear {{name}},\n\nI read your paper {{research}} and would love to learn more about your work "
    "on {{topic}}. Could we talk?\n\nBest,\nSam"
)
RESEARCHERS = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]
TERMINAL = frozenset({QueueStatus.COMPLETED, QueueStatus.FAILED})
ALL_ENDPOINTS = ["parser", "exa_search", "exa_contents", "summarizer", "arxiv", "composer"]


def assert_recovered(outcome: Outcome, *, all_completed: bool = True) -> None:
    """SPEC §6: nothing lost, nothing written twice, every failure explained (and, for faults that
    only cost time, nothing failed at all)."""
    assert not outcome.problems(), outcome
    if all_completed:
        assert outcome.completed == outcome.submitted, outcome


@dataclass(frozen=True)
class Row:
    id: uuid.UUID
    status: QueueStatus
    current_step: str | None
    step_status: str | None
    attempts: int
    error_message: str | None
    error_type: str | None
    started_at: datetime | None
    completed_at: datetime | None
    heartbeat_at: datetime | None = None
    enqueued_at: datetime | None = None


class Chaos:
    """One scenario: its own user and batch, the workers it started, and its outcome."""

    def __init__(self, client: TestClient, workers: Workers) -> None:
        self.client = client
        self.workers = workers
        self.ids: list[uuid.UUID] = []
        self.notes: list[str] = []
        self.fault_at: datetime | None = None
        self.back_at: datetime | None = None
        self._fault_clock = 0.0

    def submit(self, count: int) -> list[uuid.UUID]:
        """POST /api/queue/batch as a fresh user: rows committed, one token per row sent."""
        caller = make_caller(self.client)
        people = [RESEARCHERS[i % len(RESEARCHERS)] for i in range(count)]
        body = {
            "email_template": TEMPLATE,
            "items": [{"recipient_name": p.name, "recipient_interest": p.interest} for p in people],
        }
        response = self.client.post("/api/queue/batch", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
        self.ids = [uuid.UUID(i) for i in response.json()["queue_item_ids"]]
        return self.ids

    def rows(self) -> list[Row]:
        with session_scope() as session:
            items = session.scalars(select(QueueItem).where(QueueItem.id.in_(self.ids))).all()
            return [
                Row(
                    i.id,
                    QueueStatus(i.status),
                    i.current_step,
                    i.step_status,
                    i.attempts,
                    i.error_message,
                    i.error_type,
                    i.started_at,
                    i.completed_at,
                    i.heartbeat_at,
                    i.enqueued_at,
                )
                for i in items
            ]

    def wait_for(self, condition: Callable[[list[Row]], bool], *, timeout: float, what: str) -> list[Row]:
        """Poll the rows until `condition` holds; a database that is down just means "not yet"."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            restarted = self.workers.revive()
            if restarted:
                self.notes.append(restarted)
            try:
                rows = self.rows()
            except OperationalError:
                rows = []
            if rows and condition(rows):
                return rows
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}: {self._states()}")

    def mark_fault(self, description: str) -> None:
        self.fault_at = datetime.now(UTC)
        self._fault_clock = time.monotonic()
        self.notes.append(description)

    def restart_worker(self) -> None:
        """Start a new main worker (the seed's command, alone) in place of the one the scenario hit;
        from the moment it is ready, every item must be terminal within 2 x STALE_AFTER_SECONDS."""
        self.workers.replace()
        self.back_at = datetime.now(UTC)

    def outcome(self, scenario: str, *, deadline: float | None = None) -> Outcome:
        """Wait until every item is terminal or `deadline` s after the fault passed; count and record."""
        if deadline is None:
            deadline = 2.0 * get_settings().task_time_limit_seconds
        start = self._fault_clock or time.monotonic()
        remaining = max(1.0, start + deadline - time.monotonic())
        try:
            rows = self.wait_for(
                lambda rs: all(r.status in TERMINAL for r in rs), timeout=remaining, what="terminal"
            )
        except AssertionError:
            rows = self._rows_with_retry()
        outcome = self._count(scenario, rows, deadline)
        COLLECTOR.add(outcome)
        return outcome

    def _count(self, scenario: str, rows: list[Row], deadline: float) -> Outcome:
        with session_scope() as session:
            emails = session.scalar(select(func.count()).where(Email.queue_item_id.in_(self.ids))) or 0
            items_with_email = (
                session.scalar(
                    select(func.count(func.distinct(Email.queue_item_id))).where(
                        Email.queue_item_id.in_(self.ids)
                    )
                )
                or 0
            )
        completed = [r for r in rows if r.status == QueueStatus.COMPLETED]
        failed = [r for r in rows if r.status == QueueStatus.FAILED]
        reasons = Counter(f"{r.error_type}: {(r.error_message or '(no reason)')[:90]}" for r in failed)
        if any(not r.error_message for r in failed):
            reasons["(no reason)"] += 1
        finished = [r.completed_at for r in rows if r.status in TERMINAL and r.completed_at is not None]
        recovery = after_restart = None
        if self.fault_at is not None and finished and len(finished) == len(rows):
            recovery = max(0.0, (max(finished) - self.fault_at).total_seconds())
            if self.back_at is not None:
                after_restart = max(0.0, (max(finished) - self.back_at).total_seconds())
        attempts = Counter(r.attempts for r in rows)
        return Outcome(
            scenario=scenario,
            submitted=len(self.ids),
            completed=len(completed),
            failed=len(failed),
            lost=len(self.ids) - len(completed) - len(failed),
            emails=emails,
            duplicated=emails - items_with_email,
            recovery_seconds=recovery,
            deadline_seconds=deadline,
            restarted=self.back_at is not None,
            after_restart_seconds=after_restart,
            after_restart_deadline_seconds=2.0 * get_settings().stale_after_seconds,
            failure_reasons=reasons,
            notes=[
                *self.notes,
                f"attempts per item: {dict(sorted(attempts.items()))}",
                *(self._unfinished(r) for r in rows if r.status not in TERMINAL),
            ],
        )

    def _unfinished(self, row: Row) -> str:
        """What an item left unfinished looked like, for the notes (times from the fault)."""

        def since_fault(at: datetime | None) -> str:
            if at is None or self.fault_at is None:
                return "-"
            return f"{(at - self.fault_at).total_seconds():+.1f} s"

        return (
            f"unfinished {str(row.id)[:8]}: {row.status.value}/{row.current_step}, attempts {row.attempts}, "
            f"started {since_fault(row.started_at)}, heartbeat {since_fault(row.heartbeat_at)}, "
            f"enqueued {since_fault(row.enqueued_at)} (from the fault)"
        )

    def _rows_with_retry(self) -> list[Row]:
        for _ in range(50):
            try:
                return self.rows()
            except OperationalError:
                time.sleep(0.2)
        return self.rows()

    def _states(self) -> str:
        try:
            rows = self.rows()
        except OperationalError as exc:
            return f"database unavailable ({type(exc).__name__})"
        return str(Counter(f"{r.status}/{r.current_step}" for r in rows))

    def close(self) -> None:
        """Stop extra workers; unfinished items (a failed scenario) must not feed the next one."""
        self.workers.stop_extra()
        if self.ids:
            with session_scope() as session:
                session.execute(
                    update(QueueItem)
                    .where(QueueItem.id.in_(self.ids), QueueItem.status.not_in(TERMINAL))
                    .values(status=QueueStatus.CANCELLED)
                )
                session.commit()
