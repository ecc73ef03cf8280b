"""Admin API: access, users and per-user views. Per-user views are asserted exactly."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from database.engine import session_scope
from models import QueueStatus, User
from tests.api.admin_seed import Z_TIME, add_email, add_item, add_template, admin_headers, now
from tests.fixtures.api import Caller

USER_FIELDS = {
    "id",
    "email",
    "display_name",
    "generation_count",
    "template_count",
    "onboarded",
    "created_at",
    "actual_email_count",
    "queue_submissions",
    "failed_count",
    "email_template",
}
EMAIL_FIELDS = {
    "id",
    "recipient_name",
    "recipient_interest",
    "email_message",
    "template_type",
    "is_confident",
    "metadata",
    "created_at",
}
QUEUE_FIELDS = {
    "id",
    "recipient_name",
    "recipient_interest",
    "status",
    "current_step",
    "error_message",
    "started_at",
    "completed_at",
    "created_at",
}
ERROR_FIELDS = {
    "id",
    "user_email",
    "user_display_name",
    "recipient_name",
    "current_step",
    "error_message",
    "created_at",
    "started_at",
}
ADMIN_ROUTES = [
    "/api/admin/overview",
    "/api/admin/users",
    f"/api/admin/users/{uuid.uuid4()}/emails",
    f"/api/admin/users/{uuid.uuid4()}/templates",
    f"/api/admin/users/{uuid.uuid4()}/queue",
    "/api/admin/activity",
    "/api/admin/errors",
]


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    return admin_headers(client)


def test_admin_routes_need_a_token(client: TestClient) -> None:
    for path in ADMIN_ROUTES:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_admin_routes_refuse_other_users(client: TestClient, caller: Caller) -> None:
    for path in ADMIN_ROUTES:
        response = client.get(path, headers=caller.headers)
        assert response.status_code == 403, path
        assert response.json() == {
            "detail": "Admin access required",
            "message": "This page is for administrators; sign in with an admin account.",
        }


def test_users_show_counts_per_user_newest_first(
    client: TestClient, new_caller: Callable[..., Caller], admin: dict[str, str]
) -> None:
    older, newer = new_caller(), new_caller()
    for _ in range(3):
        add_email(older.id)
    for status in (QueueStatus.COMPLETED, QueueStatus.FAILED, QueueStatus.FAILED, QueueStatus.PENDING):
        add_item(older.id, status, seconds=1)
    add_item(older.id, QueueStatus.CANCELLED)
    with session_scope() as session:
        user = session.get_one(User, older.id)
        user.generation_count, user.template_count, user.email_template = 3, 1, "Hi {{name}}"
        session.commit()
    users = client.get("/api/admin/users", headers=admin).json()
    ids = [row["id"] for row in users]
    assert ids.index(str(newer.id)) < ids.index(str(older.id))
    row = users[ids.index(str(older.id))]
    assert set(row) == USER_FIELDS
    assert Z_TIME.match(row["created_at"])
    assert row | {"created_at": None} == {
        "id": str(older.id),
        "email": older.email,
        "display_name": "Test Student",
        "generation_count": 3,
        "template_count": 1,
        "onboarded": False,
        "created_at": None,
        "actual_email_count": 3,
        "queue_submissions": 4,
        "failed_count": 2,
        "email_template": "Hi {{name}}",
    }
    empty = users[ids.index(str(newer.id))]
    assert (empty["actual_email_count"], empty["queue_submissions"], empty["failed_count"]) == (0, 0, 0)


def test_user_emails_are_paged_newest_first(
    client: TestClient, caller: Caller, admin: dict[str, str]
) -> None:
    start = now() - timedelta(hours=1)
    for n in range(5):
        add_email(
            caller.id, at=start + timedelta(minutes=n), recipient_name=f"Dr. Number {n}", displayed=n != 0
        )
    path = f"/api/admin/users/{caller.id}/emails"
    first = client.get(path, params={"per_page": 2}, headers=admin).json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (5, 1, 2, 3)
    assert [item["recipient_name"] for item in first["items"]] == ["Dr. Number 4", "Dr. Number 3"]
    assert set(first["items"][0]) == EMAIL_FIELDS
    assert first["items"][0]["metadata"] == {"model": "test"}
    assert Z_TIME.match(first["items"][0]["created_at"])
    last = client.get(path, params={"per_page": 2, "page": 3}, headers=admin).json()
    assert [item["recipient_name"] for item in last["items"]] == ["Dr. Number 0"]  # hidden ones included
    beyond = client.get(path, params={"per_page": 2, "page": 4}, headers=admin).json()
    assert beyond["items"] == [] and beyond["total"] == 5 and beyond["pages"] == 3


def test_user_emails_of_a_user_without_emails(
    client: TestClient, caller: Caller, admin: dict[str, str]
) -> None:
    body = client.get(f"/api/admin/users/{caller.id}/emails", headers=admin).json()
    assert body == {"items": [], "total": 0, "page": 1, "per_page": 20, "pages": 0}


@pytest.mark.parametrize("params", [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"page": "x"}])
def test_user_emails_refuse_bad_paging(
    client: TestClient, caller: Caller, admin: dict[str, str], params: dict[str, Any]
) -> None:
    response = client.get(f"/api/admin/users/{caller.id}/emails", params=params, headers=admin)
    assert response.status_code == 422


@pytest.mark.parametrize("view", ["emails", "templates", "queue"])
def test_unknown_user_is_404(client: TestClient, admin: dict[str, str], view: str) -> None:
    response = client.get(f"/api/admin/users/{uuid.uuid4()}/{view}", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found", "message": "User not found."}


def test_user_templates(client: TestClient, caller: Caller, admin: dict[str, str]) -> None:
    add_template(caller.id, at=now() - timedelta(days=1))
    add_template(caller.id)
    body = client.get(f"/api/admin/users/{caller.id}/templates", headers=admin).json()
    assert len(body) == 2
    assert body[0]["created_at"] > body[1]["created_at"]
    assert set(body[0]) == {"id", "template_text", "user_instructions", "pdf_url", "created_at"}
    assert body[0]["pdf_url"] == "https://storage.test/resume.pdf"
    assert Z_TIME.match(body[0]["created_at"])


def test_user_queue_shows_every_state_newest_first(
    client: TestClient, caller: Caller, admin: dict[str, str]
) -> None:
    start = now() - timedelta(minutes=10)
    states = [QueueStatus.COMPLETED, QueueStatus.FAILED, QueueStatus.CANCELLED, QueueStatus.PENDING]
    for n, status in enumerate(states):
        add_item(
            caller.id, status, seconds=3, at=start + timedelta(minutes=n), error="boom" if n == 1 else None
        )
    body = client.get(f"/api/admin/users/{caller.id}/queue", headers=admin).json()
    assert [row["status"] for row in body] == ["pending", "cancelled", "failed", "completed"]
    assert set(body[0]) == QUEUE_FIELDS
    assert body[0]["started_at"] is None and body[0]["completed_at"] is None
    done = body[3]
    assert Z_TIME.match(done["started_at"]) and Z_TIME.match(done["completed_at"])
    assert (body[2]["current_step"], body[2]["error_message"]) == ("email_composer", "boom")


def test_errors_list_failed_items_with_their_user(
    client: TestClient, caller: Caller, admin: dict[str, str]
) -> None:
    failed = add_item(caller.id, QueueStatus.FAILED, error="Exa returned 401")
    cancelled = add_item(caller.id, QueueStatus.CANCELLED)
    body = client.get("/api/admin/errors", headers=admin).json()
    ids = [row["id"] for row in body]
    assert str(cancelled) not in ids
    row = body[ids.index(str(failed))]
    assert set(row) == ERROR_FIELDS
    assert (row["user_email"], row["user_display_name"]) == (caller.email, "Test Student")
    assert row["error_message"] == "Exa returned 401"
    assert Z_TIME.match(row["created_at"]) and Z_TIME.match(row["started_at"])
    assert [row["created_at"] for row in body] == sorted((row["created_at"] for row in body), reverse=True)
