"""`scribe generate --user`: queued like an API submission and followed while a real worker writes it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from database.engine import session_scope
from models import Email
from services.cli import app
from services.emulator.roster import ROSTER
from tests.fixtures.api import Caller

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("worker")]

RESEARCHER = next(p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags)


def test_generate_for_a_user_follows_the_worker_to_the_stored_email(
    client: TestClient, caller: Caller
) -> None:
    args = ["generate", "--user", caller.email, "--name", RESEARCHER.name, "--interest", RESEARCHER.interest]
    result = CliRunner().invoke(app, [*args, "--timeout", "120"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "4/4 steps" in result.stderr
    with session_scope() as session:
        [email] = session.scalars(select(Email).where(Email.user_id == caller.id))
    assert f"email {email.id}" in result.stdout
    assert email.email_message.splitlines()[0] in result.stdout
    listed = client.get("/api/email/", headers=caller.headers).json()
    assert [item["id"] for item in listed] == [str(email.id)]
