"""Reading and soft-deleting the caller's emails."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Email
from services.errors import NotFound


def get_email(*, session: Session, user_id: uuid.UUID, email_id: uuid.UUID) -> Email:
    email = session.scalar(select(Email).where(Email.id == email_id, Email.user_id == user_id))
    if email is None:
        raise NotFound("Email not found")
    return email


def list_emails(
    *, session: Session, user_id: uuid.UUID, limit: int, offset: int, include_discarded: bool
) -> list[Email]:
    query = select(Email).where(Email.user_id == user_id)
    if not include_discarded:
        query = query.where(Email.displayed.is_(True))
    query = query.order_by(Email.created_at.desc(), Email.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))
