"""The API over real HTTP: in a thread of this process, or as a uvicorn subprocess with its own env.

A subprocess is the only robust way to run the app under other settings: settings and the token
verifier are cached once per process, and the session-wide `client` holds the test settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import func, select

from database.engine import session_scope
from models import Email, QueueItem, Template, User
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def api_in_thread() -> Iterator[str]:
    """This process's `main.app` behind a real uvicorn server (real sockets, chunked bodies)."""
    from main import app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("in-thread API did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def api_process(log_path: Path, **env_overrides: str) -> Iterator[str]:
    """`uvicorn main:app` in a subprocess with the test env plus `env_overrides`; yields its base URL."""
    port = free_port()
    env = os.environ | env_overrides
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # imports alone take tens of seconds on a loaded 2-core machine
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"API exited at start:\n{log_path.read_text()[-3000:]}")
            try:
                httpx.get(f"{base}/health", timeout=5)  # any answer, 200 or 503, means it serves
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"API did not start:\n{log_path.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def emulator_process(log_path: Path) -> Iterator[str]:
    """The provider emulator in a process of its own (zero latency); yields its base URL.

    Load tests use it so the emulator's CPU does not compete with the test's own clients for
    this process's GIL, which would make the figures the test prints about the emulator.
    """
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.emulator", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"emulator exited at start:\n{log_path.read_text()[-3000:]}")
            try:
                httpx.get(f"{base}/_emulator/stats", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("emulator did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def row_counts() -> dict[str, int]:
    """How many rows each user-data table holds: attacks and refusals must leave these unchanged."""
    with session_scope() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, QueueItem, Email, Template)
        }
