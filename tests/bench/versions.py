"""Two versions of Scribe side by side in one bench run: this tree and an earlier commit (the baseline).

The baseline is `git archive` of that commit in a temporary folder, run with the same interpreter,
the same installed packages and its own database migrated by its own Alembic, so before/after
figures come from the same machine at the same moment.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Version:
    """A source tree to run Scribe's processes from, with its own database."""

    label: str
    path: Path
    database_url: str
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="scribe-bench-")))

    def env(self, **extra: str) -> dict[str, str]:
        # What decides what a process loads is each version's own default: the test harness asks for
        # spans (TRACING) and importing this tree sets PYDANTIC_DISABLE_PLUGINS in this process.
        base = {k: v for k, v in os.environ.items() if k not in {"TRACING", "PYDANTIC_DISABLE_PLUGINS"}}
        return base | {"DATABASE_URL": self.database_url, "LOGFIRE_TOKEN": ""} | extra

    def spawn(self, name: str, command: list[str], **extra: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(
            command, cwd=self.path, env=self.env(**extra), stdout=log, stderr=subprocess.STDOUT
        )

    def api(self, port: int, **extra: str) -> subprocess.Popen[bytes]:
        """The production command, one uvicorn process."""
        command = [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port)]
        process = self.spawn(f"api-{port}", [*command, "--timeout-keep-alive", "180"], **extra)
        wait_http(f"http://127.0.0.1:{port}/health", process, self.logs)
        return process

    def flower(self, port: int, **extra: str) -> subprocess.Popen[bytes]:
        command = [*CELERY, "flower", f"--port={port}", "--address=127.0.0.1"]
        process = self.spawn(f"flower-{port}", command, **extra)
        wait_http(f"http://127.0.0.1:{port}/", process, self.logs)
        return process

    def worker(self, name: str, **extra: str) -> subprocess.Popen[bytes]:
        """The production worker command at its default pool and concurrency, once it is ready."""
        return self.launch_worker(name, CELERY[:3], extra)

    def launch_worker(self, name: str, launcher: list[str], extra: dict[str, str]) -> subprocess.Popen[bytes]:
        """The worker command with `launcher` for `python -m celery` (tests/bench/profiled.py)."""
        command = [
            *launcher,
            *CELERY[3:],
            "worker",
            "--loglevel=info",
            "--queues=email_default,celery",
            f"--hostname={name}@%h",
        ]
        process = self.spawn(name, command, **extra)
        log = self.logs / f"{name}.log"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if b" ready." in log.read_bytes():
                return process
            time.sleep(0.2)
        process.kill()
        raise RuntimeError(f"worker {name} did not start; log in {log}")


CELERY = [sys.executable, "-m", "celery", "-A", "celery_config.celery_app"]


def wait_http(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=2)
            return
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not come up; logs in {logs}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def baseline(rev: str, label: str) -> Iterator[Version]:
    """Commit `rev` unpacked in a temporary folder, with a fresh database migrated by its Alembic."""
    from tests import conftest as harness  # the run's environment (database server, broker, secrets)

    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="scribe-baseline-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        if harness.TEST_DATABASE_URL:
            url = harness._create_postgres_database(harness.TEST_DATABASE_URL)
        else:
            url = f"sqlite:///{Path(folder) / 'baseline.db'}"
        version = Version(label, Path(folder), url)
        if os.environ.get("PYTHONPYCACHEPREFIX"):  # the bench compiles what its processes run
            compile_tree = [sys.executable, "-m", "compileall", "-q", "-j0", folder]
            subprocess.run(compile_tree, env=os.environ, capture_output=True, check=False)
        migrate = [sys.executable, "-m", "alembic", "upgrade", "head"]
        subprocess.run(migrate, cwd=folder, env=version.env(), check=True, capture_output=True)
        try:
            yield version
        finally:
            if harness.TEST_DATABASE_URL:
                harness._drop_postgres_database(url)


def current(label: str) -> Version:
    """This tree, on the run's database (created and migrated by the test harness)."""
    from tests import conftest as harness

    return Version(label, ROOT, harness.DATABASE_URL)


def start_run() -> None:
    """Create the run's database and environment the way the test suite does."""
    from tests import conftest as harness

    harness.pytest_sessionstart(None)


def finish_run() -> None:
    from tests import conftest as harness

    harness.pytest_sessionfinish(None, 0)


def standalone(title: str, report: Callable[[], list[str]]) -> None:
    """`python -m tests.bench.<section>`: one section's report in a run of its own, with its time."""
    started = time.monotonic()
    start_run()
    try:
        print(f"machine: {machine()}")
        print(f"== {title} ==")
        print("\n".join(report()))
    finally:
        finish_run()
    print(f"\n(took {time.monotonic() - started:.0f} s)")


def machine() -> str:
    cpu = "unknown cpu"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, "
        f"Python {platform.python_version()}, load average {load}"
    )
