"""The parser's structured output (the emulator recognises the role by these field names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ParsedTemplate(BaseModel):
    template_type: Literal["research", "book", "general"] = Field(
        description="research: mentions the recipient's research or papers; book: their books; else general."
    )
    search_queries: list[str] = Field(description="One to three web-search queries about the recipient.")
    placeholders: list[str] = Field(description="Every {{placeholder}} name in the template, without braces.")
