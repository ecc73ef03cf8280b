"""Thin search results filled in by fetching the page itself (services/page_fetch.py is the fetcher)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pipeline.models import FetchedPage, Source
from services.page_fetch import PageText
from services.safe_fetch import FetchError

log = logging.getLogger(__name__)

# Search results thinner than this are fetched directly (SPEC §7).
THIN_TEXT_CHARS = 300
# At most this many pages per email: each costs a connection, and a JavaScript page a browser tab.
MAX_PAGE_FETCHES = 4
MAX_SOURCE_TEXT_CHARS = 4_000

PageFetcher = Callable[[str], Awaitable[PageText]]


async def fill_thin_sources(
    sources: list[Source], fetch: PageFetcher
) -> tuple[list[Source], list[FetchedPage]]:
    """Sources with thin text replaced by their page's text; what was fetched, how, or why it was skipped."""
    thin = [index for index, source in enumerate(sources) if len(source.text) < THIN_TEXT_CHARS]
    chosen = thin[:MAX_PAGE_FETCHES]
    outcomes = await asyncio.gather(*(_fill(sources[index], fetch) for index in chosen))
    filled = list(sources)
    records: list[FetchedPage] = []
    for index, (source, record) in zip(chosen, outcomes, strict=True):
        filled[index] = source
        records.append(record)
    records += [
        FetchedPage(url=sources[index].url, outcome="skipped", reason="page fetch limit reached")
        for index in thin[MAX_PAGE_FETCHES:]
    ]
    return filled, records


async def _fill(source: Source, fetch: PageFetcher) -> tuple[Source, FetchedPage]:
    try:
        page = await fetch(source.url)
    except FetchError as exc:
        return source, FetchedPage(url=source.url, outcome="skipped", reason=exc.message)
    except Exception as exc:  # a page that cannot be read keeps its search snippet
        log.warning("page fetch failed unexpectedly: %s", type(exc).__name__)
        return source, FetchedPage(url=source.url, outcome="skipped", reason=type(exc).__name__)
    if len(page.text) <= len(source.text):
        return source, FetchedPage(url=source.url, outcome="skipped", reason="no more text than the search")
    update = {"text": page.text[:MAX_SOURCE_TEXT_CHARS], "title": source.title or page.title}
    record = FetchedPage(url=source.url, outcome=page.method, chars=len(page.text))
    return source.model_copy(update=update), record
