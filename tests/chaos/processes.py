"""Production `celery worker` processes for the chaos run, and the signals that hit them.

The worker command is the seed's, and nothing else runs beside it: no beat. Recovery after a kill
is the workers' own sweep (services/recovery.py).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count(1)


class CeleryProcess:
    """A celery command with its log; `ready_marker` in the log means it is serving."""

    def __init__(self, args: list[str], log_path: Path, ready_marker: bytes) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        command = [sys.executable, "-m", "celery", "-A", "celery_config.celery_app", *args]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=os.environ.copy(), stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ready_marker in log_path.read_bytes():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"{' '.join(args[:1])} did not start:\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acks, no cleanup — a power cut or the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 60) -> float:
        """SIGTERM (what systemd sends on stop) and wait for the exit; returns the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


def start_worker(log_dir: Path, *, concurrency: int) -> CeleryProcess:
    """The deploy unit's worker command (threads pool from settings), on both queues."""
    name = f"chaos{next(_names)}-{os.getpid()}"
    args = [
        "worker",
        "--loglevel=info",
        "--queues=email_default,celery",
        f"--concurrency={concurrency}",
        f"--hostname={name}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    return CeleryProcess(args, log_dir / f"{name}.log", b" ready.")


class Workers:
    """The run's worker processes: one shared worker survives from scenario to scenario (a start costs
    seconds), is replaced when a scenario kills or stops it, and extra ones can join a scenario."""

    def __init__(self, log_dir: Path, *, concurrency: int) -> None:
        self.log_dir = log_dir
        self.concurrency = concurrency
        self._main: CeleryProcess | None = None
        self._extra: list[CeleryProcess] = []

    def running(self) -> CeleryProcess:
        """The main worker, started first if none is running."""
        if self._main is None or self._main.process.poll() is not None:
            self._main = start_worker(self.log_dir, concurrency=self.concurrency)
        return self._main

    def revive(self) -> str | None:
        """Do what systemd's Restart=on-failure does for the deploy unit: start a main worker that
        exited on its own again. Returns what happened, for the scenario's notes."""
        main = self._main
        if main is None or main.process.poll() is None:
            return None
        crash = [
            line for line in main.log_path.read_text(errors="replace").splitlines() if "CRITICAL" in line
        ]
        reason = crash[-1].split("] ", 1)[-1][:160] if crash else "no reason logged"
        self.replace()
        return (
            f"worker exited by itself (code {main.process.returncode}: {reason}); restarted as systemd would"
        )

    def replace(self) -> CeleryProcess:
        """Start a new main worker (the old one was killed or stopped by the scenario)."""
        if self._main is not None:
            self._main.stop()
        self._main = None
        return self.running()

    def add(self, concurrency: int) -> CeleryProcess:
        worker = start_worker(self.log_dir, concurrency=concurrency)
        self._extra.append(worker)
        return worker

    def stop_extra(self) -> None:
        for worker in self._extra:
            worker.stop()
        self._extra.clear()

    def stop(self) -> None:
        self.stop_extra()
        if self._main is not None:
            self._main.stop()
