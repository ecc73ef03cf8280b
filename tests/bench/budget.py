"""A Pi's budget per email, before and after: CPU of every Scribe process and peak memory over a
batch, and where the worker's CPU goes.

For a baseline commit (BENCH_BUDGET_BASELINE, default the last commit before this work) and this
tree, each with its own database: the Pi layout's processes (API, Flower, a worker at its default
pool and concurrency; production commands, production defaults: no LOGFIRE_TOKEN, so no tracing)
run a batch of BENCH_EMAILS (60) on the bench's emulator, then two profiled workers
(tests/bench/profiled.py: cProfile, then a sampler) run BENCH_PROFILE_EMAILS (30) each. Printed: CPU per email of each process
tree (utime + stime from /proc, before and after the batch, over completed emails), the highest
summed RSS sampled during the batch and each process's own peak, and the profile's top entries by
own time and by cumulative time in ms per email.

"As deployed": deploy.sh now installs compiled bytecode (uv sync --compile-bytecode, compileall of
the tree; the units cannot write .pyc files under ProtectSystem=strict), so this tree runs with the
bench's compiled bytecode (runs.BYTECODE) and the baseline without, as it was deployed. This tree is
also measured without compiled bytecode and as with a LOGFIRE_TOKEN (BENCH_BUDGET_VARIANTS=0 leaves
both out; BENCH_BUDGET_BASELINE= empty leaves the baseline out).
"""

from __future__ import annotations

import json
import os
import pstats
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tests.bench import profiled, runs, versions
from tests.bench.providers import Emulator, forget_shared_limits

BASELINE = os.environ.get("BENCH_BUDGET_BASELINE", "857265c")
TOP = int(os.environ.get("BENCH_PROFILE_TOP", "15"))
MiB = 2**20
# Frames that only carry other frames (thread start, the loop, pool plumbing): their cumulative time
# is everything, which says nothing; left out of the cumulative list.
SCAFFOLDING = (
    "threading.py",
    "concurrent/futures/thread.py",
    "asyncio/base_events.py",
    "asyncio/events.py",
    "contextvars",
    "{method 'run' of '_contextvars.Context' objects}",
)


@dataclass
class Profile:
    """A worker's profile over `emails`: cProfile's own time, the sampler's cumulative time."""

    emails: int
    own: pstats.Stats | None
    sampled: dict[str, Any] | None


@dataclass
class Measured:
    label: str
    run: runs.BatchRun
    profile: Profile | None

    def row(self) -> str:
        cpu = "".join(f"{self.run.cpu_ms(name):>9.1f}" for name in runs.BUDGET)
        rss = "".join(f"{self.run.rss.get(name, 0) / MiB:>8.0f}" for name in runs.BUDGET)
        return (
            f"{self.label:<44}{self.run.completed:>4}/{self.run.emails:<4}{cpu}{self.run.budget_cpu_ms:>9.0f}"
            f"{self.run.peak_rss / MiB:>10.0f}{rss}"
        )


HEADER = (
    f"{'':<44}{'done':>9}"
    + "".join(f"{name:>9}" for name in runs.BUDGET)
    + f"{'sum':>9}{'peak sum':>10}"
    + "".join(f"{name:>8}" for name in runs.BUDGET)
)
UNITS = f"{'':<53}{'CPU ms per email (target: sum <= 50)':<36}{'RSS MiB (target: peak sum <= 450)':>42}"


