"""arXiv's rule holds for the whole deployment: two worker processes share one slot in Redis."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.steps.arxiv_helper.step import MARGIN_SECONDS
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="set TEST_REDIS_URL: without Redis there is one process"
)

ROOT = Path(__file__).resolve().parents[2]
INTERVAL = 0.5
PROCESS = """
import asyncio, json, sys
from pipeline.steps.arxiv_helper.authors import AuthorSearch
from pipeline.steps.arxiv_helper.client import ArxivApi

names, url, interval = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])

async def main():
    search = AuthorSearch(ArxivApi(url), interval=interval, cache_seconds=0)
    found = []
    for start in range(0, len(names), 2):  # waves: authors keep arriving
        wave = names[start : start + 2]
        found += await asyncio.gather(*(search.papers_by(name) for name in wave))
    print(json.dumps([len(f.papers) for f in found]))

asyncio.run(main())
"""


def test_two_processes_never_break_arxivs_interval_or_connection_rule(
    emulator_config: EmulatorHandle,
) -> None:
    emulator_config.configure(
        latency={"arxiv": 0.3}, rules={"arxiv": {"interval_seconds": INTERVAL, "connections": 1}}
    )
    people = [p.name for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]
    halves = [people[:6], people[6:12]]
    url, interval = f"{emulator_config.url}/api/query", str(INTERVAL + MARGIN_SECONDS)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, json.dumps(names), url, interval],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for names in halves
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()[-2000:]
        assert all(count >= 1 for count in json.loads(out)), out
    stats = emulator_config.stats()
    assert stats["calls"]["arxiv"] >= 4  # both processes asked, in turns
    assert stats["breaches"] == {}
