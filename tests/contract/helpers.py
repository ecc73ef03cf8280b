"""What the contract and isolation tests share: a researcher, a template, and held work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from config.settings import get_settings
from services import queue
from services.emulator.roster import ROSTER
from tests.contract.client import ContractClient
from tests.fixtures.api import Caller

TEMPLATE = (
    "Dear {{name}},\n\nI read your paper {{research}} and would love to learn more about your work "
    "on {{topic}}. Could we talk?\n\nBest,\nSam"
)
RESEARCHER = next(p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags)


@contextmanager
def held_in_line() -> Iterator[None]:
    """Items created inside stay pending: no work token reaches the session's worker.

    The worker claims the head of the fair line whatever id a message carries, so a held item
    must be cancelled before anyone else queues work (see `cancel_held`).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queue, "enqueue", lambda *, session, item_ids: 0)
        yield


def cancel_held(api: ContractClient, caller: Caller, item_ids: list[str]) -> None:
    """Take held items out of the line so later tests' work tokens do not claim them."""
    for item_id in item_ids:
        api.client.delete(f"/api/queue/{item_id}", headers=caller.headers)


@contextmanager
def fast_streams() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(get_settings(), "sse_poll_seconds", 0.05)
        patch.setattr(get_settings(), "sse_keepalive_seconds", 0.5)
        yield


def generate(api: ContractClient, caller: Caller, name: str, interest: str) -> str:
    body = {"email_template": TEMPLATE, "recipient_name": name, "recipient_interest": interest}
    accepted = api.call("POST", "/api/email/generate", expect=202, json=body, headers=caller.headers)
    return str(accepted["task_id"])


def poll_until_done(
    api: ContractClient, caller: Caller, task_id: str, timeout: float = 90
) -> list[dict[str, Any]]:
    """Every status read until SUCCESS or FAILURE (each one held to the contract)."""
    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen.append(api.call("GET", f"/api/email/status/{task_id}", expect=200, headers=caller.headers))
        if seen[-1]["status"] in {"SUCCESS", "FAILURE"}:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not finish; last states: {[s['status'] for s in seen[-5:]]}")
