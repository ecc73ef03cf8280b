"""The summariser's structured output (the emulator recognises the role by these field names)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from pipeline.models import Fact


class ResearchNotes(BaseModel):
    facts: list[Fact] = Field(description="Short facts about the recipient, each tied to its source url.")
