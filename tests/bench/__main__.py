"""`make bench`: throughput of the original design vs Scribe's defaults, memory, and API load.

Everything runs on this machine against the provider emulator with the seed's latencies
(parser 1.2 s, web 5.3 s, arXiv 0.8 s, composer 3.1 s). Numbers are ratios against a
baseline measured in the same invocation. Not a test: it prints figures.
Environment: BENCH_EMAILS (default 60), TEST_DATABASE_URL / TEST_REDIS_URL (recommended).
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import time

from tests.bench import load, memory, polling, runs


def machine() -> str:
    cpu = "unknown cpu"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {python}"


def main() -> None:
    emails = int(os.environ.get("BENCH_EMAILS", "60"))
    critical = 1.2 + max(5.3, 0.8) + 3.1
    with runs.Stack() as stack:
        print(f"machine: {machine()}")
        print(f"stack: {stack.describe()}\n")

        base = stack.batch(
            "original design (1 process, 1 email at a time, steps in sequence)", emails, runs.BASELINE
        )
        scribe = stack.batch("scribe defaults", emails, runs.SCRIBE)
        ratio = scribe.per_minute / base.per_minute
        print("\n== throughput: one batch of", emails, "emails ==")
        for run in (base, scribe):
            print(run.report(critical))
        print(f"ratio: {ratio:.1f}x the original's emails/min (target >= 10x)")

        singles = stack.single_emails(5, runs.SCRIBE)
        print("\n== single email, idle system, POST -> SUCCESS ==")
        print(
            f"p50 {statistics.median(singles):.2f} s, min {min(singles):.2f} s, max {max(singles):.2f} s "
            f"(critical path {critical:.1f} s; target p50 <= {critical + 0.3:.1f} s)"
        )

        idle = stack.idle_rss()
        print(
            "\n== resident memory, idle: "
            + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in idle.items())
            + " =="
        )
        print("== resident memory (API + worker + beat + Flower), peak, by pipelines in flight ==")
        for label, env, in_flight in runs.MEMORY_MATRIX:
            peak = stack.memory_at(env, in_flight)
            print(f"{label:<28} {in_flight:>3} in flight: {peak / 2**20:7.1f} MiB")

        print("\n== API under load: 100 clients polling status + queue list ==")
        for result in load.run(stack.api_url, clients=100, seconds=20):
            print(result)

        # Issue 13: before/after in this run, each against its own baseline commit.
        print("\n== polling with 10,000 pending, wrk (tests/bench/polling.py) ==")
        print("\n".join(polling.report()))
        print("\n== resident memory, idle, before/after the import diet (tests/bench/memory.py) ==")
        print("\n".join(memory.report()))


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"\n(bench took {time.monotonic() - started:.0f} s)")
