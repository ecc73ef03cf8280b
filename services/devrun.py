"""`make run`: migrate, then start API, worker, Flower (and the provider emulator without keys).

The production processes and no others: recovery sweeps run inside the worker (services/recovery.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
API_PORT = int(os.environ.get("API_PORT", "8000"))
FLOWER_PORT = int(os.environ.get("FLOWER_PORT", "5555"))
KEEP_ALIVE = ["--timeout-keep-alive", "180"]


def _migrate() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def _start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    print(f"  starting {name}: {' '.join(args)}", flush=True)
    return subprocess.Popen(args, cwd=ROOT, env=env)


def _banner(local: bool) -> str:
    scribe = Path(sys.executable).with_name("scribe")
    lines = [
        "",
        "Scribe is running:",
        f"  API      http://127.0.0.1:{API_PORT}     docs http://127.0.0.1:{API_PORT}/docs",
        f"  Flower   http://127.0.0.1:{FLOWER_PORT}",
    ]
    if local:
        lines.append(f"  Emulator {get_settings().emulator_url}  (fictional providers: no keys configured)")
    lines += [
        "",
        "First email:",
        f"  TOKEN=$({scribe} dev-token)",
        f'  curl -s -X POST localhost:{API_PORT}/api/user/init -H "Authorization: Bearer $TOKEN" '
        "-H 'Content-Type: application/json' -d '{\"display_name\": \"Sam\"}'",
        f'  curl -s -X POST localhost:{API_PORT}/api/email/generate -H "Authorization: Bearer $TOKEN" '
        "-H 'Content-Type: application/json' -d '{\"email_template\": \"Dear {{name}}, I read your paper "
        '{{research}} and would love to join your lab.", "recipient_name": "Amara Okafor", '
        '"recipient_interest": "robust reinforcement learning"}\'',
        f'  curl -s localhost:{API_PORT}/api/email/status/TASK_ID -H "Authorization: Bearer $TOKEN"',
        f'  curl -s localhost:{API_PORT}/api/email/EMAIL_ID -H "Authorization: Bearer $TOKEN"',
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def main() -> None:
    settings = get_settings()
    local = settings.scribe_providers == "local"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    print("Migrating the database ...", flush=True)
    _migrate()
    env = os.environ.copy()
    python = sys.executable
    processes: list[subprocess.Popen[bytes]] = []
    if local:
        print("\n*** No provider keys: using the LOCAL PROVIDER EMULATOR (fictional researchers) ***\n")
        port = settings.emulator_url.rsplit(":", 1)[-1].rstrip("/")
        processes.append(
            _start("emulator", [python, "-m", "services.emulator", "--port", port, "--latency", "seed"], env)
        )
    celery = [python, "-m", "celery", "-A", "celery_config.celery_app"]
    concurrency = [f"--concurrency={settings.worker_concurrency}"]
    processes += [
        _start(
            "api",
            [
                python,
                "-m",
                "uvicorn",
                "main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(API_PORT),
                *KEEP_ALIVE,
            ],
            env,
        ),
        _start(
            "worker",
            [*celery, "worker", "--loglevel=info", "--queues=email_default,celery", *concurrency],
            env,
        ),
        _start("flower", [*celery, "flower", f"--port={FLOWER_PORT}", "--address=127.0.0.1"], env),
    ]
    time.sleep(3)
    print(_banner(local), flush=True)

    def stop(*_: object) -> None:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"a process exited with {process.returncode}: stopping", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
