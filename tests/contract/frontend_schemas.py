"""The real frontend's view of Scribe's responses, written field by field from its zod schemas.

Source: the frontend's `lib/schemas.ts` and `lib/api/admin.ts` (shared/reference/frontend/,
Mishra-Manit/scribe-frontend@01eac02), which parse every response with zod 4; a body that does not
parse is an error screen. Each zod modifier has one spelling here:

    zod                          here                     the JSON key
    x: T                         x: T                     present, a T
    x: T.optional()              x: NotRequired[T]        absent, or a T: null is refused
    x: T.nullable()              x: T | None              present: a T or null
    x: T.nullish()               x: NotRequired[T | None] absent, null or a T
    z.string().uuid()            Uuid                     RFC 9562 layout: version 1-8, variant 8-b
    z.string().datetime()        DateTime                 YYYY-MM-DDTHH:MM:SS[.digits]Z, a real date
    z.string().email()           EmailAddress             zod's practical e-mail rule
    z.number()                   Number                   any finite number (never a boolean)
    .int().nonnegative()         Count                    a safe integer >= 0
    .int().positive()            Position                 a safe integer >= 1
    z.record(z.string(), T)      dict[str, T]

zod drops keys it does not know; these models refuse them (`extra="forbid"`), so a key Scribe adds
or renames is a decision made in this file, never silent drift. Where Scribe's own rules (SPEC §4)
say more than the frontend checks, they live in `spec_rules.py`, not here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import AfterValidator, ConfigDict, Field, JsonValue, StrictStr, with_config

STRICT = ConfigDict(extra="forbid", strict=True)
SAFE_INTEGER = 2**53 - 1  # zod's .int() accepts only JavaScript's safe integers

HEX = frozenset("0123456789abcdefABCDEF")
NIL_UUID = "00000000-0000-0000-0000-000000000000"


def _uuid(value: str) -> str:
    groups = value.split("-")
    if value == NIL_UUID:
        return value
    if [len(group) for group in groups] != [8, 4, 4, 4, 12] or not set(value.replace("-", "")) <= HEX:
        raise ValueError(f"{value!r} is not laid out as a UUID")
    if groups[2][0] not in "12345678" or groups[3][0] not in "89abAB":
        raise ValueError(f"{value!r} has no RFC 9562 version (1-8) and variant (8, 9, a, b)")
    return value


_INSTANT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z")


def _datetime(value: str) -> str:
    # Seconds are required, the fraction may have any number of digits, and the offset must be Z.
    match = _INSTANT.fullmatch(value)
    if match is None:
        raise ValueError(f"{value!r} is not an ISO 8601 UTC instant ending in Z")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    datetime(year, month, day, hour, minute, second)  # refuses 2026-02-30, 24:00 and leap seconds
    return value


_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'+-.")
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    valid = (
        at == "@"
        and local
        and set(local) <= _LOCAL_CHARS
        and not local.startswith(".")
        and local[-1] not in ".'"
        and ".." not in value
        and len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels[:-1])
        and len(labels[-1]) >= 2
        and labels[-1].isascii()
        and labels[-1].isalpha()
    )
    if not valid:
        raise ValueError(f"{value!r} is not an e-mail address the frontend accepts")
    return value


Uuid = Annotated[StrictStr, AfterValidator(_uuid)]
DateTime = Annotated[StrictStr, AfterValidator(_datetime)]
EmailAddress = Annotated[StrictStr, AfterValidator(_email)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=SAFE_INTEGER)]
Position = Annotated[int, Field(ge=1, le=SAFE_INTEGER)]
Metadata = dict[str, Any]


# --- lib/schemas.ts -----------------------------------------------------------------------


@with_config(STRICT)
class GenerateEmailResponse(TypedDict):
    task_id: str


@with_config(STRICT)
class TaskResult(TypedDict):
    email_id: NotRequired[Uuid]
    current_step: NotRequired[str]
    step_status: NotRequired[str]
    step_timings: NotRequired[dict[str, Number]]


@with_config(STRICT)
class TaskError(TypedDict):
    message: str
    type: str
    failed_step: NotRequired[str]


@with_config(STRICT)
class TaskStatusResponse(TypedDict):
    task_id: str
    status: Literal["PENDING", "STARTED", "SUCCESS", "FAILURE"]
    result: NotRequired[TaskResult | None]
    error: NotRequired[str | TaskError | None]


@with_config(STRICT)
class EmailResponse(TypedDict):
    id: Uuid
    user_id: Uuid
    recipient_name: str
    recipient_interest: str
    email_message: str
    template_type: str
    metadata: Metadata | None
    is_confident: bool
    displayed: NotRequired[bool]  # `.default(true)`: absent is read as true, null is refused
    created_at: DateTime


@with_config(STRICT)
class UserProfile(TypedDict):
    id: Uuid
    email: EmailAddress
    display_name: str | None
    generation_count: Count
    onboarded: bool
    email_template: str | None
    created_at: DateTime


@with_config(STRICT)
class UserProfileWithCount(UserProfile):
    template_count: Count


@with_config(STRICT)
class TemplateResponse(TypedDict):
    id: Uuid
    user_id: Uuid
    pdf_url: str
    template_text: str
    user_instructions: str
    created_at: DateTime


@with_config(STRICT)
class QueueItem(TypedDict):
    id: Uuid
    recipient_name: str
    status: Literal["pending", "processing", "completed", "failed"]
    position: Position | None
    email_id: Uuid | None
    error_message: str | None
    current_step: str | None
    created_at: DateTime


@with_config(STRICT)
class BatchSubmitResponse(TypedDict):
    queue_item_ids: list[Uuid]
    message: str


@with_config(STRICT)
class CancelQueueItemResponse(TypedDict):
    message: str


# --- lib/api/admin.ts ---------------------------------------------------------------------


@with_config(STRICT)
class AdminOverview(TypedDict):
    total_users: Number
    total_emails: Number
    success_rate: Number
    avg_gen_time_seconds: Number
    total_templates: Number
    confidence_rate: Number
    error_count: Number
    emails_this_week: Number
    active_users_this_week: Number


@with_config(STRICT)
class AdminUser(TypedDict):
    id: Uuid
    email: EmailAddress
    display_name: str | None
    generation_count: Number
    template_count: Number
    onboarded: bool
    created_at: str
    actual_email_count: Number
    queue_submissions: Number
    failed_count: Number
    email_template: str | None


@with_config(STRICT)
class AdminEmail(TypedDict):
    id: Uuid
    recipient_name: str
    recipient_interest: str
    email_message: str
    template_type: str | None
    is_confident: bool
    metadata: Metadata | None
    created_at: str


@with_config(STRICT)
class PaginatedEmails(TypedDict):
    items: list[AdminEmail]
    total: Number
    page: Number
    per_page: Number
    pages: Number


@with_config(STRICT)
class AdminTemplate(TypedDict):
    id: Uuid
    template_text: str
    user_instructions: str | None
    pdf_url: str | None
    created_at: str


@with_config(STRICT)
class AdminQueueItem(TypedDict):
    id: Uuid
    recipient_name: str
    recipient_interest: str
    status: str
    current_step: str | None
    error_message: str | None
    started_at: str | None
    completed_at: str | None
    created_at: str


@with_config(STRICT)
class AdminActivity(TypedDict):
    week: str
    emails_generated: Number
    active_users: Number


@with_config(STRICT)
class AdminError(TypedDict):
    id: Uuid
    user_email: str
    user_display_name: str | None
    recipient_name: str
    current_step: str | None
    error_message: str | None
    created_at: str
    started_at: str | None


# --- not parsed by the frontend: SPEC §4 ----------------------------------------------------


def _a_sentence_not_json(value: str) -> str:
    # `handleResponse` shows `message || detail`, JSON-stringifying objects: the message must read as text.
    if not value.strip() or value.lstrip()[:1] in '{["':
        raise ValueError(f"message {value!r} is not a human sentence")
    return value


@with_config(STRICT)
class ErrorBody(TypedDict):
    """`{"detail": <any shape>, "message": "<what the student reads>"}` (lib/api/client.ts)."""

    detail: JsonValue
    message: Annotated[str, AfterValidator(_a_sentence_not_json)]


@with_config(STRICT)
class Health(TypedDict):
    status: Literal["ok", "degraded"]
    database: Literal["up", "down"]
    broker: Literal["up", "down"]
    workers: NotRequired[JsonValue]
    version: str
    timestamp: DateTime
