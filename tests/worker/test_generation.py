"""The whole journey on a real worker process: POST, poll, read a verified email."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from celery_config import EMAIL_QUEUE, celery_app
from database.engine import session_scope
from models import Email
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from tests.fixtures.api import Caller

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("worker")]

TEMPLATE = (
    "Dear {{name}},\n\nI read your paper {{research}} and would love to learn more about your work "
    "on {{topic}}. Could we talk?\n\nBest,\nSam"
)
RESEARCHER = next(p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags)


def wait_for_terminal(
    client: TestClient, caller: Caller, task_id: str, timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"/api/email/status/{task_id}", headers=caller.headers).json()
        seen.append(status["status"])
        if status["status"] in {"SUCCESS", "FAILURE"}:
            status["seen"] = seen
            return status
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not finish; states seen: {seen[-5:]}")


def submit(client: TestClient, caller: Caller, name: str, interest: str) -> str:
    body = {"email_template": TEMPLATE, "recipient_name": name, "recipient_interest": interest}
    response = client.post("/api/email/generate", json=body, headers=caller.headers)
    assert response.status_code == 202, response.text
    return str(response.json()["task_id"])


def emails_for_item(item_id: str) -> int:
    with session_scope() as session:
        query = select(func.count()).select_from(Email).where(Email.queue_item_id == uuid.UUID(item_id))
        return session.scalar(query) or 0


def test_research_email_names_one_of_the_researchers_papers(client: TestClient, caller: Caller) -> None:
    task_id = submit(client, caller, RESEARCHER.name, RESEARCHER.interest)
    status = wait_for_terminal(client, caller, task_id)
    assert status["status"] == "SUCCESS", status
    result = status["result"]
    assert set(result["step_timings"]) == {"template_parser", "web_scraper", "arxiv_helper", "email_composer"}

    email = client.get(f"/api/email/{result['email_id']}", headers=caller.headers).json()
    assert email["template_type"] == "research"
    assert email["is_confident"] is True
    assert "{{" not in email["email_message"]
    assert any(paper.title in email["email_message"] for paper in RESEARCHER.papers)
    metadata = email["metadata"]
    assert set(metadata["step_timings"]) == set(result["step_timings"])
    assert metadata["arxiv_papers"]
    assert client.get("/api/user", headers=caller.headers).json()["generation_count"] == 1


def test_redelivered_task_never_writes_a_second_email(client: TestClient, caller: Caller) -> None:
    task_id = submit(client, caller, RESEARCHER.name, RESEARCHER.interest)
    assert wait_for_terminal(client, caller, task_id)["status"] == "SUCCESS"

    # The broker hands the same item out again (e.g. after a lost ack): the worker must do nothing.
    # Tasks store no results (the row is the result); this one asks for its own, to be awaited here.
    redelivery = celery_app.send_task(
        "tasks.email_tasks.generate_email_task", args=[task_id], queue=EMAIL_QUEUE, ignore_result=False
    )
    assert redelivery.get(timeout=60)["skipped"] is True
    assert emails_for_item(task_id) == 1
    assert client.get("/api/user", headers=caller.headers).json()["generation_count"] == 1


def test_provider_failure_ends_failed_with_a_readable_reason(
    client: TestClient, caller: Caller, emulator_config: EmulatorHandle
) -> None:
    emulator_config.configure(faults={"composer": {"rate": 1.0, "kinds": ["500"]}})
    task_id = submit(client, caller, RESEARCHER.name, RESEARCHER.interest)

    status = wait_for_terminal(client, caller, task_id)

    assert status["status"] == "FAILURE"
    assert status["error"]["failed_step"] == "email_composer"
    assert status["error"]["message"]
    assert "Traceback" not in status["error"]["message"]
    [item] = [i for i in client.get("/api/queue/", headers=caller.headers).json() if i["id"] == task_id]
    assert item["status"] == "failed" and item["error_message"] == status["error"]["message"]
    assert emails_for_item(task_id) == 0
    assert client.get("/api/user", headers=caller.headers).json()["generation_count"] == 0
