"""PipelineData: one object per email, enriched by each step in turn (SPEC §7)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from pipeline.models.progress import StepResult
from pipeline.models.research import (
    ArxivPaper,
    Fact,
    PaperScreening,
    ScrapingMetadata,
    Source,
    SourceJudgement,
)
from pipeline.models.template_type import TemplateType
from pipeline.models.usage import Usage
from pipeline.models.verification import Verification


class PipelineData(BaseModel):
    # Input
    queue_item_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    recipient_name: str
    recipient_interest: str
    email_template: str

    # Template parser
    template_type: TemplateType = TemplateType.GENERAL
    search_queries: list[str] = Field(default_factory=list)
    placeholders: list[str] = Field(default_factory=list)

    # Web scraper and arXiv helper
    sources: list[Source] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    source_judgements: list[SourceJudgement] = Field(default_factory=list)
    arxiv_papers: list[ArxivPaper] = Field(default_factory=list)
    scraping: ScrapingMetadata = Field(default_factory=ScrapingMetadata)
    paper_screening: PaperScreening = Field(default_factory=PaperScreening)

    # Email composer and verification
    email_message: str = ""
    used_source_urls: list[str] = Field(default_factory=list)
    used_paper_ids: list[str] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)
    is_confident: bool = False

    # Accounting, filled by the runner
    step_timings: dict[str, float] = Field(default_factory=dict)
    models: dict[str, str] = Field(default_factory=dict)
    usage: dict[str, Usage] = Field(default_factory=dict)
    step_notes: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    def record(self, step: str, result: StepResult, seconds: float) -> None:
        """Store a finished step's duration, model, usage and note."""
        self.step_timings[step] = round(seconds, 3)
        if result.model:
            self.models[step] = result.model
        if result.usage is not None:
            self.usage[step] = result.usage
        if result.note:
            self.step_notes[step] = result.note

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @property
    def recipient_sources(self) -> list[Source]:
        """The sources the identity resolution found to be about the recipient (all, before it runs)."""
        if self.paper_screening.method == "not run":
            return list(self.sources)
        about = set(self.paper_screening.recipient_sources)
        return [source for source in self.sources if source.url in about]
