"""Output types shaped like the pipeline's, per the emulator contract (role = property names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ParsedTemplate(BaseModel):
    template_type: Literal["research", "book", "general"]
    search_queries: list[str] = Field(min_length=1, max_length=3)
    placeholders: list[str]


class Fact(BaseModel):
    text: str
    source_url: str


class ResearchNotes(BaseModel):
    facts: list[Fact]


class PlaceholderValue(BaseModel):
    placeholder: str
    value: str


class ComposedValues(BaseModel):
    values: list[PlaceholderValue]
    used_source_urls: list[str]
    used_paper_ids: list[str]

    def value(self, placeholder: str) -> str:
        return next(item.value for item in self.values if item.placeholder == placeholder)


class GeneratedTemplate(BaseModel):
    template_text: str
