"""Live progress over Server-Sent Events, read from the rows."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from config.settings import get_settings
from database.engine import session_scope
from models import QueueItem, QueueStatus
from services import changes
from tests.api.test_email import TEMPLATE
from tests.fixtures.api import Caller


@pytest.fixture(autouse=True)
def fast_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "sse_poll_seconds", 0.05)
    monkeypatch.setattr(get_settings(), "sse_keepalive_seconds", 0.3)


def submit(client: TestClient, caller: Caller) -> str:
    body = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"}
    return str(client.post("/api/email/generate", json=body, headers=caller.headers).json()["task_id"])


def move(item_id: str, **values: object) -> None:
    """Change a row as a worker would: commit, then announce it to live streams."""
    with session_scope() as session:
        user_id = session.scalar(
            update(QueueItem)
            .where(QueueItem.id == uuid.UUID(item_id))
            .values(**values)
            .returning(QueueItem.user_id)
        )
        session.commit()
    assert user_id is not None
    changes.announce(user_id, [uuid.UUID(item_id)], line_moved=True)


def later(seconds: float, action: Callable[[], None]) -> None:
    threading.Timer(seconds, action).start()


def read_events(lines: Iterator[str]) -> Iterator[tuple[str | None, str, Any]]:
    """(id, event, data) for events; ('', 'comment', None) for comments."""
    event_id, event, data = None, "message", None
    for line in lines:
        if line.startswith(":"):
            yield "", "comment", None
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and data is not None:
            yield event_id, event, data
            event_id, event, data = None, "message", None


def test_task_stream_follows_the_item_to_its_end(client: TestClient, caller: Caller) -> None:
    task_id = submit(client, caller)
    later(
        0.3,
        lambda: move(
            task_id, status=QueueStatus.PROCESSING, current_step="template_parser", step_status="started"
        ),
    )
    later(0.6, lambda: move(task_id, step_timings={"template_parser": 1.2}, step_status="completed"))
    later(
        0.9, lambda: move(task_id, status=QueueStatus.FAILED, error_message="provider down", error_type="x")
    )
    seen = []
    with client.stream("GET", f"/api/email/status/{task_id}/stream", headers=caller.headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for _, event, data in read_events(response.iter_lines()):
            if event == "status":
                seen.append((data["status"], (data.get("result") or {}).get("step_status")))
    assert seen[0] == ("PENDING", None)
    assert ("STARTED", "started") in seen and ("STARTED", "completed") in seen
    assert seen[-1] == ("FAILURE", None)


def test_idle_streams_send_keep_alive_comments(client: TestClient, caller: Caller) -> None:
    task_id = submit(client, caller)
    later(1.2, lambda: move(task_id, status=QueueStatus.FAILED, error_message="stop"))
    with client.stream("GET", f"/api/email/status/{task_id}/stream", headers=caller.headers) as response:
        kinds = [event for _, event, _ in read_events(response.iter_lines())]
    assert kinds.count("comment") >= 2


def test_reconnect_with_last_event_id_skips_what_was_seen(client: TestClient, caller: Caller) -> None:
    task_id = submit(client, caller)
    url = f"/api/email/status/{task_id}/stream"
    move(task_id, status=QueueStatus.COMPLETED, email_id=uuid.uuid4())
    with client.stream("GET", url, headers=caller.headers) as response:
        [(first_id, _, _)] = [e for e in read_events(response.iter_lines()) if e[1] == "status"]
    assert first_id
    headers = caller.headers | {"Last-Event-ID": first_id}
    with client.stream("GET", url, headers=headers) as response:
        assert [e for e in read_events(response.iter_lines()) if e[1] == "status"] == []


def test_streams_of_other_users_tasks_are_404(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller]
) -> None:
    task_id = submit(client, caller)
    other = new_caller()
    assert client.get(f"/api/email/status/{task_id}/stream", headers=other.headers).status_code == 404
    assert client.get(f"/api/email/status/{uuid.uuid4()}/stream", headers=caller.headers).status_code == 404


def test_queue_stream_ends_when_nothing_is_left(client: TestClient, caller: Caller) -> None:
    task_id = submit(client, caller)
    later(0.3, lambda: move(task_id, status=QueueStatus.PROCESSING))
    later(0.6, lambda: move(task_id, status=QueueStatus.FAILED, error_message="x"))
    statuses = []
    with client.stream("GET", "/api/queue/stream", headers=caller.headers) as response:
        for _, event, data in read_events(response.iter_lines()):
            if event == "queue":
                statuses.append([item["status"] for item in data])
    assert statuses[0] == ["pending"]
    assert ["processing"] in statuses
    assert statuses[-1] == ["failed"]
