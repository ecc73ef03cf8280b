from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAtMixin, IdMixin


class Email(IdMixin, CreatedAtMixin, Base):
    """A finished email. `queue_item_id` is unique: one queue item can never write two emails."""

    __tablename__ = "emails"
    __table_args__ = (Index("ix_emails_user_id_created_at", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    queue_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("queue_items.id", ondelete="SET NULL"), unique=True
    )
    recipient_name: Mapped[str] = mapped_column(String(255))
    recipient_interest: Mapped[str] = mapped_column(String(500))
    email_message: Mapped[str] = mapped_column(Text)
    template_type: Mapped[str] = mapped_column(String(16))
    # "metadata" is reserved on declarative classes; the column keeps the seed's name.
    email_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    is_confident: Mapped[bool] = mapped_column(default=False, server_default="false")
    displayed: Mapped[bool] = mapped_column(default=True, server_default="true")
