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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import func, select

from database.engine import session_scope
from models import Email, QueueItem, Template, User
from tests.conftest import free_port
from tests.fixtures.auth import mint

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
def serving(name: str, module_args: list[str], ready_path: str, log_path: Path, **env: str) -> Iterator[str]:
    """`python -m <module_args> --port N` with the test env plus `env`, until `ready_path` answers
    (any status); yields the base URL and stops the process afterwards."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *module_args, "--port", str(port)],
            cwd=ROOT,
            env=os.environ | env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # imports alone take tens of seconds on a loaded 2-core machine
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{log_path.read_text()[-3000:]}")
            try:
                httpx.get(f"{base}{ready_path}", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start:\n{log_path.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a wedged server may ignore SIGTERM
            process.kill()
            process.wait()


@contextmanager
def api_process(log_path: Path, **env_overrides: str) -> Iterator[str]:
    """`uvicorn main:app` in a subprocess with the test env plus `env_overrides`; yields its base URL."""
    # Any answer from /health, 200 or 503, means it serves.
    with serving("API", ["uvicorn", "main:app"], "/health", log_path, **env_overrides) as base:
        yield base


@contextmanager
def emulator_process(log_path: Path) -> Iterator[str]:
    """The provider emulator in a process of its own (zero latency); yields its base URL.

    Load tests use it so the emulator's CPU does not compete with the test's own clients for
    this process's GIL, which would make the figures the test prints about the emulator.
    """
    with serving("emulator", ["services.emulator"], "/_emulator/stats", log_path) as base:
        yield base


def new_user(base: str) -> tuple[uuid.UUID, dict[str, str]]:
    """A fresh user initialised through the API at `base`: (id, headers carrying their token)."""
    user_id = uuid.uuid4()
    headers = {"Authorization": f"Bearer {mint(sub=str(user_id))}"}
    response = httpx.post(f"{base}/api/user/init", json={}, headers=headers, timeout=30)
    assert response.status_code == 201, response.text
    return user_id, headers


def row_counts() -> dict[str, int]:
    """How many rows each user-data table holds: attacks and refusals must leave these unchanged."""
    with session_scope() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, QueueItem, Email, Template)
        }