def _short(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function
    for marker in ("site-packages/", "/lib/python3.13/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    else:
        if "/scribe-baseline-" in filename:  # a baseline tree, unpacked in a temporary folder
            filename = filename.split("/scribe-baseline-", 1)[1].split("/", 1)[1]
        elif filename.startswith("/"):
            filename = os.path.relpath(filename, versions.ROOT)
    return f"{filename}:{line}({function})"


def top_own(stats: pstats.Stats, emails: int, count: int = TOP) -> list[str]:
    """cProfile's largest own times ("tottime"), in ms per email."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    entries = sorted(((own, calls, key) for key, (_, calls, own, _, _) in table.items()), reverse=True)
    per = 1000 / max(1, emails)
    lines = [f"    {'own ms':>8} {'calls':>8}  (per email)"]
    for own, calls, key in entries[:count]:
        lines.append(f"    {own * per:8.2f} {calls / max(1, emails):8.1f}  {_short(key)}")
    return lines


def top_cumulative(sampled: dict[str, Any], emails: int, count: int = TOP) -> list[str]:
    """The sampler's largest cumulative times (scaffolding left out), with their own, in ms per email."""
    own = {(f, line, name): seconds for f, line, name, seconds in sampled["own"]}
    per = 1000 / max(1, emails)
    lines = [f"    {'cum ms':>8} {'own ms':>8}  (per email)"]
    shown = 0
    for filename, line, name, seconds in sampled["cumulative"]:
        label = _short((filename, line, name))
        if any(part in label for part in SCAFFOLDING) or "tests/bench/profiled.py" in label:
            continue
        lines.append(f"    {seconds * per:8.2f} {own.get((filename, line, name), 0.0) * per:8.2f}  {label}")
        shown += 1
        if shown == count:
            break
    return lines


def measure(
    version: versions.Version, emulator: Emulator, emails: int, profile_emails: int, label: str, **env: str
) -> Measured:
    from tests.conftest import free_port

    api_port = free_port()
    api = version.api(api_port, **env)
    flower = version.flower(free_port(), **env)
    batch = partial(_batch, version, emulator, {"api": api.pid, "flower": flower.pid}, api_port, env)
    try:
        run = batch(label, emails, None)
        profile = None
        if profile_emails:
            folder = Path(tempfile.mkdtemp(prefix="scribe-profile-"))
            batch(label, profile_emails, ("cprofile", folder / "worker.prof"))
            batch(label, profile_emails, ("sample", folder / "worker.json"))
            own = folder / "worker.prof"
            sampled = folder / "worker.json"
            profile = Profile(
                profile_emails,
                pstats.Stats(str(own)) if own.exists() else None,
                json.loads(sampled.read_text()) if sampled.exists() else None,
            )
    finally:
        versions.stop(api)
        versions.stop(flower)
    return Measured(label, run, profile)


def _batch(
    version: versions.Version,
    emulator: Emulator,
    always: dict[str, int],
    api_port: int,
    env: dict[str, str],
    label: str,
    emails: int,
    profile: tuple[str, Path] | None,
) -> runs.BatchRun:
    emulator.reset()
    forget_shared_limits()
    launcher = runs.profiled_launcher(profile[1], profile[0]) if profile else versions.CELERY[:3]
    worker = version.launch_worker(f"budget-{uuid.uuid4().hex[:6]}", launcher, env)
    wait: Callable[..., list[runs.Row]] = partial(runs.wait_terminal, database_url=version.database_url)
    try:
        processes = {**always, "worker": worker.pid}
        return runs.measure_batch(f"http://127.0.0.1:{api_port}", processes, label, emails, wait)
    finally:
        runs.stop(worker)


def report(emulator: Emulator) -> list[str]:
    """The section's lines; the caller runs the bench's stack (emulator, live environment)."""
    emails = int(os.environ.get("BENCH_EMAILS", "60"))
    profile_emails = int(os.environ.get("BENCH_PROFILE_EMAILS", "30"))
    results = []
    if BASELINE:
        with versions.baseline(BASELINE, "baseline") as before:
            label = f"baseline {BASELINE}, as deployed then"
            results.append(measure(before, emulator, emails, profile_emails, label, **runs.NO_BYTECODE))
    now = versions.current("this tree")
    results.append(measure(now, emulator, emails, profile_emails, "this tree, as deployed now"))
    if os.environ.get("BENCH_BUDGET_VARIANTS", "1") != "0":
        label = "this tree, no compiled bytecode"
        results.append(measure(now, emulator, emails, 0, label, **runs.NO_BYTECODE))
        results.append(measure(now, emulator, emails, 0, "this tree, with a LOGFIRE_TOKEN", TRACING="on"))
    lines = [f"{emails}-email batch per version; worker profiled over {profile_emails} more", UNITS, HEADER]
    lines += [result.row() for result in results]
    for result in results:
        profile = result.profile
        if profile is None:
            continue
        if profile.own is not None:
            per_email = float(profile.own.total_tt) / max(1, profile.emails) * 1000  # type: ignore[attr-defined]
            lines.append(
                f"worker profile, {result.label}, cProfile over {profile.emails} emails: {per_email:.0f} ms "
                f"of CPU per email under the profiler (which inflates it); top {TOP} by own time:"
            )
            lines += top_own(profile.own, profile.emails)
        if profile.sampled is not None:
            per_email = profile.sampled["seconds"] / max(1, profile.emails) * 1000
            lines.append(
                f"worker profile, {result.label}, sampled every {profiled.SAMPLE_SECONDS * 1000:.0f} ms over "
                f"{profile.emails} emails ({per_email:.0f} ms of CPU per email seen); top {TOP} by cumulative "
                "time (thread and event-loop scaffolding left out):"
            )
            lines += top_cumulative(profile.sampled, profile.emails)
    return lines
