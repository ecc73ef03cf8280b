from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from database.engine import session_scope
from models import Email, QueueItem
from tests.api.test_user import Z_TIME
from tests.fixtures.api import Caller

TEMPLATE = "Dear {{name}}, I enjoyed your work on {{research}}. Best, Sam"
EMAIL_FIELDS = {
    "id",
    "user_id",
    "recipient_name",
    "recipient_interest",
    "email_message",
    "template_type",
    "metadata",
    "is_confident",
    "displayed",
    "created_at",
}


def queue_rows(user_id: uuid.UUID) -> int:
    with session_scope() as session:
        return (
            session.scalar(select(func.count()).select_from(QueueItem).where(QueueItem.user_id == user_id))
            or 0
        )


def insert_email(user_id: uuid.UUID, *, minutes_ago: int = 0, displayed: bool = True) -> uuid.UUID:
    with session_scope() as session:
        email = Email(
            user_id=user_id,
            recipient_name="Ada Quill",
            recipient_interest="graph learning",
            email_message="Dear Ada ...",
            template_type="research",
            email_metadata={"template_type": "research"},
            is_confident=True,
            displayed=displayed,
            created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        )
        session.add(email)
        session.commit()
        return email.id


def generate(client: TestClient, caller: Caller, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email_template": TEMPLATE,
        "recipient_name": "Ada Quill",
        "recipient_interest": "graph learning",
    }
    body.update(overrides)
    response = client.post("/api/email/generate", json=body, headers=caller.headers)
    return {"status": response.status_code, "body": response.json()}


def test_generate_queues_one_item_and_reports_pending(client: TestClient, caller: Caller) -> None:
    result = generate(client, caller)
    assert result["status"] == 202
    task_id = result["body"]["task_id"]  # type: ignore[index]
    assert queue_rows(caller.id) == 1
    status = client.get(f"/api/email/status/{task_id}", headers=caller.headers).json()
    assert status == {"task_id": task_id, "status": "PENDING", "result": None, "error": None}


@pytest.mark.parametrize(
    "overrides",
    [
        {"email_template": "short {{a"},
        {"email_template": "Dear professor, no placeholder here at all."},
        {"email_template": "{{x}}" + "y" * 5000},
        {"recipient_name": "A"},
        {"recipient_name": "x" * 256},
        {"recipient_interest": "x" * 501},
        {"recipient_interest": 42},
        {"unexpected": "field"},
    ],
)
def test_bad_generate_requests_are_422_and_write_nothing(
    client: TestClient, caller: Caller, overrides: dict[str, object]
) -> None:
    result = generate(client, caller, **overrides)
    assert result["status"] == 422
    assert "detail" in result["body"]  # type: ignore[operator]
    assert queue_rows(caller.id) == 0


def test_missing_placeholder_error_says_what_to_do(client: TestClient, caller: Caller) -> None:
    result = generate(client, caller, email_template="Dear professor, no placeholder here.")
    assert "{{placeholder}}" in str(result["body"])


def test_status_of_unknown_or_foreign_task_is_404(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller]
) -> None:
    task_id = generate(client, caller)["body"]["task_id"]  # type: ignore[index]
    other = new_caller()
    assert client.get(f"/api/email/status/{task_id}", headers=other.headers).status_code == 404
    assert client.get(f"/api/email/status/{uuid.uuid4()}", headers=caller.headers).status_code == 404
    assert client.get("/api/email/status/not-a-uuid", headers=caller.headers).status_code == 422


def test_email_is_read_with_the_contract_fields(client: TestClient, caller: Caller) -> None:
    email_id = insert_email(caller.id)
    response = client.get(f"/api/email/{email_id}", headers=caller.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == EMAIL_FIELDS
    assert body["metadata"] == {"template_type": "research"}
    assert Z_TIME.match(body["created_at"])


def test_other_users_email_is_404_for_read_and_update(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller]
) -> None:
    email_id = insert_email(caller.id)
    other = new_caller()
    assert client.get(f"/api/email/{email_id}", headers=other.headers).status_code == 404
    response = client.patch(f"/api/email/{email_id}", json={"displayed": False}, headers=other.headers)
    assert response.status_code == 404
    assert client.get(f"/api/email/{email_id}", headers=caller.headers).json()["displayed"] is True


def test_soft_delete_and_restore(client: TestClient, caller: Caller) -> None:
    email_id = insert_email(caller.id)
    hidden = client.patch(f"/api/email/{email_id}", json={"displayed": False}, headers=caller.headers)
    assert hidden.json()["displayed"] is False
    assert client.get("/api/email/", headers=caller.headers).json() == []
    listed = client.get("/api/email/?include_discarded=true", headers=caller.headers).json()
    assert [e["id"] for e in listed] == [str(email_id)]
    restored = client.patch(f"/api/email/{email_id}", json={"displayed": True}, headers=caller.headers)
    assert restored.json()["displayed"] is True


def test_bad_update_bodies_are_422(client: TestClient, caller: Caller) -> None:
    email_id = insert_email(caller.id)
    for body in [{}, {"displayed": "maybe"}, {"displayed": True, "email_message": "x"}]:
        assert client.patch(f"/api/email/{email_id}", json=body, headers=caller.headers).status_code == 422


def test_list_is_newest_first_and_paged(client: TestClient, caller: Caller) -> None:
    ids = [insert_email(caller.id, minutes_ago=m) for m in (30, 20, 10)]
    listed = client.get("/api/email/?limit=2", headers=caller.headers).json()
    assert [e["id"] for e in listed] == [str(ids[2]), str(ids[1])]
    rest = client.get("/api/email/?limit=2&offset=2", headers=caller.headers).json()
    assert [e["id"] for e in rest] == [str(ids[0])]
    assert client.get("/api/email/?limit=101", headers=caller.headers).status_code == 422
    assert client.get("/api/email/?offset=-1", headers=caller.headers).status_code == 422


@pytest.mark.parametrize(
    "template", ["Dear [Professor Name], {{research}} is great.", "Dear {name}, {{research}} rocks."]
)
def test_templates_with_single_brace_or_bracket_placeholders_are_refused(
    client: TestClient, caller: Caller, template: str
) -> None:
    result = generate(client, caller, email_template=template)
    assert result["status"] == 422
    assert "{{" in str(result["body"])
    assert queue_rows(caller.id) == 0
