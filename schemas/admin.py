from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import Field

from schemas.common import ResponseModel, UTCDateTime


class AdminOverview(ResponseModel):
    total_users: int
    total_emails: int
    success_rate: float = Field(description="completed / (completed + failed) queue items, percent")
    avg_gen_time_seconds: float = Field(description="mean started → completed time of completed items")
    total_templates: int
    confidence_rate: float = Field(description="confident emails / all emails, percent")
    error_count: int = Field(description="failed queue items")
    emails_this_week: int = Field(description="emails since Monday 00:00 UTC")
    active_users_this_week: int


class AdminUser(ResponseModel):
    id: uuid.UUID
    email: str
    display_name: str | None
    generation_count: int
    template_count: int
    onboarded: bool
    created_at: UTCDateTime
    actual_email_count: int
    queue_submissions: int = Field(description="queue items not cancelled by the user")
    failed_count: int
    email_template: str | None


class AdminEmail(ResponseModel):
    id: uuid.UUID
    recipient_name: str
    recipient_interest: str
    email_message: str
    template_type: str
    is_confident: bool
    metadata: dict[str, Any] | None = Field(validation_alias="email_metadata")
    created_at: UTCDateTime


class AdminEmailPage(ResponseModel):
    items: list[AdminEmail]
    total: int
    page: int
    per_page: int
    pages: int


class AdminTemplate(ResponseModel):
    id: uuid.UUID
    template_text: str
    user_instructions: str
    pdf_url: str
    created_at: UTCDateTime


class AdminQueueItem(ResponseModel):
    id: uuid.UUID
    recipient_name: str
    recipient_interest: str
    status: str
    current_step: str | None
    error_message: str | None
    started_at: UTCDateTime | None
    completed_at: UTCDateTime | None
    created_at: UTCDateTime


class WeekActivity(ResponseModel):
    week: date = Field(description="the week's Monday (UTC), YYYY-MM-DD")
    emails_generated: int
    active_users: int


class AdminError(ResponseModel):
    id: uuid.UUID
    user_email: str
    user_display_name: str | None
    recipient_name: str
    current_step: str | None
    error_message: str | None
    created_at: UTCDateTime
    started_at: UTCDateTime | None
