from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field

from schemas.common import RequestModel, ResponseModel, UTCDateTime, to_utc_z
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


def queue_entries(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Queue rows (each with `QueueItemOut`'s fields as attributes) as `QueueItemOut` dumps them.

    The list is polled every second by every open tab with up to 100+ items: validating a model
    per row and serialising it cost ~4 times this; `pydantic_core.to_json` of these dicts gives the
    same bytes as the models' `dump_json` (tests/unit/test_queue_entries.py).
    """
    return [
        {
            "id": row.id,
            "recipient_name": row.recipient_name,
            "status": row.status,
            "position": row.position,
            "email_id": row.email_id,
            "error_message": row.error_message,
            "current_step": row.current_step,
            "created_at": to_utc_z(row.created_at),
        }
        for row in rows
    ]
