"""Production mode: no public docs, no dev tokens, and no start with development secrets (SPEC §3, §9)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from config.settings import DEV_JWT_SECRET
from tests.security.live import ROOT, api_process

SUPABASE_URL = "https://qwertyuiopasdfghjklz.supabase.co"
PROJECT_SECRET = "prod-like-hs256-secret-" + "k3" * 20
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SUPABASE_URL": SUPABASE_URL,
    "SUPABASE_JWT_SECRET": PROJECT_SECRET,
    "SCRIBE_PROVIDERS": "local",
}


@pytest.fixture(scope="module")
def production_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with api_process(tmp_path_factory.mktemp("prod-api") / "api.log", **PRODUCTION) as base:
        yield base


def _token(secret: str, *, issuer: str = f"{SUPABASE_URL}/auth/v1") -> str:
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "email": "student@uni.test",
        "aud": "authenticated",
        "iss": issuer,
        "iat": now,
        "exp": now + 600,
        "role": "authenticated",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Run outside the repo so no .env is read; the code comes from PYTHONPATH.
    environment = {k: v for k, v in os.environ.items() if k not in ("SUPABASE_URL", "SUPABASE_JWT_SECRET")}
    environment |= {"PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", "from config.settings import get_settings; get_settings()"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"])
def test_docs_and_schema_are_not_served(production_api: str, path: str) -> None:
    response = httpx.get(f"{production_api}{path}", timeout=10)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not Found",
        "message": "Nothing exists at this address; check the URL.",
    }


def test_dev_secret_tokens_are_refused(production_api: str) -> None:
    for token in (_token(DEV_JWT_SECRET), _token(DEV_JWT_SECRET, issuer="scribe-local")):
        response = httpx.get(f"{production_api}/api/user", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_project_tokens_are_accepted(production_api: str) -> None:
    # The control: the production app does verify and serve real project tokens.
    headers = {"Authorization": f"Bearer {_token(PROJECT_SECRET)}"}
    assert httpx.post(f"{production_api}/api/user/init", json={}, headers=headers).status_code == 201
    response = httpx.get(f"{production_api}/api/user", headers=headers)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"


def test_startup_refuses_the_dev_secret_naming_the_variable(tmp_path: Path) -> None:
    result = _load_settings(tmp_path, **{**PRODUCTION, "SUPABASE_JWT_SECRET": DEV_JWT_SECRET})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SUPABASE_JWT_SECRET" in lines[0]
    assert DEV_JWT_SECRET not in result.stderr


def test_startup_refuses_production_without_supabase_url(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SUPABASE_URL"}
    result = _load_settings(tmp_path, **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SUPABASE_URL" in lines[0]


def test_production_settings_load_when_configured(tmp_path: Path) -> None:
    # The control for the refusals above: the same command succeeds with a real-looking config.
    result = _load_settings(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_the_production_server_command_exits_on_the_dev_secret(tmp_path: Path) -> None:
    env = os.environ | PRODUCTION | {"SUPABASE_JWT_SECRET": DEV_JWT_SECRET}
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "configuration error" in result.stderr
    assert "SUPABASE_JWT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr
