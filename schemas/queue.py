from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from schemas.common import RequestModel, ResponseModel, UTCDateTime
from schemas.email import EmailTemplate, Recipient

MAX_BATCH = 100


class BatchRequest(RequestModel):
    items: list[Recipient] = Field(min_length=1, max_length=MAX_BATCH)
    email_template: EmailTemplate


class BatchCreated(ResponseModel):
    queue_item_ids: list[uuid.UUID]
    message: str


class QueueItemOut(ResponseModel):
    id: uuid.UUID
    recipient_name: str
    status: Literal["pending", "processing", "completed", "failed"]
    position: int | None = Field(
        default=None, description="1-based place in the line while pending, else null"
    )
    email_id: uuid.UUID | None
    error_message: str | None
    current_step: str | None
    created_at: UTCDateTime

    @classmethod
    def from_row(cls, item: object, position: int | None) -> QueueItemOut:
        """A queue row and its place in line (null unless pending)."""
        row = cls.model_validate(item)
        row.position = position  # an assignment, not a copy: this runs for every item of every poll
        return row
