from __future__ import annotations

import uuid

from pydantic import Field

from schemas.common import RequestModel, ResponseModel, UTCDateTime


class UserInit(RequestModel):
    display_name: str | None = Field(default=None, max_length=255)


class TemplateUpdate(RequestModel):
    template: str = Field(min_length=1, max_length=10_000, pattern=r"\S")


class UserProfile(ResponseModel):
    id: uuid.UUID
    email: str = Field(json_schema_extra={"format": "email"})
    display_name: str | None
    generation_count: int = Field(ge=0)
    onboarded: bool
    email_template: str | None
    created_at: UTCDateTime


class UserProfileWithTemplates(UserProfile):
    template_count: int = Field(ge=0)
