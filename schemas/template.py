"""Templates written from a resume (SPEC §4)."""

from __future__ import annotations

import uuid

from pydantic import Field

from schemas.common import RequestModel, ResponseModel, UTCDateTime


class TemplateCreate(RequestModel):
    pdf_url: str = Field(
        min_length=1,
        max_length=2048,
        description="The resume PDF; must be under an allowed origin (by default the Supabase storage).",
    )
    user_instructions: str = Field(
        min_length=10, max_length=2000, description="What the template should say or stress."
    )


class TemplateOut(ResponseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    pdf_url: str
    template_text: str
    user_instructions: str
    created_at: UTCDateTime
