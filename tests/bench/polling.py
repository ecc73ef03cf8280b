"""Polling that stays flat: 100 clients polling status and their queue list every second, 10,000 pending.

`python -m tests.bench.polling` seeds 100 users with 100 pending items each (10,000 in line, each
user's own list 120 items) and one user with a fresh 5-item batch, in two databases, and runs the
same phases against the API of a baseline commit (before the fair line's rewrite;
BENCH_POLLING_BASELINE) and of this tree, one uvicorn process each: the 100 users polling together,
then one user's list polled alone (the 5-item user, then a 100-item one). A mover turns two pending
items a second into processing, as workers would, so positions (and the lists' ETags) keep changing.

The load generator is wrk (Debian's `wrk`; C, its own process), one connection per client and
route, driven by tests/bench/polling.lua: a fixed schedule per connection with latencies counted
from each request's due time, so a slow answer cannot hide the requests it delays (coordinated
omission). Each client polls GET /api/email/status/{id} and GET /api/queue/ once a second.
Also printed: the line's SQL alone (claim and one user's positions), old query against new, in this
process. Not a test: figures. Environment: TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text, update

from tests.bench import versions
from tests.bench.procs import cpu_seconds, tree

BASELINE = os.environ.get("BENCH_POLLING_BASELINE", "60d1312")
SECONDS = float(os.environ.get("BENCH_POLLING_SECONDS", "30"))
USERS = 100
PENDING_PER_USER = 100
DONE_PER_USER = 20
LIGHT_PENDING = 5
WARMUP_MS = 3000
PERIOD_MS = 1000
MOVES_PER_SECOND = 2.0
TARGET_MS = {"status": 20.0, "queue": 30.0}
SCRIPT = Path(__file__).with_name("polling.lua")


@dataclass
class Queue:
    """The rows both databases get: users, their items, and the order the mover starts them in."""

    users: list[dict[str, Any]]
    items: list[dict[str, Any]]
    moves: list[uuid.UUID]
    first_item: dict[uuid.UUID, uuid.UUID]
    light_user: uuid.UUID


def build_queue(seed: int = 13) -> Queue:
    from models.base import utcnow

    rng = random.Random(seed)
    now = utcnow()
    users, items, pending = [], [], []
    first_item: dict[uuid.UUID, uuid.UUID] = {}
    for number in range(USERS):
        user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        users.append({"id": user_id, "email": f"bench-{number}@uni.test", "created_at": now})
        submitted = now - timedelta(seconds=rng.uniform(60, 3600))
        for index in range(PENDING_PER_USER):
            item_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            items.append(_item(item_id, user_id, index, "pending", submitted))
            pending.append(item_id)
            first_item.setdefault(user_id, item_id)
        for index in range(DONE_PER_USER):
            finished = now - timedelta(hours=rng.uniform(1, 20))
            items.append(
                _item(uuid.UUID(int=rng.getrandbits(128), version=4), user_id, index, "completed", finished)
            )
    rng.shuffle(pending)
    # A student who just sent a small batch, behind everyone else's backlog.
    light = uuid.UUID(int=rng.getrandbits(128), version=4)
    users.append({"id": light, "email": "bench-light@uni.test", "created_at": now})
    for index in range(LIGHT_PENDING):
        items.append(_item(uuid.UUID(int=rng.getrandbits(128), version=4), light, index, "pending", now))
    return Queue(users, items, pending, first_item, light)


def _item(item_id: uuid.UUID, user_id: uuid.UUID, index: int, status: str, created_at: Any) -> dict[str, Any]:
    # Only columns every version has, so the baseline's schema takes the same rows.
    return {
        "id": item_id,
        "user_id": user_id,
        "batch_index": index,
        "recipient_name": f"Professor Number {index}",
        "recipient_interest": "graph neural networks",
        "email_template": "Dear {{name}}, I read your work on {{research}}.",
        "status": status,
        "created_at": created_at,
    }


def load(database_url: str, queue: Queue) -> None:
    from models import QueueItem, User

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(insert(User), queue.users)
        connection.execute(insert(QueueItem), queue.items)
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of such a load: statistics and the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE queue_items"))
    engine.dispose()


class Mover(threading.Thread):
    """Starts `MOVES_PER_SECOND` pending items a second, in a fixed order: positions keep changing."""

    def __init__(self, database_url: str, moves: list[uuid.UUID]) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(database_url)
        self.moves = moves
        self.stopped = threading.Event()

    def run(self) -> None:
        from models import QueueItem

        while not self.stopped.wait(1 / MOVES_PER_SECOND):
            with self.engine.begin() as connection:
                connection.execute(
                    update(QueueItem).where(QueueItem.id == self.moves.pop()).values(status="processing")
                )

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.engine.dispose()


@dataclass
class LoadResult:
    label: str
    latencies: dict[str, list[float]]
    codes: dict[str, dict[int, int]]
    body_bytes: dict[str, dict[int, int]]
    errors: int
    seconds: float
    api_cpu_seconds: float

    def lines(self) -> list[str]:
        lines = [self.label]
        total = sum(len(values) for values in self.latencies.values())
        for route in ("status", "queue"):
            values = sorted(self.latencies.get(route, []))
            if not values:
                continue
            codes = self.codes[route]
            answers = ", ".join(
                f"{count} x {status} ({self.body_bytes[route][status] / count / 1024:.1f} KiB)"
                for status, count in sorted(codes.items())
            )
            met = "met" if _quantile(values, 99) < TARGET_MS[route] else "NOT met"
            lines.append(
                f"  {route:<6} {len(values) / self.seconds:5.0f} req/s  p50 {_quantile(values, 50):6.1f} ms"
                f"  p90 {_quantile(values, 90):6.1f}  p99 {_quantile(values, 99):6.1f}  max {values[-1]:7.1f}"
                f"  (target p99 < {TARGET_MS[route]:.0f} ms: {met}); {answers}"
            )
        lines.append(
            f"  API CPU {self.api_cpu_seconds / max(1, total) * 1000:.2f} ms per request "
            f"({self.api_cpu_seconds / self.seconds * 100:.0f} % of a core); wrk errors {self.errors}"
        )
        return lines


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Client:
    """One wrk connection: a user polling one path at a fixed period."""

    route: str
    path: str
    user_id: uuid.UUID
    period_ms: float = PERIOD_MS


def everyone(queue: Queue) -> list[Client]:
    """Each of the 100 users polls its first task's status and its queue list once a second."""
    clients = []
    for user in queue.users[:USERS]:
        clients.append(Client("status", f"/api/email/status/{queue.first_item[user['id']]}", user["id"]))
        clients.append(Client("queue", "/api/queue/", user["id"]))
    return clients


