"""What each process loads at start: the API and Flower never import what only the worker or the
template route uses, and nothing imports Logfire/OpenTelemetry when no trace would leave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Only the worker and the template route use these; Logfire and OpenTelemetry's SDK only when tracing.
WORKER_ONLY = ("pydantic_ai", "anthropic", "openai", "services.llm", "pipeline.core.runner", "exa_py")
TEMPLATE_ROUTE_ONLY = ("pypdf",)
TRACING_ONLY = ("logfire", "opentelemetry.sdk", "requests")


def loaded_after(code: str, **env: str) -> set[str]:
    """The modules a fresh interpreter holds after `code`, with the test run's variables but none of
    the ones that decide what loads."""
    clean = {k: v for k, v in os.environ.items() if k not in {"TRACING", "PYDANTIC_DISABLE_PLUGINS"}}
    # A module set to None in sys.modules was kept out (observability/tracing.py), not loaded.
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(k for k, v in sys.modules.items() if v)))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean | {"LOGFIRE_TOKEN": ""} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules]


def test_the_api_loads_neither_the_pipeline_nor_pdf_nor_tracing() -> None:
    # A request too: routing, validation and serialisation must not pull anything in.
    modules = loaded_after(
        "import main\n"
        "from fastapi.testclient import TestClient\n"
        "assert TestClient(main.app).get('/openapi.json').status_code == 200"
    )
    assert "main" in modules
    assert heavy(modules, WORKER_ONLY + TEMPLATE_ROUTE_ONLY + TRACING_ONLY) == []


def test_flower_and_the_celery_app_load_no_tracing_and_no_pipeline() -> None:
    modules = loaded_after("import celery_config")
    assert heavy(modules, WORKER_ONLY + TEMPLATE_ROUTE_ONLY + TRACING_ONLY) == []


def test_a_ready_worker_loads_no_tracing() -> None:
    # In a worker's order: the app and its task modules, the start-up hook (agents built, every step
    # imported), then a task's own imports. pydantic-ai's spans must not bring Logfire in.
    modules = loaded_after(
        "import celery_config, tasks.email_tasks\ncelery_config._prepare_worker()\nimport services.generation"
    )
    assert "pipeline.core.runner" in modules
    # (requests comes with the arxiv package's feed parser, OpenTelemetry's SDK with redis.)
    assert heavy(modules, ("logfire", "logfire_api._logfire")) == []


def test_tracing_on_loads_logfire_and_instruments_the_app() -> None:
    modules = loaded_after("import main", TRACING="on")
    assert "logfire" in modules
    assert "opentelemetry.instrumentation.fastapi" in modules
    assert heavy(modules, WORKER_ONLY + TEMPLATE_ROUTE_ONLY) == []  # agents are instrumented when built


@pytest.mark.parametrize(
    ("tracing", "token", "enabled"),
    [("auto", None, False), ("auto", "lf-token", True), ("on", None, True), ("off", "lf-token", False)],
)
def test_tracing_follows_the_token_unless_forced(tracing: str, token: str | None, enabled: bool) -> None:
    settings = Settings(tracing=tracing, logfire_token=token)
    assert settings.tracing_enabled is enabled
