"""Resident memory of Scribe's long-running processes, idle: this tree against a baseline commit.

`python -m tests.bench.memory` prints, for each version, the RSS of the API (started, after its
first polls, after its first POST; and of `import main` plus the template route's modules and
agent, which stay resident after the first template), of an idle worker (production command,
default pool) and of Flower, all started with the production commands on this machine in this run. The baseline is the
last commit before the import diet (BENCH_MEMORY_BASELINE to choose another). Not a test: figures.
Environment: TEST_DATABASE_URL / TEST_REDIS_URL as for `make bench`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import httpx

from tests.bench import versions
from tests.bench.procs import rss_bytes, tree

BASELINE = os.environ.get("BENCH_MEMORY_BASELINE", "5fa8e4c^")
TEMPLATE = "Dear {{name}}, I read your paper on {{research}} with great interest."
MiB = 2**20


@dataclass
class Idle:
    label: str
    api_started: int
    api_polled: int
    api_posted: int
    api_templates: int
    worker: int
    flower: int

    def row(self) -> str:
        figures = (
            self.api_started,
            self.api_polled,
            self.api_posted,
            self.api_templates,
            self.worker,
            self.flower,
        )
        return f"{self.label:<48}" + "".join(f"{value / MiB:>11.0f}" for value in figures)


COLUMNS = ("api start", "api polled", "api posted", "+templates", "worker", "flower")
HEADER = f"{'MiB resident':<48}" + "".join(f"{name:>11}" for name in COLUMNS)
# The template route's modules and agent, loaded into a fresh `import main` (a template generation
# needs a resume server and a model; its imports are what stays resident).
TEMPLATE_ROUTE = """
import main
import pypdf
from config.settings import get_settings
from services import templates
from services.llm import build_agent
build_agent(get_settings().template_generator_model, templates.GeneratedTemplate, templates.INSTRUCTIONS)
print(int(open("/proc/self/statm").read().split()[1]) * 4096)
"""


def settle(pid: int) -> int:
    """RSS once start-up allocations have settled (the larger of two readings a second apart)."""
    time.sleep(2)
    first = rss_bytes(tree(pid))
    time.sleep(1)
    return max(first, rss_bytes(tree(pid)))


def measure(version: versions.Version, **env: str) -> Idle:
    from celery_config import celery_app
    from tests.conftest import free_port
    from tests.fixtures.auth import mint

    port = free_port()
    api = version.api(port, **env)
    try:
        started = settle(api.pid)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {mint(sub=str(uuid.uuid4()))}"}
        httpx.post(f"{base}/api/user/init", json={}, headers=headers).raise_for_status()
        for _ in range(5):
            httpx.get(f"{base}/api/queue/", headers=headers).raise_for_status()
        polled = settle(api.pid)
        body = {"email_template": TEMPLATE, "recipient_name": "Amara Okafor", "recipient_interest": "graphs"}
        task = httpx.post(f"{base}/api/email/generate", json=body, headers=headers)
        task.raise_for_status()
        httpx.get(f"{base}/api/email/status/{task.json()['task_id']}", headers=headers).raise_for_status()
        posted = settle(api.pid)
    finally:
        versions.stop(api)
    celery_app.control.purge()  # the queued email is not this bench's to run

    worker = version.worker(f"idle-{uuid.uuid4().hex[:6]}", **env)
    try:
        worker_rss = settle(worker.pid)
    finally:
        versions.stop(worker)
    flower = version.flower(free_port(), **env)
    try:
        flower_rss = settle(flower.pid)
    finally:
        versions.stop(flower)
    script = [sys.executable, "-c", TEMPLATE_ROUTE]
    loaded = subprocess.run(script, cwd=version.path, env=version.env(**env), capture_output=True, check=True)
    templates = int(loaded.stdout.split()[-1])
    label = version.label + (" " + " ".join(f"{k}={v}" for k, v in env.items()) if env else "")
    return Idle(label, started, polled, posted, templates, worker_rss, flower_rss)


def report() -> list[str]:
    """The table's lines; the caller has started the run (versions.start_run)."""
    lines = [HEADER]
    with versions.baseline(BASELINE, f"baseline {BASELINE} (before the diet)") as before:
        lines.append(measure(before).row())
    now = versions.current("this tree (no LOGFIRE_TOKEN: tracing off)")
    lines.append(measure(now).row())
    lines.append(measure(versions.current("this tree, as with a LOGFIRE_TOKEN:"), TRACING="on").row())
    return lines


if __name__ == "__main__":
    versions.standalone(
        "resident memory, idle: API, worker (production command, default pool), Flower", report
    )