def alone(user_id: uuid.UUID) -> list[Client]:
    """One user's queue list, ten polls a second, nobody else polling."""
    return [Client("queue", "/api/queue/", user_id, period_ms=100)]


def run_load(
    version: versions.Version,
    moves: list[uuid.UUID],
    phases: list[tuple[str, list[Client], bool]],
    **env: str,
) -> list[LoadResult]:
    """One uvicorn process of `version`, the phases (label, clients, If-None-Match?) one after
    another; `moves` is consumed as the mover starts items."""
    from tests.conftest import free_port

    port = free_port()
    api = version.api(port, **env)
    mover = Mover(version.database_url, moves)
    mover.start()
    try:
        results = []
        for label, clients, conditional in phases:
            results.append(_wrk(port, api.pid, label, clients, conditional))
            _drained(api.pid)
        return results
    finally:
        mover.stop()
        versions.stop(api)


def _drained(pid: int, timeout: float = 90) -> None:
    """Wait until the API has answered what a saturating phase left queued (under 5 % of a core)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(tree(pid))
        time.sleep(1)
        if cpu_seconds(tree(pid)) - before < 0.05:
            return


def _wrk(port: int, api_pid: int, label: str, clients: list[Client], conditional: bool) -> LoadResult:
    from tests.fixtures.auth import mint

    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="scribe-wrk-"))
    lines = [
        f"{c.route}\t{c.path}\t{mint(sub=str(c.user_id))}\t{rng.uniform(0, c.period_ms):.1f}\t{c.period_ms}\t"
        f"{int(conditional)}\n"
        for c in clients
    ]
    (work / "clients.tsv").write_text("".join(lines))
    env = os.environ | {
        "WRK_CLIENTS": str(work / "clients.tsv"),
        "WRK_OUT": str(work / "out.tsv"),
        "WRK_WARMUP_MS": str(WARMUP_MS),
    }
    connections = str(len(lines))
    duration = f"{int(SECONDS + WARMUP_MS / 1000)}s"
    command = ["wrk", "-t", connections, "-c", connections, "-d", duration, "--timeout", "10s"]
    cpu_before = cpu_seconds(tree(api_pid))
    subprocess.run(
        [*command, "-s", str(SCRIPT), f"http://127.0.0.1:{port}"], env=env, check=True, capture_output=True
    )
    cpu = cpu_seconds(tree(api_pid)) - cpu_before
    result = _parse(work / "out.tsv", label, cpu)
    shutil.rmtree(work)
    return result


def _parse(path: Path, label: str, cpu: float) -> LoadResult:
    latencies: dict[str, list[float]] = defaultdict(list)
    codes: dict[str, dict[int, int]] = defaultdict(dict)
    sizes: dict[str, dict[int, int]] = defaultdict(dict)
    errors = 0
    for line in path.read_text().splitlines():
        kind, *rest = line.split("\t")
        if kind == "lat":
            latencies[rest[0]].append(float(rest[1]))
        elif kind == "code":
            route, status, count, size = rest[0], int(rest[1]), int(rest[2]), int(rest[3])
            codes[route][status] = codes[route].get(status, 0) + count
            sizes[route][status] = sizes[route].get(status, 0) + size
        elif kind == "errors":
            errors = int(rest[0])
    # CPU was sampled over the whole wrk run, warm-up included.
    return LoadResult(
        label, latencies, codes, sizes, errors, SECONDS, cpu * SECONDS / (SECONDS + WARMUP_MS / 1000)
    )


def sql_timings(database_url: str, users: dict[str, uuid.UUID]) -> list[str]:
    """The line's queries alone, old formulation against new, on the loaded database."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from models import QueueItem, QueueStatus
    from models.base import utcnow
    from services import fair_queue, queue

    engine = create_engine(database_url)

    def whole_line_list(user_id: uuid.UUID) -> Callable[[Session], object]:
        def run(session: Session) -> object:
            # services/queue.list_recent as it was: the caller's rows joined to the whole ranked line.
            line = fair_queue.line().subquery()
            return session.execute(
                select(QueueItem, line.c.position)
                .outerjoin(line, line.c.id == QueueItem.id)
                .where(
                    QueueItem.user_id == user_id,
                    QueueItem.created_at >= utcnow() - timedelta(hours=24),
                    QueueItem.status != QueueStatus.CANCELLED,
                )
                .order_by(QueueItem.created_at, QueueItem.batch_index, QueueItem.id)
            ).all()

        return run

    def list_now(user_id: uuid.UUID) -> Callable[[Session], object]:
        return lambda session: queue.list_recent(session=session, user_id=user_id)

    def whole_line_claim(session: Session) -> object:
        line = fair_queue.line().subquery()
        return session.scalars(select(line.c.id).order_by(line.c.position).limit(8)).all()

    cases: list[tuple[str, Callable[[Session], object]]] = [
        ("claim: rank the whole line (before)", whole_line_claim),
        ("claim: next_candidates (now)", lambda s: fair_queue.next_candidates(s)),
    ]
    for name, user_id in users.items():
        cases.append((f"list of a user with {name}: whole line (before)", whole_line_list(user_id)))
        cases.append((f"list of a user with {name}: positions (now)", list_now(user_id)))
    lines = []
    with Session(engine) as session:
        for label, query in cases:
            times = []
            for _ in range(60):
                started = time.perf_counter()
                query(session)
                session.rollback()
                times.append((time.perf_counter() - started) * 1000)
            ordered = sorted(times[10:])
            lines.append(
                f"  {label:<52} p50 {statistics.median(ordered):6.1f} ms  p99 {_quantile(ordered, 99):6.1f} ms"
            )
    engine.dispose()
    return lines


