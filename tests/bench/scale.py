"""Scale-out: two worker processes with their own node names, as two Pis on one Redis and one PostgreSQL.

Each worker runs the production command (`-n w1@%h`, `-n w2@%h`) at WORKER_CONCURRENCY=BENCH_SCALE_CONCURRENCY
(4), so the workers' slots are the bottleneck: at the seed's latencies (~10 s an email) 4 slots make
~24 emails/min, well under what arXiv's pacing (author queries coalesced every 3 s) or the emulator
allow. The same batch runs on one worker, then on two: user A submits two thirds of BENCH_SCALE_EMAILS
(48), user B the rest right after. Printed: emails/min and the ratio (target >= 1.8x), exactly-once
(every item completed, attempts 1, one email row per item, each item in one worker's log only) and
fairness, the same with one worker and with two: A's items that started after B posted but before
B's first (only claims already under way may), and B's share of the starts while B had items waiting.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench import runs, versions
from tests.bench.providers import forget_shared_limits

EMAILS = int(os.environ.get("BENCH_SCALE_EMAILS", "48"))
CONCURRENCY = int(os.environ.get("BENCH_SCALE_CONCURRENCY", "4"))
COMPLETED = re.compile(r"'queue_item_id': '([0-9a-f-]{36})', 'status': 'completed'")


@dataclass
class ScaleRun:
    workers: int
    emails: int
    completed: int
    seconds: float
    per_worker: dict[str, int]
    problems: list[str] = field(default_factory=list)
    b_share: float = 0.0
    b_first: int = 0

    @property
    def per_minute(self) -> float:
        return self.completed / self.seconds * 60

    def lines(self) -> list[str]:
        split = ", ".join(f"{name} {count}" for name, count in sorted(self.per_worker.items()))
        once = "yes" if not self.problems else "NO: " + "; ".join(self.problems)
        return [
            f"{self.workers} worker(s) x {CONCURRENCY} slots: {self.completed}/{self.emails} in {self.seconds:.1f} s = "
            f"{self.per_minute:.1f} emails/min (by worker: {split})",
            f"  exactly once (all completed, attempts 1, one email row each, each in one worker's log): {once}",
            f"  fairness: {self.b_first} of A's items started after B posted and before B's first "
            f"(at most the {self.workers * CONCURRENCY} slots' claims already under way); from B's first start "
            f"to its last, B had {self.b_share:.0%} of the starts (50 % is strict alternation)",
        ]


def _batch(stack: runs.Stack, names: list[str]) -> ScaleRun:
    from sqlalchemy import func, select

    from database.engine import session_scope
    from models import Email

    stack.providers.reset()
    forget_shared_limits()
    version = versions.current("this tree")
    env = {"WORKER_CONCURRENCY": str(CONCURRENCY), "WORKER_POOL": "threads"}
    suffix = uuid.uuid4().hex[:4]
    workers = {name: version.launch_worker(f"{name}-{suffix}", versions.CELERY[:3], env) for name in names}
    try:
        user_a, user_b = runs.new_user(stack.api_url), runs.new_user(stack.api_url)
        b_count = EMAILS // 3
        started = time.time()
        ids_a = runs.submit(stack.api_url, user_a, EMAILS - b_count)
        b_posted = time.time()
        ids_b = runs.submit(stack.api_url, user_b, b_count)
        rows = runs.wait_terminal(ids_a + ids_b, timeout=EMAILS * 15 + 120)
    finally:
        for process in workers.values():
            runs.stop(process)
    done = [r for r in rows if r.status == "completed"]
    last = max(r.completed_at.timestamp() for r in done) if done else time.time()
    problems = []
    if len(done) != len(rows) or len(rows) != EMAILS:
        problems.append(f"{len(done)} of {EMAILS} completed")
    if retried := [r for r in rows if r.attempts != 1]:
        problems.append(f"{len(retried)} items ran more than once")
    with session_scope() as session:
        per_item = session.execute(
            select(Email.queue_item_id, func.count())
            .where(Email.queue_item_id.in_([r.id for r in rows]))
            .group_by(Email.queue_item_id)
        ).all()
    if extra := [item for item, count in per_item if count != 1]:
        problems.append(f"{len(extra)} items have several email rows")
    if len(per_item) != len(done):
        problems.append(f"{len(per_item)} email rows for {len(done)} completed items")
    seen: Counter[str] = Counter()
    per_worker = {}
    for name in names:
        log = Path(version.logs / f"{name}-{suffix}.log").read_text(errors="replace")
        items = set(COMPLETED.findall(log))
        per_worker[name] = len(items)
        seen.update(items)
    if twice := [item for item, count in seen.items() if count > 1]:
        problems.append(f"{len(twice)} items completed by both workers")
    b_ids = set(ids_b)
    starts = sorted((r for r in rows if r.started_at), key=lambda r: r.started_at)
    b_positions = [i for i, r in enumerate(starts) if r.id in b_ids]
    b_first = (
        sum(r.started_at.timestamp() >= b_posted for r in starts[: b_positions[0]]) if b_positions else 0
    )
    span = starts[b_positions[0] : b_positions[-1] + 1] if b_positions else []
    return ScaleRun(
        workers=len(names),
        emails=EMAILS,
        completed=len(done),
        seconds=last - started,
        per_worker=per_worker,
        problems=problems,
        b_share=sum(r.id in b_ids for r in span) / max(1, len(span)),
        b_first=b_first,
    )


def report(stack: runs.Stack) -> list[str]:
    one = _batch(stack, ["w1"])
    two = _batch(stack, ["w1", "w2"])
    return [
        f"batch: user A {EMAILS - EMAILS // 3} emails, then user B {EMAILS // 3}; WORKER_CONCURRENCY={CONCURRENCY} "
        "per worker (threads pool), seed latencies, arXiv's rules",
        *one.lines(),
        *two.lines(),
        f"ratio: {two.per_minute / one.per_minute:.2f}x one worker's emails/min (target >= 1.8x)",
    ]
