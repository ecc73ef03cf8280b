from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RecoverySweep(Base):
    """When a recovery sweep last started and on which worker: the workers sweep once per interval
    between them, however many there are (services/recovery.py)."""

    __tablename__ = "recovery_sweeps"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column()
    swept_by: Mapped[str] = mapped_column(String(255))
