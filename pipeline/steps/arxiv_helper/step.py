"""Step 3: the recipient's most relevant recent arXiv papers (research templates only)."""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property

from config.settings import get_settings
from pipeline.core.step import Step
from pipeline.models import PipelineData, StepResult, TemplateType
from pipeline.steps.arxiv_helper.client import LIVE_DELAY_SECONDS, ArxivSearcher, author_query
from pipeline.steps.arxiv_helper.ranking import CANDIDATES, rank_papers

log = logging.getLogger(__name__)

ARXIV_STEP_TIMEOUT_SECONDS = 30.0


class ArxivHelperStep(Step):
    name = "arxiv_helper"

    def __init__(
        self, *, delay_seconds: float | None = None, timeout: float = ARXIV_STEP_TIMEOUT_SECONDS
    ) -> None:
        self._delay_seconds = delay_seconds
        self._timeout = timeout

    @cached_property
    def searcher(self) -> ArxivSearcher:
        settings = get_settings()
        delay = self._delay_seconds
        if delay is None:
            delay = 0.0 if settings.scribe_providers == "local" else LIVE_DELAY_SECONDS
        return ArxivSearcher(api_url=settings.arxiv_api_url, delay_seconds=delay)

    def skip_reason(self, data: PipelineData) -> str | None:
        if data.template_type is not TemplateType.RESEARCH:
            return (
                f"skipped: arXiv is searched for research templates only (this one is {data.template_type})"
            )
        return None

    async def run(self, data: PipelineData) -> StepResult:
        query = author_query(data.recipient_name)
        try:
            async with asyncio.timeout(self._timeout):
                found = await asyncio.to_thread(self.searcher.search, query)
        except Exception as exc:  # arXiv trouble never fails the email (SPEC §7): it goes without papers
            log.warning("arxiv query failed: %s", type(exc).__name__)
            data.warn(f"arXiv search failed: {type(exc).__name__}: {str(exc)[:200]}")
            return StepResult(note="arXiv unavailable; no papers")
        data.arxiv_papers = rank_papers(
            found,
            name=data.recipient_name,
            interest=data.recipient_interest,
            limit=CANDIDATES,
            keep_mixed_fields=True,  # the namesake screen decides, with the web step's findings
        )
        return StepResult(note=f"{len(found)} papers for {query}, {len(data.arxiv_papers)} kept")
