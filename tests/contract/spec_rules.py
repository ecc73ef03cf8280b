"""What SPEC §4 promises beyond what the frontend's schemas check (see frontend_schemas.py).

Each rule takes a body that already parsed as the frontend parses it and raises AssertionError.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from tests.contract.frontend_schemas import DateTime

_INSTANT = TypeAdapter(DateTime)
TASK_RESULT_KEYS = {
    "STARTED": {"current_step", "step_status", "step_timings"},
    "SUCCESS": {"email_id", "step_timings"},
}


def task_status(body: dict[str, Any]) -> None:
    """Running: progress, no email; success: the email and its timings; failure: an error, no result."""
    state, result, error = body["status"], body.get("result"), body.get("error")
    if state == "PENDING":
        assert result is None and error is None, body
    elif state in TASK_RESULT_KEYS:
        assert isinstance(result, dict) and error is None, body
        assert "step_timings" in result and set(result) <= TASK_RESULT_KEYS[state], body
        assert ("email_id" in result) == (state == "SUCCESS"), body
    else:
        assert result is None and error, body
        assert (error if isinstance(error, str) else error["message"]).strip(), body


def queue_items(items: list[dict[str, Any]]) -> None:
    """Only pending items have a place in line, and the places grow down the list."""
    for item in items:
        assert (item["status"] == "pending") == (item["position"] is not None), item
    positions = [item["position"] for item in items if item["position"] is not None]
    assert positions == sorted(positions) and len(set(positions)) == len(positions), positions


def admin_overview(overview: dict[str, Any]) -> None:
    """Counts are whole and never negative; rates are percentages."""
    for name, value in overview.items():
        if name.endswith("_rate"):
            assert 0 <= value <= 100, (name, value)
        elif name != "avg_gen_time_seconds":
            assert isinstance(value, int) and value >= 0, (name, value)
    assert overview["avg_gen_time_seconds"] >= 0, overview


def admin_email_page(page: dict[str, Any]) -> None:
    total, per_page, pages = page["total"], page["per_page"], page["pages"]
    assert page["page"] >= 1 and per_page >= 1 and len(page["items"]) <= per_page, page
    assert pages == math.ceil(total / per_page) or (total == 0 and pages == 1), page
    for email in page["items"]:
        assert email["template_type"] in {"research", "book", "general"}, email
        _INSTANT.validate_python(email["created_at"])


def admin_rows(*time_fields: str) -> Callable[[list[dict[str, Any]]], None]:
    """SPEC §4: every time is ISO 8601 UTC with a trailing Z, admin views included."""

    def check(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for name in time_fields:
                if row[name] is not None:
                    _INSTANT.validate_python(row[name])

    return check


def activity(weeks: list[dict[str, Any]]) -> None:
    """Twelve weeks, each named by its Monday as YYYY-MM-DD, oldest first."""
    days = [date.fromisoformat(week["week"]) for week in weeks]
    assert len(days) == 12 and all(day.weekday() == 0 for day in days), weeks
    assert days == sorted(days), weeks
