"""The composer's structured output (the emulator recognises the role by these field names)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ComposedEmail(BaseModel):
    email: str = Field(description="The complete email: the template with every placeholder filled.")
    used_source_urls: list[str] = Field(description="Urls of the sources whose facts the email uses.")
    used_paper_ids: list[str] = Field(description="arxiv_id of every paper the email mentions.")
