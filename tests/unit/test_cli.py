"""The operator CLI: `scribe dev-token` (SPEC §11)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from services.auth import get_token_verifier
from services.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    get_token_verifier.cache_clear()
    yield
    get_settings.cache_clear()
    get_token_verifier.cache_clear()


def test_dev_token_prints_only_a_token_the_api_accepts() -> None:
    sub = uuid.uuid4()
    result = runner.invoke(app, ["dev-token", "--sub", str(sub), "--email", "ada@uni.test", "--ttl", "120"])
    assert result.exit_code == 0, result.output
    claims = get_token_verifier().verify(result.stdout.strip())
    assert (claims.user_id, claims.email) == (sub, "ada@uni.test")
    assert str(sub) in result.stderr


def test_dev_token_without_sub_is_the_same_user_for_the_same_email() -> None:
    first = runner.invoke(app, ["dev-token", "--email", "ada@uni.test"])
    second = runner.invoke(app, ["dev-token", "--email", "ada@uni.test"])
    other = runner.invoke(app, ["dev-token", "--email", "bob@uni.test"])
    verify = get_token_verifier().verify
    assert verify(first.stdout.strip()).user_id == verify(second.stdout.strip()).user_id
    assert verify(first.stdout.strip()).user_id != verify(other.stdout.strip()).user_id


@pytest.mark.parametrize("args", [["--sub", "not-a-uuid"], ["--ttl", "0"]])
def test_dev_token_rejects_bad_options(args: list[str]) -> None:
    result = runner.invoke(app, ["dev-token", *args])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_dev_token_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "a-real-project-secret-value-0123456789")
    monkeypatch.setenv("SUPABASE_URL", "https://project.supabase.co")
    monkeypatch.setenv("SCRIBE_PROVIDERS", "local")
    result = runner.invoke(app, ["dev-token"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "ENVIRONMENT=production" in result.stderr
