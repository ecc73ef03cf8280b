"""Rows for admin tests, written straight through the models for users made via the API."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from database.engine import session_scope
from models import Email, QueueItem, QueueStatus, QueueTemplate, Template
from services.admin import week_start
from tests.fixtures.api import make_caller

Z_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def admin_headers(client: TestClient) -> dict[str, str]:
    """An admin who never called /api/user/init."""
    return make_caller(client, init=False, email="admin@scribe.test").headers


def now() -> datetime:
    return datetime.now(UTC)


def this_monday() -> datetime:
    return datetime.combine(week_start(now()), datetime.min.time(), tzinfo=UTC)


def add_email(
    user_id: uuid.UUID, *, at: datetime | None = None, confident: bool = False, **extra: Any
) -> None:
    with session_scope() as session:
        session.add(
            Email(
                user_id=user_id,
                recipient_name=extra.pop("recipient_name", "Dr. Ada Lovelace"),
                recipient_interest="analytical engines",
                email_message="Dear Dr. Lovelace, ...",
                template_type="research",
                email_metadata={"model": "test"},
                is_confident=confident,
                created_at=at or now(),
                **extra,
            )
        )
        session.commit()


def add_item(
    user_id: uuid.UUID,
    status: QueueStatus,
    *,
    seconds: float | None = None,
    at: datetime | None = None,
    error: str | None = None,
) -> uuid.UUID:
    created = at or now()
    started = created + timedelta(seconds=1) if status != QueueStatus.PENDING else None
    with session_scope() as session:
        item = QueueItem(
            user_id=user_id,
            recipient_name="Prof. Grace Hopper",
            recipient_interest="compilers",
            template=QueueTemplate(user_id=user_id, text="Hi {{name}}"),
            status=status,
            current_step="email_composer" if status == QueueStatus.FAILED else None,
            error_message=error,
            created_at=created,
            started_at=started,
            completed_at=started + timedelta(seconds=seconds) if started and seconds is not None else None,
        )
        session.add(item)
        session.commit()
        return item.id


def add_template(user_id: uuid.UUID, *, at: datetime | None = None) -> None:
    with session_scope() as session:
        session.add(
            Template(
                user_id=user_id,
                pdf_url="https://storage.test/resume.pdf",
                template_text="Hi {{name}}, I read {{paper}}.",
                user_instructions="Keep it short and warm.",
                created_at=at or now(),
            )
        )
        session.commit()
