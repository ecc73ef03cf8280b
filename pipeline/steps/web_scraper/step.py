"""Step 2: search the web for the recipient, then summarise the sources into facts tied to them."""

from __future__ import annotations

import re

from pydantic_ai import Agent

from config.settings import get_settings
from pipeline.core.step import Step
from pipeline.models import Fact, PipelineData, Source, StepResult
from pipeline.steps.web_scraper.output import ResearchNotes
from pipeline.steps.web_scraper.pages import PageFetcher, fill_thin_sources
from pipeline.steps.web_scraper.prompt import INSTRUCTIONS, build_prompt
from pipeline.steps.web_scraper.search import (
    SearchClientFactory,
    build_search_queries,
    search_sources,
    shared_exa_client,
)
from pipeline.text import normalise_url
from services import async_runtime
from services.llm import build_agent, run_agent
from services.page_fetch import fetch_page

MAX_FACTS = 12

_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|earlier|all)\b.{0,20}\b(instructions?|prompts?)\b"
    r"|\bsystem prompt\b|\byou are (now )?an? (ai|assistant|language model)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|www\.|[\w.+-]+@[\w-]+\.[\w.]+")
# A fact about an academic is said about them; text addressed to "you" is aimed at the reader.
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself)\b", re.IGNORECASE)


def summarizer_agent() -> Agent[None, ResearchNotes]:
    return build_agent(get_settings().research_summarizer_model, ResearchNotes, INSTRUCTIONS, max_tokens=2048)


def looks_like_instruction(text: str) -> bool:
    """Page text aimed at a language model or at the reader, or carrying a link or address: never a
    fact about a person."""
    return bool(_INSTRUCTION.search(text) or _LINK.search(text) or _SECOND_PERSON.search(text))


def grounded_facts(facts: list[Fact], sources: list[Source], *, limit: int = MAX_FACTS) -> list[Fact]:
    """Facts whose source_url is one of this run's sources (given that source's exact url), deduplicated;
    injected instructions a summariser copied from a page are dropped."""
    by_url = {normalise_url(source.url): source.url for source in sources}
    kept: dict[str, Fact] = {}
    for fact in facts:
        url = by_url.get(normalise_url(fact.source_url))
        text = " ".join(fact.text.split())
        if url and text and not looks_like_instruction(text):
            kept.setdefault(text.casefold(), Fact(text=text, source_url=url))
    return list(kept.values())[:limit]


class WebScraperStep(Step):
    name = "web_scraper"

    def __init__(
        self,
        *,
        client_factory: SearchClientFactory | None = None,
        page_fetcher: PageFetcher | None = fetch_page,
    ) -> None:
        """`client_factory` builds a search client per run, closed after it (None: the event loop's
        shared Exa client); `page_fetcher` fills in thin search results (None: use them as they are)."""
        self._client_factory = client_factory
        self._page_fetcher = page_fetcher

    async def run(self, data: PipelineData) -> StepResult:
        queries = build_search_queries(
            name=data.recipient_name,
            interest=data.recipient_interest,
            parser_queries=data.search_queries,
            template_type=data.template_type,
        )
        data.scraping.queries = queries
        sources, counts, warnings = await self._search(queries)
        data.scraping.result_counts = counts
        data.scraping.warnings.extend(warnings)
        if self._page_fetcher is not None and sources:
            sources, data.scraping.fetched_pages = await fill_thin_sources(sources, self._page_fetcher)
        data.sources = sources
        if not sources:
            data.warnings.extend(warnings)
            return StepResult(note="no web sources; the email cannot cite the recipient's work")
        outcome = await run_agent(
            summarizer_agent(),
            build_prompt(
                recipient_name=data.recipient_name,
                recipient_interest=data.recipient_interest,
                sources=sources,
            ),
        )
        data.facts = grounded_facts(outcome.output.facts, sources)
        data.source_judgements = outcome.output.sources
        dropped = len(outcome.output.facts) - len(data.facts)
        note = f"dropped {dropped} facts without a matching source" if dropped > 0 else None
        return StepResult(model=outcome.model, usage=outcome.usage, note=note)

    async def _search(self, queries: dict[str, str]) -> tuple[list[Source], dict[str, int], list[str]]:
        factory = self._client_factory
        try:
            if factory is None:
                client = await shared_exa_client()
            else:
                client = await async_runtime.in_thread("io", factory)
        except Exception as exc:  # e.g. no EXA_API_KEY: the email is still written, without sources
            return [], {}, [f"web search unavailable: {type(exc).__name__}: {exc}"]
        try:
            return await search_sources(client, queries)
        finally:
            if factory is not None:
                await client.aclose()
