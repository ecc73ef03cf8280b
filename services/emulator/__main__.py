"""`python -m services.emulator --host 127.0.0.1 --port 8765 --latency seed` serves the emulator.

`--rules arxiv` enforces arXiv's published rules (one request per 3 s, one connection) from the
start; `--rules '{"anthropic": {"requests_per_minute": 50}}'` sets any rules (limits.py) as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import uvicorn

from services.emulator.app import create_app
from services.emulator.faults import PRESETS
from services.emulator.limits import ARXIV_PUBLISHED
from services.emulator.roster import ROSTER


def main() -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m services.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--latency", choices=sorted(PRESETS), default=os.environ.get("EMULATOR_LATENCY", "zero")
    )
    parser.add_argument(
        "--rules", default=os.environ.get("EMULATOR_RULES", ""), help="'arxiv' or a JSON object"
    )
    args = parser.parse_args()
    rules: dict[str, Any] = (
        {"arxiv": ARXIV_PUBLISHED} if args.rules == "arxiv" else json.loads(args.rules or "{}")
    )
    base = f"http://{args.host}:{args.port}"
    print(
        f"Scribe provider emulator (NOT real providers) on {base}: Anthropic {base}/v1/messages, "
        f"Exa {base}/search, arXiv {base}/api/query; latency={args.latency}; rules={rules or 'none'}; "
        f"{len(ROSTER)} fictional people",
        flush=True,
    )
    uvicorn.run(
        create_app(latency=args.latency, rules=rules),
        host=args.host,
        port=args.port,
        log_level="warning",
        backlog=2048,
    )


if __name__ == "__main__":
    main()
