"""With the database unreachable the API answers 503, never 500, and says nothing internal."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.fixtures.auth import mint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def api_without_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = os.environ | {"DATABASE_URL": f"postgresql://scribe@127.0.0.1:{free_port()}/gone"}
    log = (tmp_path_factory.mktemp("api") / "api.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_health_is_503_with_the_same_shape(api_without_database: str) -> None:
    response = httpx.get(f"{api_without_database}/health", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "down"
    assert set(body) >= {"status", "database", "broker", "version", "timestamp"}


def test_api_is_503_not_500(api_without_database: str) -> None:
    headers = {"Authorization": f"Bearer {mint()}"}
    response = httpx.get(f"{api_without_database}/api/user", headers=headers, timeout=10)
    assert response.status_code == 503
    assert response.json() == {"detail": "Database unavailable; try again shortly"}
