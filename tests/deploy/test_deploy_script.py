"""deploy/deploy.sh: the dry run changes nothing and shows the order a real deploy follows."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "deploy.sh"
# Every command deploy.sh could use to change the machine; the fakes record each call.
FAKED = ["git", "systemctl", "systemd-run", "runuser", "install", "curl", "redis-cli", "uv", "python3", "pip"]
FAKE = """#!/usr/bin/env bash
printf '%s\\n' "$(basename "$0") $*" >> "$FAKE_CALLS"
case "$(basename "$0") $*" in
  *rev-parse*) echo abc1234 ;;
  redis-cli*) echo PONG ;;
  curl*) [[ -z "${FAKE_CURL_FAIL:-}" ]] || exit 7; echo '{"status": "ok"}' ;;
esac
"""
# The steps of a deploy, in the order they must happen.
ORDER = [
    "git -C {dir} fetch",
    "git -C {dir} checkout --detach origin/main",
    "sync --frozen",
    # Drained before the migration: an ALTER TABLE must not wait behind a running email.
    "systemctl stop scribe-worker.service",
    "alembic upgrade head",
    "install -m 644",
    "systemctl daemon-reload",
    "systemctl restart scribe-api.service",
    "systemctl start scribe-worker.service",
    "curl",
]


def _snapshot(folder: Path) -> dict[str, tuple[int, float]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime) for p in sorted(folder.rglob("*"))}


def _positions(output: str, install_dir: Path) -> list[int]:
    lines = output.splitlines()
    positions = []
    for marker in (m.format(dir=install_dir) for m in ORDER):
        found = [i for i, line in enumerate(lines) if marker in line]
        assert found, f"step missing from the output: {marker}\n{output}"
        positions.append(found[0])
    return positions


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, str]:
    """A fake Pi: an install dir, an env file, a unit dir, and recording fakes first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in FAKED:
        fake = bin_dir / name
        fake.write_text(FAKE)
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    install_dir = tmp_path / "scribe"
    (install_dir / ".git").mkdir(parents=True)
    (install_dir / "deploy").mkdir()
    env_file = tmp_path / "scribe.env"
    env_file.write_text("ENVIRONMENT=production\nREDIS_URL=redis://127.0.0.1:6379/0\n")
    env_file.chmod(0o640)
    (tmp_path / "units").mkdir()
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_CALLS": str(tmp_path / "calls.log"),
        "SCRIBE_DIR": str(install_dir),
        "SCRIBE_ENV_FILE": str(env_file),
        "SCRIBE_UNIT_DIR": str(tmp_path / "units"),
        "SCRIBE_HEALTH_TIMEOUT": "1",
        "HOME": str(tmp_path),
    }


def _deploy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_dry_run_prints_every_step_in_deploy_order(machine: dict[str, str]) -> None:
    result = _deploy(machine, "--dry-run")
    assert result.returncode == 0, result.stderr
    positions = _positions(result.stdout, Path(machine["SCRIBE_DIR"]))
    assert positions == sorted(positions), result.stdout
    commands = [line for line in result.stdout.splitlines() if line.startswith(("+ ", "[dry-run] "))]
    assert all(line.startswith("[dry-run] ") for line in commands)


def test_dry_run_changes_nothing(machine: dict[str, str], tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    result = _deploy(machine, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert not Path(machine["FAKE_CALLS"]).exists(), Path(machine["FAKE_CALLS"]).read_text()
    assert _snapshot(tmp_path) == before


def test_dry_run_env_variable_works_like_the_flag(machine: dict[str, str]) -> None:
    by_env = _deploy({**machine, "DRY_RUN": "1"})
    by_flag = _deploy(machine, "--dry-run")
    assert by_env.returncode == 0, by_env.stderr
    assert by_env.stdout == by_flag.stdout
    assert not Path(machine["FAKE_CALLS"]).exists()


def test_dry_run_lists_preflight_problems_instead_of_stopping(machine: dict[str, str]) -> None:
    os.remove(machine["SCRIBE_ENV_FILE"])
    result = _deploy(machine, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"{machine['SCRIBE_ENV_FILE']} is missing" in result.stdout
    assert "preflight problem(s) would stop a real deploy" in result.stdout


def test_worker_only_machine_touches_neither_api_nor_flower(machine: dict[str, str]) -> None:
    result = _deploy({**machine, "SCRIBE_SERVICES": "worker"}, "--dry-run")
    assert result.returncode == 0, result.stderr
    systemctl = [line for line in result.stdout.splitlines() if "systemctl" in line]
    assert "[dry-run] systemctl stop scribe-worker.service" in systemctl
    assert not [line for line in systemctl if "api" in line or "flower" in line]
    assert "curl" not in result.stdout


def test_no_deploy_installs_or_starts_a_beat_process(machine: dict[str, str]) -> None:
    result = _deploy(machine, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "beat" not in result.stdout
    assert not (ROOT / "deploy" / "scribe-beat.service").exists()


def test_a_machine_upgraded_from_a_release_with_beat_stops_and_removes_it(machine: dict[str, str]) -> None:
    old_unit = Path(machine["SCRIBE_UNIT_DIR"]) / "scribe-beat.service"
    old_unit.write_text("[Service]\nExecStart=/bin/true\n")
    result = _deploy(machine, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    disable = lines.index("[dry-run] systemctl disable --now --quiet scribe-beat.service")
    remove = lines.index(f"[dry-run] rm -f {old_unit}")
    reload = next(i for i, line in enumerate(lines) if "systemctl daemon-reload" in line)
    migrate = next(i for i, line in enumerate(lines) if "alembic upgrade head" in line)
    assert disable < remove < migrate < reload
    assert old_unit.exists()  # a dry run


def test_unknown_argument_is_refused(machine: dict[str, str]) -> None:
    result = _deploy(machine, "--dryrun")
    assert result.returncode == 2
    assert "unknown argument: --dryrun" in result.stderr


root_only = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="a real (non-dry) run needs root; every side-effecting command is faked",
)


@root_only
def test_real_run_executes_the_steps_in_the_same_order(machine: dict[str, str]) -> None:
    result = _deploy({**machine, "SCRIBE_USER": "root"})
    assert result.returncode == 0, result.stdout + result.stderr
    calls = Path(machine["FAKE_CALLS"]).read_text()
    positions = _positions(calls, Path(machine["SCRIBE_DIR"]))
    assert positions == sorted(positions), calls


@root_only
def test_unhealthy_api_fails_the_deploy_with_a_rollback_hint(machine: dict[str, str]) -> None:
    result = _deploy({**machine, "SCRIBE_USER": "root", "FAKE_CURL_FAIL": "1"})
    assert result.returncode == 1
    assert "not healthy after 1s" in result.stderr
    assert "--ref abc1234" in result.stderr
