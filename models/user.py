from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAtMixin, utcnow


class User(CreatedAtMixin, Base):
    """A Supabase user; `id` is the token's `sub`."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    generation_count: Mapped[int] = mapped_column(default=0, server_default="0")
    template_count: Mapped[int] = mapped_column(default=0, server_default="0")
    onboarded: Mapped[bool] = mapped_column(default=False, server_default="false")
    email_template: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
