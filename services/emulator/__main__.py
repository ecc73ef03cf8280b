"""`python -m services.emulator --host 127.0.0.1 --port 8765 --latency seed` serves the emulator."""

from __future__ import annotations

import argparse
import os

import uvicorn

from services.emulator.app import create_app
from services.emulator.faults import PRESETS
from services.emulator.roster import ROSTER


def main() -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m services.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--latency", choices=sorted(PRESETS), default=os.environ.get("EMULATOR_LATENCY", "zero")
    )
    args = parser.parse_args()
    base = f"http://{args.host}:{args.port}"
    print(
        f"Scribe provider emulator (NOT real providers) on {base}: Anthropic {base}/v1/messages, "
        f"Exa {base}/search, arXiv {base}/api/query; latency={args.latency}; {len(ROSTER)} fictional people",
        flush=True,
    )
    uvicorn.run(
        create_app(latency=args.latency), host=args.host, port=args.port, log_level="warning", backlog=2048
    )


if __name__ == "__main__":
    main()
