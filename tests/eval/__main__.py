"""`python -m tests.eval [--metadata KEY]`: the evaluation table (exit 1 if a must-be-0 row is not 0).

Starts the provider emulator on a free port and points the pipeline at it; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def point_at_emulator() -> int:
    """A free port for the emulator, and every provider pointed at it (settings are read once per
    process: call this before importing them)."""
    port = _free_port()
    os.environ.update(
        {
            "ENVIRONMENT": "test",
            "SCRIBE_PROVIDERS": "local",
            "EMULATOR_URL": f"http://127.0.0.1:{port}",
            "DATA_DIR": tempfile.mkdtemp(prefix="scribe-eval-"),
            "LOGFIRE_TOKEN": "",
            "LOGFIRE_IGNORE_NO_CONFIG": "1",
        }
    )
    return port


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.eval")
    parser.add_argument("--metadata", metavar="KEY", help="also print one case's emails.metadata as JSON")
    args = parser.parse_args()
    port = point_at_emulator()
    from pipeline.metadata import build_email_metadata
    from services.emulator import start_in_thread
    from tests.eval.runner import run_behaviours
    from tests.eval.scoring import MUST_BE_ZERO, behaviour_table, summary, table

    emulator = start_in_thread(port, latency="zero")
    try:
        started = time.perf_counter()
        by_behaviour = run_behaviours(emulator)
        elapsed = time.perf_counter() - started
    finally:
        emulator.stop()
    runs = by_behaviour["verbatim"]
    outcomes = [run.outcome for run in runs]
    print(table(outcomes))
    print()
    print(behaviour_table({b: [run.outcome for run in group] for b, group in by_behaviour.items()}))
    total = sum(len(group) for group in by_behaviour.values())
    print(
        f"\n{total} emails ({len(runs)} cases x {len(by_behaviour)} composer behaviours) in {elapsed:.1f} s"
    )
    if args.metadata:
        chosen = next((run for run in runs if run.case.key == args.metadata), None)
        if chosen is None:
            print(f"no case for {args.metadata!r}", file=sys.stderr)
            return 2
        print(json.dumps(build_email_metadata(chosen.result), indent=2, ensure_ascii=False))
    rows = summary(outcomes)
    return 1 if any(rows[name] for name in MUST_BE_ZERO) else 0


if __name__ == "__main__":
    sys.exit(main())
