"""The operator CLI on the run's real database: generate here, reap, requeue, users, user."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from config.settings import get_settings
from database.engine import session_scope
from models import QueueItem, QueueStatus
from models.base import utcnow
from services.cli import app
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER
from tests.api.test_email import TEMPLATE
from tests.fixtures.api import Caller

runner = CliRunner()
RESEARCHER = next(p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags)


def queued(client: TestClient, caller: Caller) -> uuid.UUID:
    body = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"}
    response = client.post("/api/email/generate", json=body, headers=caller.headers)
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["task_id"])


def set_row(item_id: uuid.UUID, **values: object) -> None:
    with session_scope() as session:
        session.execute(update(QueueItem).where(QueueItem.id == item_id).values(**values))
        session.commit()


def row(item_id: uuid.UUID) -> QueueItem:
    with session_scope() as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return item


def test_generate_writes_an_email_here_with_a_progress_bar(emulator_config: EmulatorHandle) -> None:
    args = ["generate", "--name", RESEARCHER.name, "--interest", RESEARCHER.interest]
    result = runner.invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "4/4 steps" in result.stderr
    assert RESEARCHER.name.split()[-1] in result.stdout
    assert "confident: yes" in result.stdout
    assert "email_composer" in result.stdout  # the step timings


def test_generate_refuses_what_the_api_refuses() -> None:
    result = runner.invoke(
        app, ["generate", "--name", "Ada", "--interest", "x", "--template", "No placeholder"]
    )
    assert result.exit_code == 1
    assert "placeholder" in result.stderr


def test_users_lists_every_user_with_their_counts(client: TestClient, caller: Caller) -> None:
    queued(client, caller)
    result = runner.invoke(app, ["users"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if caller.email in line)
    assert str(caller.id) in line
    assert "total users" in result.stdout


def test_user_shows_the_queue_with_its_errors(client: TestClient, caller: Caller) -> None:
    item_id = queued(client, caller)
    set_row(
        item_id, status=QueueStatus.FAILED, error_message="composer unavailable", failed_step="email_composer"
    )
    result = runner.invoke(app, ["user", caller.email.upper()], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert str(caller.id) in result.stdout
    assert str(item_id) in result.stdout and "composer unavailable" in result.stdout


def test_user_that_does_not_exist_is_a_clear_error() -> None:
    result = runner.invoke(app, ["user", "nobody@uni.test"])
    assert result.exit_code == 1
    assert "No user nobody@uni.test" in result.stderr


def test_requeue_puts_a_failed_item_back_in_line_and_sends_it(client: TestClient, caller: Caller) -> None:
    item_id = queued(client, caller)
    set_row(item_id, status=QueueStatus.FAILED, attempts=3, error_message="boom", enqueued_at=None)
    result = runner.invoke(app, ["requeue", str(item_id)])
    assert result.exit_code == 0, result.output
    item = row(item_id)
    assert (item.status, item.attempts, item.error_message) == (QueueStatus.PENDING, 0, None)
    assert item.enqueued_at is not None  # sent to the broker again


@pytest.mark.parametrize(
    ("status", "args", "expected"),
    [
        (QueueStatus.COMPLETED, [], "this one is completed"),
        (QueueStatus.PENDING, [], "this one is pending"),
        (QueueStatus.PROCESSING, [], "add --force"),
    ],
)
def test_requeue_refuses_items_that_are_not_stuck(
    client: TestClient, caller: Caller, status: QueueStatus, args: list[str], expected: str
) -> None:
    item_id = queued(client, caller)
    set_row(item_id, status=status)
    result = runner.invoke(app, ["requeue", str(item_id), *args])
    assert result.exit_code == 1
    assert expected in result.stderr
    assert row(item_id).status == status


def test_requeue_force_takes_back_an_item_stuck_processing(client: TestClient, caller: Caller) -> None:
    item_id = queued(client, caller)
    set_row(item_id, status=QueueStatus.PROCESSING, celery_task_id="gone-worker")
    assert runner.invoke(app, ["requeue", str(item_id), "--force"]).exit_code == 0
    item = row(item_id)
    assert item.status == QueueStatus.PENDING and item.celery_task_id is None


def test_requeue_of_an_unknown_id_is_a_clear_error() -> None:
    result = runner.invoke(app, ["requeue", str(uuid.uuid4())])
    assert result.exit_code == 1
    assert "not found" in result.stderr


def test_reap_runs_one_sweep_now(client: TestClient, caller: Caller) -> None:
    item_id = queued(client, caller)
    stale = utcnow() - timedelta(seconds=get_settings().stale_after_seconds + 5)
    set_row(item_id, status=QueueStatus.PROCESSING, attempts=1, celery_task_id="dead", heartbeat_at=stale)
    result = runner.invoke(app, ["reap"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "requeued" in result.stdout and "pruned queue items" in result.stdout
    assert row(item_id).status == QueueStatus.PENDING
