from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from pipeline.template_fit import unsupported_placeholders, unsupported_placeholders_message
from schemas.common import RequestModel, ResponseModel, UTCDateTime

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


class TaskError(ResponseModel):
    message: str
    type: str
    failed_step: str | None = None


class TaskStatus(ResponseModel):
    task_id: uuid.UUID
    status: TaskState
    result: dict[str, Any] | None = None
    error: TaskError | None = None
