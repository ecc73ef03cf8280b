"""The processes a benchmark run needs, started with the production commands, in the live configuration."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tests.bench.providers import Emulator, ProviderCounts, forget_shared_limits, live_environment

ROOT = Path(__file__).resolve().parents[2]
# The original design: one email at a time, steps in sequence, nothing cached.
BASELINE = {
    "WORKER_POOL": "prefork",
    "WORKER_CONCURRENCY": "1",
    "PIPELINE_CONCURRENT_STEPS": "false",
    "ARXIV_CACHE_SECONDS": "0",
}
SCRIBE: dict[str, str] = {}  # the defaults in config/settings.py
MEMORY_MATRIX = [
    ("threads (scribe)", {"WORKER_POOL": "threads", "WORKER_CONCURRENCY": str(n)}, n) for n in (1, 4, 8, 16)
] + [
    ("prefork (for comparison)", {"WORKER_POOL": "prefork", "WORKER_CONCURRENCY": str(n)}, n) for n in (4, 8)
]
TEMPLATE = "Dear {{name}}, I read your paper {{research}} and would love to hear more about {{topic}}."
# The Pi layout's processes whose memory and CPU issue 13 budgets (beat, where it still runs, is shown apart).
BUDGET = ("api", "worker", "flower")
# What each process decides for itself in production: tracing only with a LOGFIRE_TOKEN (the test
# harness turns spans on for the tests that read them).
PRODUCTION_DEFAULTS = {"TRACING": "auto"}
# Compiled bytecode, as deploy.sh installs it (uv sync --compile-bytecode, compileall of the tree): the
# bench's processes read .pyc files from here instead of compiling every module they import at start.
BYTECODE = Path(tempfile.gettempdir()) / "scribe-bench-pycache"
NO_BYTECODE = {"PYTHONPYCACHEPREFIX": "", "PYTHONDONTWRITEBYTECODE": "1"}  # as deploy.sh did before


def compile_bytecode(*trees: Path) -> None:
    """Compile the virtualenv's packages and `trees` into BYTECODE, and have every process started from
    here on read it (an empty PYTHONPYCACHEPREFIX in a process's environment turns that off again)."""
    import sysconfig

    os.environ["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    skip = r"/(\.venv|\.uv-bootstrap|\.git|data)/"  # in a tree; the virtualenv is compiled on its own
    for paths, options in (
        ([sysconfig.get_path("purelib"), sysconfig.get_path("stdlib")], []),
        ([str(tree) for tree in trees], ["-x", skip]),
    ):
        command = [sys.executable, "-m", "compileall", "-q", "-j0", *options, *paths]
        subprocess.run(
            command, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )


@dataclass
class BatchRun:
    label: str
    emails: int
    completed: int
    seconds: float
    end_to_end: list[float]
    processing: list[float]
    cpu: dict[str, float]  # CPU seconds over the batch, per process tree
    peak_rss: int  # highest summed RSS of the BUDGET processes in one sample
    rss: dict[str, int]  # each process tree's own peak
    failed: int = 0
    providers: ProviderCounts | None = None

    @property
    def per_minute(self) -> float:
        return self.completed / self.seconds * 60

    def cpu_ms(self, name: str) -> float:
        return self.cpu.get(name, 0.0) / max(1, self.completed) * 1000

    @property
    def budget_cpu_ms(self) -> float:
        return sum(self.cpu_ms(name) for name in BUDGET)

    def budget_lines(self) -> str:
        """CPU per email and peak memory of the budgeted processes, each and summed, against the targets."""
        others = [name for name in self.cpu if name not in BUDGET]
        apart = "".join(
            f"; {name} {self.cpu_ms(name):.0f} ms, {self.rss.get(name, 0) / 2**20:.0f} MiB (not in the budget)"
            for name in others
        )
        return (
            f"  CPU per email: {' + '.join(f'{n} {self.cpu_ms(n):.1f}' for n in BUDGET)} = "
            f"{self.budget_cpu_ms:.0f} ms (target <= 50 ms){apart}\n"
            f"  peak RSS ({' + '.join(BUDGET)}, one sample): {self.peak_rss / 2**20:.0f} MiB (target <= 450 MiB); "
            f"each at its own peak: {', '.join(f'{n} {self.rss.get(n, 0) / 2**20:.0f}' for n in BUDGET)} MiB"
        )

    def report(self, critical: float) -> str:
        def q(values: list[float], p: int) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

        run, wait = self.processing, self.end_to_end
        providers = f"\n  {self.providers.line()}" if self.providers else ""
        return (
            f"{self.label}\n"
            f"  {self.completed}/{self.emails} completed, {self.failed} failed, in {self.seconds:.1f} s: "
            f"{self.per_minute:.1f} emails/min\n"
            f"  per email, started -> completed: p50 {q(run, 50):.2f} s, p95 {q(run, 95):.2f} s"
            f" (critical path {critical:.1f} s)\n"
            f"  per email, submitted -> completed: p50 {q(wait, 50):.1f} s, p95 {q(wait, 95):.1f} s\n"
            f"{self.budget_lines()}"
            f"{providers}"
        )


class Stack:
    """A fresh database, the emulator (seed latencies, arXiv's rules) and the API; workers per run.

    Every process runs the live configuration (providers.live_environment).
    """

    def __enter__(self) -> Stack:
        import tests.conftest as harness  # creates the run's database and sets the environment

        self.harness = harness
        harness.pytest_sessionstart(None)
        os.environ.update(live_environment(os.environ["EMULATOR_URL"]) | PRODUCTION_DEFAULTS)
        compile_bytecode(ROOT)
        self.providers = Emulator(os.environ["EMULATOR_URL"])
        from celery_config import celery_app

        celery_app.control.purge()  # tokens an earlier run left on a shared Redis are not this run's
        self.logs = Path(tempfile.mkdtemp(prefix="scribe-bench-"))
        port = harness.free_port()
        self.api_url = f"http://127.0.0.1:{port}"
        self.emulator = self._spawn(
            "emulator",
            [
                sys.executable,
                "-m",
                "services.emulator",
                "--port",
                str(harness.EMULATOR_PORT),
                "--latency",
                "seed",
                "--rules",
                "arxiv",
            ],
        )
        self.api = self._spawn(
            "api",
            [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port), "--timeout-keep-alive", "180"],
        )
        celery = [sys.executable, "-m", "celery", "-A", "celery_config.celery_app"]
        # Flower runs in production too: its memory belongs in the budget. (No beat: the workers
        # sweep for recovery themselves.)
        self.flower = self._spawn(
            "flower", [*celery, "flower", f"--port={harness.free_port()}", "--address=127.0.0.1"]
        )
        try:
            self._wait_http(f"{self.api_url}/health")
            self._wait_http(f"{os.environ['EMULATOR_URL']}/_emulator/stats")
        except BaseException:
            self.__exit__()
            raise
        return self

    def always_running(self) -> dict[str, int]:
        return {"api": self.api.pid, "flower": self.flower.pid}

    def idle_rss(self) -> dict[str, int]:
        """Resident memory of each always-running Scribe process, idle."""
        from tests.bench.procs import rss_bytes, tree

        return {name: rss_bytes(tree(pid)) for name, pid in self.always_running().items()}

    def __exit__(self, *exc: object | TracebackType) -> None:
        for process in (self.api, self.flower, self.emulator):
            process.terminate()
            process.wait(timeout=20)
        self.harness.pytest_sessionfinish(None, 0)

    def describe(self) -> str:
        database = "PostgreSQL" if self.harness.TEST_DATABASE_URL else "SQLite"
        broker = "Redis" if self.harness.TEST_REDIS_URL else "embedded filesystem broker"
        return (
            f"{database}, {broker}, live configuration (SCRIBE_PROVIDERS=live, real SDKs on the emulator's "
            f"base URLs), emulator with seed latencies and arXiv's rules, API = uvicorn (1 process)"
        )

    def _spawn(
        self, name: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(command, cwd=ROOT, env=os.environ | (env or {}), stdout=log, stderr=log)

    def _wait_http(self, url: str) -> None:
        # Imports alone took over 60 s with several suites sharing this machine's 2 cores.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"{url} did not come up; logs in {self.logs}")

    def _worker(self, env: dict[str, str], *, name: str | None = None) -> subprocess.Popen[bytes]:
        from tests.fixtures.worker import start_worker

        name = name or f"worker-{uuid.uuid4().hex[:6]}"
        return start_worker(self.logs / f"{name}.log", concurrency=None, name=name, env=env)

    def _user(self) -> dict[str, str]:
        return new_user(self.api_url)

    def _submit(self, headers: dict[str, str], count: int) -> list[uuid.UUID]:
        return submit(self.api_url, headers, count)

    def batch(
        self, label: str, emails: int, env: dict[str, str], *, rules: dict[str, Any] | None = None
    ) -> BatchRun:
        """One batch on a fresh worker; the emulator adds `rules` to arXiv's for this batch."""
        self.providers.reset(rules=rules)
        forget_shared_limits()
        worker = self._worker(env)
        try:
            processes = {**self.always_running(), "worker": worker.pid}
            run = measure_batch(self.api_url, processes, label, emails, wait_terminal)
        finally:
            stop(worker)
        run.providers = self.providers.counts()
        return run

    def _wait_terminal(self, ids: list[uuid.UUID], timeout: float) -> list[Any]:
        return wait_terminal(ids, timeout)

    def single_emails(self, count: int, env: dict[str, str]) -> list[float]:
        self.providers.reset()
        worker = self._worker(env)
        try:
            headers = self._user()
            self._submit(headers, 1)  # warm the worker's connections
            time.sleep(12)
            walls = []
            body = {"email_template": TEMPLATE, "recipient_name": "Amara Okafor"}
            body["recipient_interest"] = "robust reinforcement learning"
            for _ in range(count):
                started = time.perf_counter()
                task = httpx.post(f"{self.api_url}/api/email/generate", json=body, headers=headers).json()[
                    "task_id"
                ]
                while httpx.get(f"{self.api_url}/api/email/status/{task}", headers=headers).json()[
                    "status"
                ] not in {
                    "SUCCESS",
                    "FAILURE",
                }:
                    time.sleep(0.05)
                walls.append(time.perf_counter() - started)
            return walls
        finally:
            worker.terminate()
            worker.wait(timeout=120)

    def memory_at(self, env: dict[str, str], in_flight: int) -> int:
        from tests.bench.procs import PeakRss

        self.providers.reset()
        worker = self._worker(env)
        try:
            headers = self._user()
            with PeakRss({**self.always_running(), "worker": worker.pid}) as memory:
                ids = self._submit(headers, in_flight)
                self._wait_terminal(ids, timeout=120)
            return memory.peak
        finally:
            worker.terminate()
            worker.wait(timeout=120)


def stop(process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Warm shutdown (a profiled worker writes its profile then); killed if it does not end in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PROFILED = ROOT / "tests" / "bench" / "profiled.py"


def profiled_launcher(out: Path, mode: str = "cprofile") -> list[str]:
    """The `python -m celery` part of a worker command, for a worker profiled into `out` (mode
    "cprofile" or "sample", tests/bench/profiled.py).

    A script path rather than a module, so it also runs a baseline tree's worker (the tree is the cwd).
    """
    return [sys.executable, str(PROFILED), mode, str(out)]


def new_user(api_url: str) -> dict[str, str]:
    """A new user, initialised through the API; their request headers."""
    from tests.fixtures.auth import mint

    headers = {"Authorization": f"Bearer {mint(sub=str(uuid.uuid4()))}"}
    httpx.post(f"{api_url}/api/user/init", json={}, headers=headers).raise_for_status()
    return headers


def submit(api_url: str, headers: dict[str, str], count: int) -> list[uuid.UUID]:
    """One batch of `count` researchers from the emulator's roster, in one POST."""
    from services.emulator.roster import ROSTER

    people = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]
    items = [
        {
            "recipient_name": people[i % len(people)].name,
            "recipient_interest": people[i % len(people)].interest,
        }
        for i in range(count)
    ]
    response = httpx.post(
        f"{api_url}/api/queue/batch",
        json={"items": items, "email_template": TEMPLATE},
        headers=headers,
        timeout=60,
    )
    response.raise_for_status()
    return [uuid.UUID(i) for i in response.json()["queue_item_ids"]]


@dataclass
class Row:
    """What the bench reads of a queue item."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    attempts: int
    created_at: Any
    started_at: Any
    completed_at: Any


def wait_terminal(ids: list[uuid.UUID], timeout: float, database_url: str | None = None) -> list[Row]:
    """The items once all are completed or failed (or at the timeout), read from `database_url`
    (default: the run's database) through the table alone, so a baseline tree's database reads the same."""
    from sqlalchemy import create_engine, select

    from database.engine import get_engine
    from models import QueueItem

    engine = create_engine(database_url) if database_url else get_engine()
    items = QueueItem.__table__
    columns = [items.c[name] for name in ("id", "user_id", "status", "attempts")]
    columns += [items.c[name] for name in ("created_at", "started_at", "completed_at")]
    query = select(*columns).where(items.c.id.in_(ids))
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                rows = [Row(*found) for found in connection.execute(query)]
            if all(r.status in {"completed", "failed"} for r in rows) or time.monotonic() > deadline:
                return rows
            time.sleep(0.25)
    finally:
        if database_url:
            engine.dispose()


def measure_batch(
    api_url: str,
    processes: dict[str, int],
    label: str,
    emails: int,
    wait: Callable[..., list[Row]],
) -> BatchRun:
    """Submit `emails` for a new user and wait for them, measuring each process tree's CPU over the
    batch (utime + stime from /proc, before and after) and sampling RSS throughout."""
    from tests.bench.procs import PeakRss, tree_cpu

    headers = new_user(api_url)
    cpu_before = tree_cpu(processes)
    budgeted = {name: pid for name, pid in processes.items() if name in BUDGET}
    with PeakRss(processes) as each, PeakRss(budgeted) as summed:
        started = time.time()
        ids = submit(api_url, headers, emails)
        rows = wait(ids, timeout=emails * 15 + 60)
    cpu_after = tree_cpu(processes)
    done = [r for r in rows if r.status == "completed"]
    last = max(_timestamp(r.completed_at) for r in done) if done else time.time()
    return BatchRun(
        failed=sum(r.status == "failed" for r in rows),
        label=label,
        emails=emails,
        completed=len(done),
        seconds=last - started,
        end_to_end=[_timestamp(r.completed_at) - _timestamp(r.created_at) for r in done],
        processing=[_timestamp(r.completed_at) - _timestamp(r.started_at) for r in done],
        cpu={name: cpu_after[name] - cpu_before[name] for name in processes},
        peak_rss=summed.peak,
        rss=each.peaks,
    )


def _timestamp(value: Any) -> float:
    return float(value.timestamp())


__all__ = ["BASELINE", "BUDGET", "MEMORY_MATRIX", "SCRIBE", "BatchRun", "Stack", "statistics"]
