"""The frontend's view of the REST API, written from SPEC §4 alone (never from `schemas/`).

Every model forbids extra fields and has no defaults unless the spec marks a field optional,
so an added, renamed or missing field fails. Ids must be UUID strings and every timestamp an
ISO-8601 UTC string ending in `Z`, as the frontend parses them.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
UTC_Z_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"


def _real_instant(value: str) -> str:
    datetime.fromisoformat(value)  # the regex admits 2026-13-45T99:00:00Z; the calendar does not
    return value


def _a_monday(value: str) -> str:
    if date.fromisoformat(value).weekday() != 0:
        raise ValueError(f"{value} is not a Monday")
    return value


Id = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Timestamp = Annotated[str, StringConstraints(pattern=UTC_Z_PATTERN), AfterValidator(_real_instant)]
Week = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_a_monday)]
Count = Annotated[int, Field(ge=0)]
Percent = Annotated[float, Field(ge=0, le=100)]
StepTimings = dict[str, Annotated[float, Field(ge=0)]]
TemplateType = Literal["research", "book", "general"]
QueueStatus = Literal["pending", "processing", "completed", "failed"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _a_sentence_not_json(value: str) -> str:
    # The frontend shows `message || detail` and JSON-stringifies objects: the message must read as text.
    if not value.strip() or value.lstrip()[:1] in '{["':
        raise ValueError(f"message {value!r} is not a human sentence")
    return value


class ErrorBody(Strict):
    """`{"detail": <any shape>, "message": "<what the student reads>"}`."""

    detail: JsonValue
    message: Annotated[str, AfterValidator(_a_sentence_not_json)]


# --- user ---------------------------------------------------------------------------------


class UserProfile(Strict):
    id: Id
    email: str
    display_name: str | None
    generation_count: Count
    onboarded: bool
    email_template: str | None
    created_at: Timestamp


class UserProfileWithTemplates(UserProfile):
    template_count: Count


# --- email --------------------------------------------------------------------------------


class TaskAccepted(Strict):
    task_id: Id


class RunningResult(Strict):
    current_step: str | None
    step_status: str | None
    step_timings: StepTimings


class SuccessResult(BaseModel):
    """`{email_id, step_timings, ...}`: the spec leaves room for more keys."""

    model_config = ConfigDict(extra="allow", strict=True)
    email_id: Id
    step_timings: StepTimings


class TaskError(Strict):
    message: Annotated[str, Field(min_length=1)]
    type: str
    failed_step: str | None


class PendingTask(Strict):
    task_id: Id
    status: Literal["PENDING"]
    result: None
    error: None


class StartedTask(Strict):
    task_id: Id
    status: Literal["STARTED"]
    result: RunningResult
    error: None


class SucceededTask(Strict):
    task_id: Id
    status: Literal["SUCCESS"]
    result: SuccessResult
    error: None


class FailedTask(Strict):
    task_id: Id
    status: Literal["FAILURE"]
    result: None
    error: Annotated[str, Field(min_length=1)] | TaskError


TaskStatus = Annotated[PendingTask | StartedTask | SucceededTask | FailedTask, Field(discriminator="status")]


class Email(Strict):
    id: Id
    user_id: Id
    recipient_name: str
    recipient_interest: str
    email_message: str
    template_type: TemplateType
    metadata: dict[str, Any] | None
    is_confident: bool
    displayed: bool
    created_at: Timestamp


# --- queue --------------------------------------------------------------------------------


class BatchCreated(Strict):
    queue_item_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    message: str


class QueueItem(Strict):
    id: Id
    recipient_name: str
    status: QueueStatus
    position: Annotated[int, Field(ge=1)] | None
    email_id: Id | None
    error_message: str | None
    current_step: str | None
    created_at: Timestamp

    @model_validator(mode="after")
    def only_pending_items_have_a_place_in_line(self) -> Self:
        if (self.status == "pending") != (self.position is not None):
            raise ValueError(f"a {self.status} item has position {self.position}")
        return self


class Message(Strict):
    message: str


# --- templates ----------------------------------------------------------------------------


class Template(Strict):
    id: Id
    user_id: Id
    pdf_url: str
    template_text: str
    user_instructions: str
    created_at: Timestamp


# --- admin --------------------------------------------------------------------------------


class AdminOverview(Strict):
    total_users: Count
    total_emails: Count
    success_rate: Percent
    avg_gen_time_seconds: Annotated[float, Field(ge=0)]
    total_templates: Count
    confidence_rate: Percent
    error_count: Count
    emails_this_week: Count
    active_users_this_week: Count


class AdminUser(Strict):
    id: Id
    email: str
    display_name: str | None
    generation_count: Count
    template_count: Count
    onboarded: bool
    created_at: Timestamp
    actual_email_count: Count
    queue_submissions: Count
    failed_count: Count
    email_template: str | None


class AdminEmail(Strict):
    id: Id
    recipient_name: str
    recipient_interest: str
    email_message: str
    template_type: TemplateType
    is_confident: bool
    metadata: dict[str, Any] | None
    created_at: Timestamp


class AdminEmailPage(Strict):
    items: list[AdminEmail]
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    pages: Count

    @model_validator(mode="after")
    def the_page_arithmetic_adds_up(self) -> Self:
        if self.pages != math.ceil(self.total / self.per_page) and not (self.total == 0 and self.pages == 1):
            raise ValueError(f"{self.total} items in pages of {self.per_page} are not {self.pages} pages")
        if len(self.items) > self.per_page:
            raise ValueError(f"{len(self.items)} items on a page of {self.per_page}")
        return self


class AdminTemplate(Strict):
    id: Id
    template_text: str
    user_instructions: str
    pdf_url: str
    created_at: Timestamp


class AdminQueueItem(Strict):
    """Admins see every state, cancelled included."""

    id: Id
    recipient_name: str
    recipient_interest: str
    status: QueueStatus | Literal["cancelled"]
    current_step: str | None
    error_message: str | None
    started_at: Timestamp | None
    completed_at: Timestamp | None
    created_at: Timestamp


class WeekActivity(Strict):
    week: Week
    emails_generated: Count
    active_users: Count


class AdminError(Strict):
    id: Id
    user_email: str
    user_display_name: str | None
    recipient_name: str
    current_step: str | None
    error_message: str | None
    created_at: Timestamp
    started_at: Timestamp | None


# --- system -------------------------------------------------------------------------------


class Health(Strict):
    status: str
    database: str
    broker: str
    workers: JsonValue = None  # `workers?`: optional, shape unspecified
    version: str
    timestamp: Timestamp
