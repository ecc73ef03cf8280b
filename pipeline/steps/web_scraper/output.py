"""The summariser's structured output (the emulator recognises the role by these field names): who each
source is about, and facts about the recipient tied to their sources."""

from __future__ import annotations

from pydantic import BaseModel, Field

from pipeline.models import Fact, SourceJudgement


class ResearchNotes(BaseModel):
    sources: list[SourceJudgement] = Field(
        default_factory=list, description="For every source: is it about the recipient, with a quote."
    )
    facts: list[Fact] = Field(description="Short facts about the recipient, each tied to its source url.")
