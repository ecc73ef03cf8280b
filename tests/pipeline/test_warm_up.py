"""A worker's start-up builds what the first email would: that email imports no HTTP machinery and
the Anthropic SDK builds no response model inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER

ROOT = Path(__file__).resolve().parents[2]
RESEARCHER = next(p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags)
FIRST_EMAIL = f"""
import json, sys
import anthropic._models
from pipeline.core.runner import run_pipeline, warm_up
from pipeline.models import PipelineData
from services import async_runtime

warm_up()
modules, adapters = set(sys.modules), anthropic._models.TypeAdapter.cache_info().misses
data = PipelineData(
    recipient_name={RESEARCHER.name!r},
    recipient_interest={RESEARCHER.interest!r},
    email_template="Dear {{{{name}}}}, I read your paper {{{{research}}}} with great interest.",
)
async_runtime.run(run_pipeline(data))
assert data.email_message
built = anthropic._models.TypeAdapter.cache_info().misses - adapters
print(json.dumps({{"modules": sorted(set(sys.modules) - modules), "adapters": built}}))
"""


def test_after_warm_up_the_first_email_builds_no_client_machinery(emulator_config: EmulatorHandle) -> None:
    # A fresh interpreter: in this one, earlier tests have long since built all of it.
    out = subprocess.run(
        [sys.executable, "-c", FIRST_EMAIL],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    built = json.loads(out.stdout.splitlines()[-1])
    clients = {"anyio", "httpcore", "httpx", "httpcore2", "httpx2", "anthropic", "exa_py"}
    assert [name for name in built["modules"] if name.split(".")[0] in clients] == []
    assert built["adapters"] == 0
