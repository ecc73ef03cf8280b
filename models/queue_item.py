from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAtMixin, IdMixin
from models.queue_template import QueueTemplate


class QueueStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class QueueItem(IdMixin, CreatedAtMixin, Base):
    """The durable record of one requested email; Celery only executes it."""

    __tablename__ = "queue_items"
    __table_args__ = (
        Index("ix_queue_items_user_id_created_at", "user_id", "created_at"),
        Index("ix_queue_items_status_created_at", "status", "created_at"),
        # Each user's pending items in line order: the fair line reads a user's first items and
        # walks the users with pending work through this index only (services/fair_queue.py).
        Index(
            "ix_queue_items_pending_line",
            "user_id",
            "created_at",
            "batch_index",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    batch_index: Mapped[int] = mapped_column(default=0, server_default="0")
    recipient_name: Mapped[str] = mapped_column(String(255))
    recipient_interest: Mapped[str] = mapped_column(String(500))
    # A submission's items share one template row (stored once, not once per item). Rows written
    # before migration 0004 by a release still running during the deploy carry `email_template`
    # instead; the column goes in a later release (expand now, contract later).
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("queue_templates.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[QueueTemplate | None] = relationship()
    email_template: Mapped[str | None] = mapped_column(Text)

    @property
    def template_text(self) -> str:
        if self.template is not None:
            return self.template.text
        if self.email_template is None:
            raise ValueError(f"queue item {self.id} has no template")
        return self.email_template

    status: Mapped[str] = mapped_column(String(16), default=QueueStatus.PENDING, server_default="pending")
    celery_task_id: Mapped[str | None] = mapped_column(String(64))
    current_step: Mapped[str | None] = mapped_column(String(64))
    step_status: Mapped[str | None] = mapped_column(String(32))
    step_timings: Mapped[dict[str, Any] | None] = mapped_column()
    # Not a foreign key: emails.queue_item_id (unique) is the enforced link; this is a read shortcut.
    email_id: Mapped[uuid.UUID | None] = mapped_column()
    error_message: Mapped[str | None] = mapped_column(Text)
    error_type: Mapped[str | None] = mapped_column(String(64))
    failed_step: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    enqueued_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
