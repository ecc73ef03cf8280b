"""Step 3: the recipient's most relevant recent arXiv papers (research templates only)."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from config.settings import get_settings
from pipeline.core.step import Step
from pipeline.models import PipelineData, StepResult, TemplateType
from pipeline.steps.arxiv_helper.authors import AuthorSearch
from pipeline.steps.arxiv_helper.client import ArxivApi, author_query
from pipeline.steps.arxiv_helper.ranking import CANDIDATES, rank_papers

log = logging.getLogger(__name__)

ARXIV_STEP_TIMEOUT_SECONDS = 30.0
# arXiv's terms: one request every 3 s. The margin keeps the spacing as arXiv sees it (arrival to
# arrival) above 3 s when one request spends longer on its way than the next.
ARXIV_INTERVAL_SECONDS = 3.0
MARGIN_SECONDS = 0.25
LIVE_INTERVAL_SECONDS = ARXIV_INTERVAL_SECONDS + MARGIN_SECONDS


@lru_cache(maxsize=4)
def author_search(api_url: str, interval: float, cache_seconds: float) -> AuthorSearch:
    """The process's arXiv search for an endpoint: one slot, one cache, shared by every pipeline."""
    return AuthorSearch(ArxivApi(api_url), interval=interval, cache_seconds=cache_seconds)


def default_author_search() -> AuthorSearch:
    """Paced at arXiv's rule against the real arXiv; the local emulator needs no pause."""
    settings = get_settings()
    interval = 0.0 if settings.scribe_providers == "local" else LIVE_INTERVAL_SECONDS
    return author_search(settings.arxiv_api_url, interval, settings.arxiv_cache_seconds)


class ArxivHelperStep(Step):
    name = "arxiv_helper"

    def __init__(
        self, *, search: AuthorSearch | None = None, timeout: float = ARXIV_STEP_TIMEOUT_SECONDS
    ) -> None:
        self._search = search
        self._timeout = timeout

    def skip_reason(self, data: PipelineData) -> str | None:
        if data.template_type is not TemplateType.RESEARCH:
            return (
                f"skipped: arXiv is searched for research templates only (this one is {data.template_type})"
            )
        return None

    async def run(self, data: PipelineData) -> StepResult:
        query = author_query(data.recipient_name)
        search = self._search or default_author_search()
        try:
            async with asyncio.timeout(self._timeout):
                found = await search.papers_by(data.recipient_name)
        except Exception as exc:  # arXiv trouble never fails the email (SPEC §7): it goes without papers
            log.warning("arxiv query failed: %s", type(exc).__name__)
            data.warn(f"arXiv search failed: {type(exc).__name__}: {str(exc)[:200]}")
            return StepResult(note="arXiv unavailable; no papers")
        # Every paper the name could have written: the identity resolution decides, with the web's help.
        data.arxiv_papers = rank_papers(
            found.papers, name=data.recipient_name, interest=data.recipient_interest, limit=CANDIDATES
        )
        origin = "cached" if found.source == "cache" else "from arXiv"
        return StepResult(
            note=f"{len(found.papers)} papers for {query} ({origin}), {len(data.arxiv_papers)} by this name"
        )
