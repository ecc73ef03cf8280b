from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from pipeline.template_fit import unsupported_placeholders, unsupported_placeholders_message
from schemas.common import OMITTED_WHEN_NONE, RequestModel, ResponseModel, UTCDateTime

PLACEHOLDER = re.compile(r"\{\{\s*[^{}\s][^{}]*\}\}")


def _needs_a_placeholder(value: str) -> str:
    if not PLACEHOLDER.search(value):
        raise ValueError("email_template must contain at least one {{placeholder}}, e.g. {{name}}")
    # `[Your Name]` or `{name}` would be sent half-filled: refuse before anything is queued.
    if unsupported := unsupported_placeholders(value):
        raise ValueError(unsupported_placeholders_message(unsupported))
    return value


EmailTemplate = Annotated[
    str,
    Field(
        min_length=10,
        max_length=5000,
        description="The template; at least one {{placeholder}}, none in [brackets] or {single} braces.",
        json_schema_extra={"pattern": PLACEHOLDER.pattern},
    ),
    AfterValidator(_needs_a_placeholder),
]


class Recipient(RequestModel):
    recipient_name: str = Field(min_length=2, max_length=255)
    recipient_interest: str = Field(min_length=2, max_length=500)


class GenerateRequest(Recipient):
    email_template: EmailTemplate


class TaskAccepted(ResponseModel):
    task_id: uuid.UUID


class EmailUpdate(RequestModel):
    displayed: bool


class EmailOut(ResponseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    recipient_name: str
    recipient_interest: str
    email_message: str
    template_type: Literal["research", "book", "general"]
    metadata: dict[str, Any] | None = Field(validation_alias="email_metadata")
    is_confident: bool
    displayed: bool
    created_at: UTCDateTime


TaskState = Literal["PENDING", "STARTED", "SUCCESS", "FAILURE"]


class TaskResult(ResponseModel):
    """Progress while running (`current_step`, `step_status`, `step_timings`), then the email
    (`email_id`, `step_timings`). The frontend declares every key `.optional()`: a key without a
    value is left out, never sent as null."""

    email_id: Annotated[uuid.UUID | None, OMITTED_WHEN_NONE] = None
    current_step: Annotated[str | None, OMITTED_WHEN_NONE] = None
    step_status: Annotated[str | None, OMITTED_WHEN_NONE] = None
    step_timings: Annotated[dict[str, float] | None, OMITTED_WHEN_NONE] = None


class TaskError(ResponseModel):
    message: str
    type: str
    failed_step: Annotated[str | None, OMITTED_WHEN_NONE] = None


class TaskStatus(ResponseModel):
    """`result` and `error` are `.nullish()` for the frontend: null when there is nothing to say."""

    task_id: uuid.UUID
    status: TaskState
    result: TaskResult | None = None
    error: TaskError | None = None
