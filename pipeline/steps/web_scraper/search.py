"""Exa searches: what to ask, asked concurrently, and what comes back kept as sources."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from collections.abc import Callable
from typing import Any, Protocol

import anyio
from exa_py import AsyncExa

from config.settings import get_settings
from pipeline.models import Source, TemplateType
from pipeline.text import fold, normalise_name, normalise_url
from services import async_runtime
from services.limits.gate import gate_for

log = logging.getLogger(__name__)

NUM_RESULTS = 5
MAX_TEXT_CHARS = 4_000
# Links asked for per result (Exa's `extras.links`): identity resolution ties pages by them.
MAX_LINKS = 50
EXA_TIMEOUT_SECONDS = 20.0
# exa-py reports an error status only in its message: "Request failed with status code 429: ...".
_RATE_LIMITED = re.compile(r"status code 429\b")


class SearchClient(Protocol):
    """What the scraper needs of a search client: `AsyncExa`, or a fake in tests."""

    async def search(self, query: str, *, num_results: int | None = ..., contents: Any = ...) -> Any: ...

    async def aclose(self) -> None: ...


SearchClientFactory = Callable[[], SearchClient]


def exa_client() -> SearchClient:
    """Blocking (the HTTP client loads TLS certificates): call it from a worker thread."""
    settings = get_settings()
    client = AsyncExa(settings.exa_api_key, api_base=settings.exa_base_url, timeout=EXA_TIMEOUT_SECONDS)
    _ = client.client  # build the httpx client here, not on the event loop at the first search
    return client


_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[SearchClient]] = (
    weakref.WeakKeyDictionary()
)


async def shared_exa_client() -> SearchClient:
    """The running loop's Exa client, built once (the first emails of a batch wait for the same build)
    and kept: every email's searches share its kept-alive connections. A client per email cost ~17 ms
    of CPU (a TLS context loads the certificates) plus a TLS handshake per search."""
    loop = asyncio.get_running_loop()
    building = _shared.get(loop)
    if building is None:
        building = _shared[loop] = loop.create_task(async_runtime.in_thread("io", exa_client))
    try:
        return await asyncio.shield(building)
    except Exception:
        if _shared.get(loop) is building:  # a failed build (no key?) is tried again by the next email
            del _shared[loop]
        raise


def warm_up() -> None:
    """Build the process loop's Exa client now (its HTTP client imports httpcore and loads the TLS
    certificates: ~30 ms of CPU) and load anyio's asyncio backend, which the first request of any
    HTTP client on the loop would load: both inside the first email otherwise. Without an Exa key
    the first email finds out, as before."""

    async def build() -> None:
        with contextlib.suppress(Exception):
            await shared_exa_client()
        await anyio.sleep(0)

    async_runtime.run(build())


def build_search_queries(
    *, name: str, interest: str, parser_queries: list[str], template_type: TemplateType
) -> dict[str, str]:
    """The background and publications queries, from the parser's queries, the name and the interest."""
    person = normalise_name(name) or name
    first = parser_queries[0] if parser_queries else interest
    second = parser_queries[1] if len(parser_queries) > 1 else interest
    book = template_type is TemplateType.BOOK
    works = "books" if book else "research papers and publications"
    publications = _with_name(person, second)
    if not re.search(r"\bbooks?\b" if book else r"\b(papers?|publications?)\b", publications, re.IGNORECASE):
        publications = f"{publications}: {works}"
    return {
        "background": f"{_with_name(person, first)}: position, affiliation and current work",
        "publications": publications,
    }


def _with_name(name: str, query: str) -> str:
    return query if fold(name) in fold(query) else f"{name} {query}"


async def search_sources(
    client: SearchClient, queries: dict[str, str]
) -> tuple[list[Source], dict[str, int], list[str]]:
    """Run every query at once; a failed query is a warning. Returns unique sources, counts, warnings."""
    labels = list(queries)
    answers = await asyncio.gather(
        *(_search(client, queries[label]) for label in labels), return_exceptions=True
    )
    sources: dict[str, Source] = {}
    counts: dict[str, int] = {}
    warnings: list[str] = []
    for label, answer in zip(labels, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, Exception):
                raise answer
            log.warning("exa %s search failed: %s", label, type(answer).__name__)
            warnings.append(f"web search '{label}' failed: {type(answer).__name__}: {str(answer)[:200]}")
            counts[label] = 0
            continue
        counts[label] = len(answer)
        for source in answer:
            sources.setdefault(normalise_url(source.url), source)
    counts["unique"] = len(sources)
    if not sources and not warnings:
        warnings.append("web search found no sources about the recipient")
    return list(sources.values()), counts, warnings


async def _search(client: SearchClient, query: str) -> list[Source]:
    """One search through Exa's gate (EXA_RPS, and slowing down when Exa refuses): a 429 is waited
    out and asked again, for at most RATE_LIMIT_WAIT_SECONDS; any other failure is the caller's."""
    gate = gate_for("exa")
    loop = asyncio.get_running_loop()
    give_up = loop.time() + get_settings().rate_limit_wait_seconds
    while True:
        async with gate.call() as call:
            try:
                response = await client.search(
                    query,
                    num_results=NUM_RESULTS,
                    contents={"text": {"max_characters": MAX_TEXT_CHARS}, "extras": {"links": MAX_LINKS}},
                )
            except Exception as exc:
                if not _RATE_LIMITED.search(str(exc)) or loop.time() >= give_up:
                    raise
                call.refuse(None)  # Exa says no more than that: the gate waits and slows down
                continue
            call.accept()
        break
    return [
        Source(
            url=result.url,
            title=(result.title or "").strip(),
            published_date=result.published_date,
            text=(result.text or "")[:MAX_TEXT_CHARS],
            links=_links(getattr(result, "extras", None)),
        )
        for result in response.results
        if getattr(result, "url", None)
    ]


def _links(extras: Any) -> list[str]:
    """The result's `extras.links`, if it has any: strings only, at most MAX_LINKS."""
    links = extras.get("links") if isinstance(extras, dict) else None
    if not isinstance(links, list):
        return []
    return [link for link in links if isinstance(link, str)][:MAX_LINKS]
