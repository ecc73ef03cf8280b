"""The systemd units: valid for systemd, local-only, draining, and limited as the budget says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from config.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = [*sorted(DEPLOY.glob("scribe*.service")), DEPLOY / "scribe.target"]
SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]


def _settings_of(unit: Path) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def _budget_table() -> dict[str, tuple[str, str]]:
    """Rows of the memory budget table in deploy/README.md: unit -> (MemoryHigh, MemoryMax)."""
    readme = (DEPLOY / "README.md").read_text()
    rows = re.findall(r"^\| (scribe-\w+\.service) \| (\w+) \| (\w+) \|", readme, re.M)
    return {name: (high, limit) for name, high, limit in rows}


def test_the_three_services_and_the_target_exist() -> None:
    """The seed's processes and nothing more: recovery runs inside the worker (SPEC §2)."""
    names = {unit.name for unit in UNITS}
    assert names == {
        "scribe-api.service",
        "scribe-worker.service",
        "scribe-flower.service",
        "scribe.target",
    }


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    # The venv binaries exist only on the Pi; verify checks that ExecStart is executable.
    for unit in UNITS:
        text = re.sub(r"/opt/scribe/\.venv/bin/\S+", "/bin/true", unit.read_text())
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and bad values are only warnings (exit 0), so the output must be clean too.
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "scribe" in line]
    assert result.returncode == 0, result.stderr
    assert ours == []


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_every_service_is_hardened_and_restarts_on_failure(unit: Path) -> None:
    values = _settings_of(unit)
    expected = {
        "User": "scribe",
        "WorkingDirectory": "/opt/scribe",
        "EnvironmentFile": "/etc/scribe/scribe.env",
        "Restart": "on-failure",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ReadWritePaths": "/opt/scribe/data",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    }
    assert {key: values.get(key, ["<missing>"])[-1] for key in expected} == expected
    assert "StartLimitBurst" in values
    assert "RestartSec" in values
    assert not [line for line in values.get("ExecStartPre", []) if "alembic" in line]


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_memory_limits_match_the_budget_table(unit: Path) -> None:
    values = _settings_of(unit)
    assert (values["MemoryHigh"][-1], values["MemoryMax"][-1]) == _budget_table()[unit.name]


def test_api_and_flower_listen_on_localhost_only() -> None:
    api = _settings_of(DEPLOY / "scribe-api.service")["ExecStart"][0]
    flower = _settings_of(DEPLOY / "scribe-flower.service")["ExecStart"][0]
    assert "--host 127.0.0.1 --port 8000 --timeout-keep-alive 180" in api
    assert "--address=127.0.0.1" in flower
    assert "--basic-auth=${FLOWER_BASIC_AUTH}" in flower


def test_worker_stop_drains_running_tasks_past_the_hard_time_limit() -> None:
    values = _settings_of(DEPLOY / "scribe-worker.service")
    # An email's own work plus celery_config's margin; time queued for rate limits is not drained for.
    hard_limit = Settings.model_fields["task_time_limit_seconds"].default + 45
    assert values["KillMode"] == ["mixed"]
    assert values["KillSignal"] == ["SIGTERM"]
    assert int(values["TimeoutStopSec"][0]) > hard_limit
    assert (
        "--queues=email_default,celery --pool=${WORKER_POOL} --concurrency=${WORKER_CONCURRENCY}"
        in (values["ExecStart"][0])
    )
