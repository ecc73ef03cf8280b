from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAtMixin, IdMixin


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
    email_template: Mapped[str] = mapped_column(Text)
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
