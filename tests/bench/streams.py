"""200 idle live streams: what they cost the API process, woken on change against polling.

`python -m tests.bench.streams` opens 200 SSE streams (40 users x 4 task streams + 1 queue stream,
every item pending, nothing changing) from a separate client process (httpx, asyncio) against one
uvicorn API process, waits until every stream has its first event, then reads the API's CPU time
(utime + stime of its process tree, /proc) over BENCH_STREAMS_SECONDS (30) and the database's
committed transactions over the same time. Run in turn against:
- the baseline commit (BENCH_STREAMS_BASELINE, the last one before wake on change): one poller
  per process reading every open stream's rows every 0.5 s;
- this tree with SSE_WAKE=poll (the same polling, through the new feed);
- this tree as deployed (Redis pub/sub change notices, a resync every SSE_RESYNC_SECONDS).
Each version gets a fresh database, so no broker token or row reaches the rest of the bench.
Target: < 5 % of one core for the 200 idle streams. Not a test: it prints figures.
Environment: TEST_DATABASE_URL / TEST_REDIS_URL as for `make bench` (without Redis this tree polls).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.bench import versions
from tests.bench.procs import cpu_seconds, tree

BASELINE = os.environ.get("BENCH_STREAMS_BASELINE", "857265c")
SECONDS = float(os.environ.get("BENCH_STREAMS_SECONDS", "30"))
USERS = 40
TASK_STREAMS_PER_USER = 4
STREAMS = USERS * (TASK_STREAMS_PER_USER + 1)
TARGET_PERCENT = 5.0
TEMPLATE = "Dear {{name}}, I read your paper on {{research}} with great interest."

# The client: its own process, so its CPU is not the API's. Prints "ready" once every stream has
# its first event, then keeps reading (keep-alive comments) until it is stopped.
CLIENT = r"""
import asyncio, json, sys
import httpx

async def main():
    spec = json.loads(sys.stdin.read())
    streams, opened = spec["streams"], 0
    limits = httpx.Limits(max_connections=len(streams) + 10, max_keepalive_connections=0)
    timeout = httpx.Timeout(60, read=None)
    async with httpx.AsyncClient(base_url=spec["base"], timeout=timeout, limits=limits) as client:
        async def one(path, token):
            nonlocal opened
            async with client.stream("GET", path, headers={"Authorization": "Bearer " + token}) as response:
                if response.status_code != 200:
                    print("refused", response.status_code, flush=True)
                    return
                first = True
                async for line in response.aiter_lines():
                    if first and line.startswith("data: "):
                        first, opened = False, opened + 1
                        if opened == len(streams):
                            print("ready", flush=True)
            print("ended", path, flush=True)
        await asyncio.gather(*(one(path, token) for path, token in streams))

