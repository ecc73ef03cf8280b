from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAtMixin, IdMixin


class Template(IdMixin, CreatedAtMixin, Base):
    """A template written from the user's resume."""

    __tablename__ = "templates"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pdf_url: Mapped[str] = mapped_column(Text)
    template_text: Mapped[str] = mapped_column(Text)
    user_instructions: Mapped[str] = mapped_column(Text)