def report() -> list[str]:
    """The bench's lines; the caller has started the run (versions.start_run)."""
    if not shutil.which("wrk"):
        return ["skipped: wrk not found (apt-get install -y wrk)"]
    queue = build_queue()
    light, heavy = queue.light_user, queue.users[0]["id"]
    lines = [
        f"line: {USERS} users x {PENDING_PER_USER} pending + one user with {LIGHT_PENDING} = "
        f"{USERS * PENDING_PER_USER + LIGHT_PENDING} pending items; a heavy user's list has "
        f"{PENDING_PER_USER + DONE_PER_USER} items; a mover starts {MOVES_PER_SECOND:g} items/s",
        f"load: wrk, fixed rate per connection, latency from each request's due time; {SECONDS:g} s per phase",
    ]
    solo = [
        (f"one user's list ({LIGHT_PENDING} pending), alone, 10 polls/s", alone(light), False),
        (f"one user's list ({PENDING_PER_USER} pending), alone, 10 polls/s", alone(heavy), False),
    ]
    crowd = f"{USERS} clients x (status + queue list) each second"
    results = []
    with versions.baseline(BASELINE, "baseline") as before:
        load(before.database_url, queue)
        phases = [(f"{crowd}, no ETag", everyone(queue), False), *solo]
        results.append(
            (
                f"baseline {BASELINE}: the whole line ranked per poll, no ETag",
                run_load(before, list(queue.moves), phases),
            )
        )
    now = versions.current("this tree")
    load(now.database_url, queue)
    moves = list(queue.moves)
    phases = [
        (f"{crowd}, without If-None-Match", everyone(queue), False),
        (f"{crowd}, revalidating (If-None-Match)", everyone(queue), True),
        *solo,
    ]
    results.append(("this tree (no LOGFIRE_TOKEN: tracing off)", run_load(now, moves, phases)))
    traced = [(f"{crowd}, without If-None-Match", everyone(queue), False)]
    results.append(
        ("this tree as with a LOGFIRE_TOKEN (TRACING=on)", run_load(now, moves, traced, TRACING="on"))
    )
    for title, measured in results:
        lines.append(title)
        for result in measured:
            lines += ["  " + line for line in result.lines()]
    lines.append(f"the line's SQL alone, {USERS * PENDING_PER_USER} pending, in this process:")
    lines += sql_timings(
        now.database_url, {f"{PENDING_PER_USER} pending": heavy, f"{LIGHT_PENDING} pending": light}
    )
    return lines


if __name__ == "__main__":
    versions.standalone("polling: 100 clients, status + queue list every second, 10,000 pending", report)