asyncio.run(main())
"""


@dataclass
class Idle:
    label: str
    cpu_seconds: float
    transactions: int | None
    seconds: float

    def line(self) -> str:
        percent = self.cpu_seconds / self.seconds * 100
        met = "met" if percent < TARGET_PERCENT else "NOT met"
        database = (
            f", database {self.transactions / self.seconds:6.1f} transactions/s"
            if self.transactions is not None
            else ""
        )
        return (
            f"  {self.label:<58} API CPU {percent:5.2f} % of one core "
            f"({self.cpu_seconds:.2f} s in {self.seconds:.0f} s; target < {TARGET_PERCENT:g} %: {met}){database}"
        )


@contextlib.contextmanager
def fresh(label: str) -> Iterator[versions.Version]:
    """This tree on a database of its own, migrated by Alembic (the run's database stays untouched)."""
    from tests import conftest as harness

    if harness.TEST_DATABASE_URL:
        url = harness._create_postgres_database(harness.TEST_DATABASE_URL)
    else:
        url = f"sqlite:///{harness.RUN_DIR / f'streams-{uuid.uuid4().hex[:6]}.db'}"
    version = versions.Version(label, versions.ROOT, url)
    migrate = [sys.executable, "-m", "alembic", "upgrade", "head"]
    subprocess.run(migrate, cwd=versions.ROOT, env=version.env(), check=True, capture_output=True)
    try:
        yield version
    finally:
        if harness.TEST_DATABASE_URL:
            harness._drop_postgres_database(url)


def seed(base: str, database_url: str) -> list[tuple[str, str]]:
    """USERS users initialised through the API, one pending item each (written to the database:
    no broker token); returns the streams to open as (path, token)."""
    from models import User
    from services import queue
    from tests.fixtures.auth import mint

    engine = create_engine(database_url)
    streams = []
    try:
        for _ in range(USERS):
            user_id = uuid.uuid4()
            token = mint(sub=str(user_id))
            response = httpx.post(
                f"{base}/api/user/init", json={}, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            response.raise_for_status()
            with Session(engine) as session:
                user = session.get(User, user_id)
                assert user is not None
                [item] = queue.create_items(
                    session=session,
                    user=user,
                    items=[queue.NewItem("Ada Quill", "graphs")],
                    email_template=TEMPLATE,
                )
                session.commit()
                streams += [(f"/api/email/status/{item.id}/stream", token)] * TASK_STREAMS_PER_USER
                streams.append(("/api/queue/stream", token))
    finally:
        engine.dispose()
    return streams


def xact_counted(database_url: str) -> bool:
    return make_url(database_url).drivername.startswith("postgresql")


def transactions(database_url: str) -> int | None:
    """Transactions committed so far in this database (PostgreSQL's statistics), or None on SQLite."""
    if not xact_counted(database_url):
        return None
    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            return int(
                connection.scalar(
                    text("SELECT xact_commit FROM pg_stat_database WHERE datname = :name"),
                    {"name": url.database},
                )
                or 0
            )
    finally:
        engine.dispose()


def measure(version: versions.Version, label: str, **env: str) -> Idle:
    from tests.conftest import free_port

    port = free_port()
    api = version.api(port, **env)
    client: subprocess.Popen[str] | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        streams = seed(base, version.database_url)
        client = subprocess.Popen(
            [sys.executable, "-c", CLIENT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=versions.ROOT,
        )
        assert client.stdin is not None and client.stdout is not None
        client.stdin.write(json.dumps({"base": base, "streams": streams}))
        client.stdin.close()
        line = client.stdout.readline().strip()  # blocks until every stream has its first event
        if line != "ready":
            raise RuntimeError(f"the stream client said {line!r} instead of 'ready'")
        # Opening's own work settles, and PostgreSQL has published the counters of the connections
        # that opened the streams (an idle backend reports its counters within ~10 s).
        time.sleep(11 if xact_counted(version.database_url) else 3)
        pids = tree(api.pid)
        cpu_before, xacts_before = cpu_seconds(pids), transactions(version.database_url)
        started = time.monotonic()
        time.sleep(SECONDS)
        cpu, elapsed = cpu_seconds(tree(api.pid)) - cpu_before, time.monotonic() - started
        time.sleep(1)  # a busy backend publishes its counters about once a second
        xacts_after = transactions(version.database_url)
        if client.poll() is not None:
            raise RuntimeError("the stream client stopped during the measurement")
        moved = None if xacts_before is None or xacts_after is None else xacts_after - xacts_before
        return Idle(label, cpu, moved, elapsed)
    finally:
        if client is not None:
            client.terminate()
            client.wait(timeout=30)
        versions.stop(api)


def report() -> list[str]:
    """The bench's lines; the caller has started the run (versions.start_run)."""
    lines = [
        f"{STREAMS} idle SSE streams ({USERS} users x {TASK_STREAMS_PER_USER} task streams + 1 queue stream, "
        f"all pending, nothing changing) from a separate httpx process; API process CPU over {SECONDS:g} s",
    ]
    results = []
    with versions.baseline(BASELINE, "baseline") as before:
        results.append(measure(before, f"baseline {BASELINE}: every stream polled each 0.5 s"))
    with fresh("this tree") as now:
        results.append(measure(now, "this tree, SSE_WAKE=poll (0.5 s)", SSE_WAKE="poll"))
        wakes = "Redis change notices" if os.environ.get("REDIS_URL") else "no Redis: polling"
        results.append(measure(now, f"this tree, wake on change ({wakes})"))
    lines += [result.line() for result in results]
    return lines


if __name__ == "__main__":
    versions.standalone(f"{STREAMS} idle live streams", report)
