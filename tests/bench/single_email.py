"""One email end to end (API → broker → real worker → emulator with the seed's latencies).

Run: .venv/bin/python -m tests.bench.single_email   (uses TEST_DATABASE_URL / TEST_REDIS_URL if set)
Prints the wall time from POST to SUCCESS, the step timings, and the comparison with the
sum of the seed's step latencies (10.4 s) and the critical path (9.6 s).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

SEED_SUM = 1.2 + 5.3 + 0.8 + 3.1
CRITICAL_PATH = 1.2 + max(5.3, 0.8) + 3.1


def main() -> None:
    import tests.conftest as harness  # sets the environment: a fresh database, the emulator URL

    harness.pytest_sessionstart(None)
    from fastapi.testclient import TestClient

    from main import app
    from services.emulator import start_in_thread
    from tests.fixtures.api import make_caller
    from tests.fixtures.worker import start_worker, stop_worker

    emulator = start_in_thread(harness.EMULATOR_PORT, latency="seed")
    worker = start_worker(Path(tempfile.mkdtemp()) / "worker.log", concurrency=1, name="bench")
    try:
        with TestClient(app) as client:
            caller = make_caller(client)
            body = {
                "email_template": "Dear {{name}}, I read your paper {{research}} and would love to talk.",
                "recipient_name": "Amara Okafor",
                "recipient_interest": "robust reinforcement learning",
            }
            results = []
            for _ in range(3):
                started = time.perf_counter()
                task_id = client.post("/api/email/generate", json=body, headers=caller.headers).json()[
                    "task_id"
                ]
                while True:
                    status = client.get(f"/api/email/status/{task_id}", headers=caller.headers).json()
                    if status["status"] in {"SUCCESS", "FAILURE"}:
                        break
                    time.sleep(0.05)
                results.append((time.perf_counter() - started, status))
    finally:
        stop_worker(worker)
        emulator.stop()
        harness.pytest_sessionfinish(None, 0)

    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"database: {'PostgreSQL' if harness.TEST_DATABASE_URL else 'SQLite'}; "
        f"broker: {'Redis' if harness.TEST_REDIS_URL else 'embedded filesystem'}"
    )
    for wall, status in results:
        timings = (status.get("result") or {}).get("step_timings", {})
        print(f"{status['status']}: POST→SUCCESS {wall:.2f} s; steps {timings}")
    best = min(wall for wall, _ in results)
    print(
        f"best {best:.2f} s vs seed sum {SEED_SUM:.1f} s (ratio {best / SEED_SUM:.2f}); "
        f"critical path {CRITICAL_PATH:.1f} s (+{best - CRITICAL_PATH:.2f} s)"
    )


if __name__ == "__main__":
    main()
