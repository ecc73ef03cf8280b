"""`python -m tests.eval.screening [CATEGORY ...]`: the evaluation cases of some categories run through
the whole pipeline, and each email's `metadata.paper_screening` printed as JSON (default: a lab site on
another domain, and same-field namesakes).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from tests.eval.__main__ import point_at_emulator

DEFAULT_CATEGORIES = ("lab site on another domain", "same-field namesake")


def main(argv: list[str]) -> int:
    port = point_at_emulator()
    from pipeline.metadata import build_email_metadata
    from services.emulator import start_in_thread
    from tests.eval.cases import CASES, RESEARCH
    from tests.eval.runner import run_cases

    categories = tuple(argv) or DEFAULT_CATEGORIES
    cases = tuple(case for case in CASES if case.category in categories and case.template == RESEARCH)
    if not cases:
        print(f"no research-template case in {categories}", file=sys.stderr)
        return 2
    emulator = start_in_thread(port, latency="zero")
    try:
        runs = asyncio.run(run_cases(emulator.url, cases))
    finally:
        emulator.stop()
    report: list[dict[str, Any]] = [
        {
            "case": run.case.label,
            "recipient_name": run.case.recipient_name,
            "recipient_interest": run.case.recipient_interest,
            "email": run.result.email_message,
            "is_confident": run.result.is_confident,
            "paper_screening": build_email_metadata(run.result)["paper_screening"],
        }
        for run in runs
    ]
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
