from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
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


def queue_entries(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows of `QueueItemOut`'s fields, in its order, as `QueueItemOut` dumps them.

    The list is polled every second by every open tab with up to 100+ items: validating a model
    per row and serialising it cost ~4 times this (and reading a row's values by name, twice);
    `pydantic_core.to_json` of these dicts gives the same bytes as the models' `dump_json`
    (tests/unit/test_queue_entries.py).
    """
    return [
        {
            "id": item_id,
            "recipient_name": name,
            "status": status,
            "position": position,
            "email_id": email_id,
            "error_message": error,
            "current_step": step,
            "created_at": to_utc_z(created_at),
        }
        for item_id, name, status, position, email_id, error, step, created_at in rows
    ]
