"""`make bench`: the live configuration against the emulator, baseline measured in the same run.

Every Scribe process runs SCRIBE_PROVIDERS=live with the real SDKs on the emulator's base URLs,
so arXiv's pacing and the provider gates are part of what is measured. The emulator plays the
seed's latencies (parser 1.2 s, web 5.3 s, arXiv 0.8 s, composer 3.1 s), enforces arXiv's
published rules (one request per 3 s, one connection) throughout, and counts breaches.

Sections (each a function, so later sections can be added without touching the others):
throughput (original design vs Scribe), provider limits (an account at 50 requests/min), single
email latency, memory by pipelines in flight, API under load, polling with 10,000 pending, 200 idle
live streams and idle memory (the last three each against its own baseline commit); issue 13's CPU
per email, peak memory and worker profile (against a baseline commit) and scale-out to two workers.
Not a test: it prints figures.
Environment: BENCH_EMAILS (60), BENCH_BASELINE_EMAILS (12), BENCH_LIMIT_EMAILS (30), BENCH_SECTIONS
(comma list of section names, default all), TEST_DATABASE_URL / TEST_REDIS_URL (recommended).
"""

from __future__ import annotations

import os
import statistics
import time

from tests.bench import budget, limits, load, memory, polling, runs, scale, streams, versions

CRITICAL = 1.2 + max(5.3, 0.8) + 3.1


def throughput(stack: runs.Stack) -> None:
    emails = int(os.environ.get("BENCH_EMAILS", "60"))
    base_emails = int(os.environ.get("BENCH_BASELINE_EMAILS", "12"))
    base = stack.batch(
        "original design (1 process, 1 email at a time, steps in sequence, no arXiv cache)",
        base_emails,
        runs.BASELINE,
    )
    scribe = stack.batch("scribe defaults", emails, runs.SCRIBE)
    uncached = stack.batch("scribe defaults, arXiv cache off", emails, {"ARXIV_CACHE_SECONDS": "0"})
    print(
        f"\n== throughput: research batches, live configuration ({emails} emails; baseline {base_emails}) =="
    )
    print(
        f"(the original design runs one email at a time, so its rate does not depend on the batch size: "
        f"{base_emails} emails measure it)"
    )
    for run in (base, scribe, uncached):
        print(run.report(CRITICAL))
    print(f"ratio: {scribe.per_minute / base.per_minute:.1f}x the original's emails/min (target >= 10x)")
    print(f"ratio, arXiv cache off: {uncached.per_minute / base.per_minute:.1f}x")


def cpu_and_memory(stack: runs.Stack) -> None:
    # Issue 13: CPU per email, peak memory and the worker's profile, against a baseline commit.
    print(
        "\n== CPU per email and peak memory over a batch, before/after, worker profile (tests/bench/budget.py) =="
    )
    print("\n".join(budget.report(stack.providers)))


def scale_out(stack: runs.Stack) -> None:
    # Issue 13: two workers (two Pis) on one Redis and one PostgreSQL, concurrency-bound.
    print("\n== scale-out: one worker, then two with their own node names (tests/bench/scale.py) ==")
    print("\n".join(scale.report(stack)))


def provider_limits(stack: runs.Stack) -> None:
    emails = int(os.environ.get("BENCH_LIMIT_EMAILS", "30"))
    results = limits.run(stack, emails)
    print(
        f"\n== an Anthropic account limited to {limits.RPM} requests/min (bucket of {limits.BURST_SECONDS} s) =="
    )
    for result in results:
        print(result.report(CRITICAL))
    print(
        "(targets: with the setting >= 90 % of the limit used, < 2 % answered 429, none failed; without it none failed)"
    )


def single_email(stack: runs.Stack) -> None:
    singles = stack.single_emails(5, runs.SCRIBE)
    print("\n== single email, idle system, POST -> SUCCESS ==")
    print(
        f"p50 {statistics.median(singles):.2f} s, min {min(singles):.2f} s, max {max(singles):.2f} s "
        f"(critical path {CRITICAL:.1f} s; target p50 <= {CRITICAL + 0.3:.1f} s)"
    )


def memory_by_load(stack: runs.Stack) -> None:
    idle = stack.idle_rss()
    print(
        "\n== resident memory, idle: "
        + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in idle.items())
        + " =="
    )
    print("== resident memory (API + worker + Flower), peak, by pipelines in flight ==")
    for label, env, in_flight in runs.MEMORY_MATRIX:
        peak = stack.memory_at(env, in_flight)
        print(f"{label:<28} {in_flight:>3} in flight: {peak / 2**20:7.1f} MiB")


def api_load(stack: runs.Stack) -> None:
    print("\n== API under load: 100 clients polling status + queue list ==")
    for result in load.run(stack.api_url, clients=100, seconds=20):
        print(result)


def polling_pending(stack: runs.Stack) -> None:
    # Issue 13: before/after in this run, each against its own baseline commit (the stack is unused).
    print("\n== polling with 10,000 pending, wrk (tests/bench/polling.py) ==")
    print("\n".join(polling.report()))


def idle_streams(stack: runs.Stack) -> None:
    # Issue 13: 200 idle SSE streams, woken on change against polling, in this run (the stack is unused).
    print("\n== 200 idle live streams: API CPU, wake on change vs polling (tests/bench/streams.py) ==")
    print("\n".join(streams.report()))


def idle_memory(stack: runs.Stack) -> None:
    print("\n== resident memory, idle, before/after the import diet (tests/bench/memory.py) ==")
    print("\n".join(memory.report()))


SECTIONS = {
    section.__name__: section
    for section in (
        throughput,
        cpu_and_memory,
        scale_out,
        provider_limits,
        single_email,
        memory_by_load,
        api_load,
        polling_pending,
        idle_streams,
        idle_memory,
    )
}


def main() -> None:
    chosen = [name for name in os.environ.get("BENCH_SECTIONS", ",".join(SECTIONS)).split(",") if name]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown bench sections {sorted(unknown)}; expected some of {list(SECTIONS)}")
    with runs.Stack() as stack:
        print(f"machine: {versions.machine()}")
        print(f"stack: {stack.describe()}\n")
        for name in chosen:
            SECTIONS[name](stack)


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"\n(bench took {time.monotonic() - started:.0f} s)")
