"""arXiv's query API: the request over async HTTP, the Atom feed parsed by the `arxiv` package.

The request is plain httpx on the event loop: waiting for arXiv (seconds, sometimes many) holds
no thread. The feed is parsed by the `arxiv` package's own Atom parser (`arxiv._feed`, the
version pinned in uv.lock; tests/pipeline/test_arxiv_search.py parses a real feed through it) on
the CPU executor, since a 2000-entry feed takes a while to parse.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import weakref
from dataclasses import dataclass
from functools import lru_cache

import arxiv
import httpx
from arxiv import _feed as arxiv_feed

from pipeline.models import ArxivPaper
from pipeline.text import normalise_arxiv_id, normalise_name, words
from services import async_runtime

REQUEST_TIMEOUT_SECONDS = 15.0
MAX_SUMMARY_CHARS = 1_200
USER_AGENT = "Scribe/1.0 (academic email research; one request per 3 s)"


class ArxivUnavailable(Exception):
    """arXiv did not answer with a feed."""


@dataclass(frozen=True, slots=True)
class FeedPage:
    papers: list[ArxivPaper]
    total: int

    @property
    def truncated(self) -> bool:
        """More papers matched than this page holds."""
        return self.total > len(self.papers)


def author_query(name: str) -> str:
    """arXiv query for a person's papers: the normalised name as written, or as arXiv lists authors,
    family name and first initial (`au:"Jane Q. Smith" OR au:Smith_J`), which finds 'J. Smith',
    'Jane Smith' and 'Jane Q. Smith' alike, accents or not (arXiv's author ids are ASCII)."""
    clean = " ".join(re.sub(r'["()]', " ", normalise_name(name)).split())
    parts = clean.split()
    if len(parts) < 2:
        return f'au:"{clean}"'
    family = "_".join(word.capitalize() for word in words(parts[-1]))
    initial = words(parts[0])[0][0].upper() if words(parts[0]) else ""
    return f'au:"{clean}" OR au:{family}_{initial}' if family and initial else f'au:"{clean}"'


def to_paper(result: arxiv.Result) -> ArxivPaper:
    arxiv_id = normalise_arxiv_id(result.get_short_id())
    return ArxivPaper(
        arxiv_id=arxiv_id,
        title=" ".join(result.title.split()),
        year=result.published.year if result.published else None,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        summary=" ".join(result.summary.split())[:MAX_SUMMARY_CHARS],
        authors=[author.name for author in result.authors],
        categories=list(result.categories),
    )


def parse_feed(content: bytes) -> FeedPage:
    """CPU-bound: run it on the CPU executor."""
    # The parser recovers from anything (an HTML error page parses as an empty feed): an answer that
    # is not arXiv's Atom feed must not pass for "no papers" and be cached as such.
    if b"http://www.w3.org/2005/Atom" not in content[:4096] or b"totalResults" not in content[:8192]:
        raise ArxivUnavailable("arXiv did not answer with an Atom feed")
    feed = arxiv_feed.parse(content)
    if feed.malformed:
        raise ArxivUnavailable(f"arXiv sent a malformed feed: {type(feed.error).__name__}")
    return FeedPage([to_paper(result) for result in feed.results], feed.header.total_results)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client in the process (loading the certificates is the slow part)."""
    return httpx.create_ssl_context()


def warm_up() -> None:
    """Load the TLS certificates now (a worker calls this at start-up), not in the first email."""
    _tls_context()


class ArxivApi:
    """GET {api_url}?search_query=...: newest submissions first, one connection per event loop."""

    def __init__(self, api_url: str, *, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.api_url = api_url
        self.timeout = timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    async def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # Built off the loop: loading the TLS certificates blocks for 0.1-0.5 s (once per process).
            client = await async_runtime.in_thread(
                "io",
                httpx.AsyncClient,
                verify=await async_runtime.in_thread("io", _tls_context),
                timeout=self.timeout,
                limits=httpx.Limits(max_connections=1),  # arXiv: one connection at a time
                headers={"user-agent": USER_AGENT},
            )
            self._clients[loop] = client
        return client

    async def ready(self) -> None:
        """Have the HTTP client built, so a request starts as soon as its slot comes."""
        await self._client()

    async def fetch(self, query: str, *, max_results: int, sent: list[float] | None = None) -> bytes:
        """The raw feed (the caller holds arXiv's slot only for this long). `sent` receives the
        moment (time.monotonic()) the request really went out, after any connection set-up."""

        async def trace(event: str, info: dict[str, object]) -> None:
            if sent is not None and event.endswith("send_request_headers.started"):
                sent.append(time.monotonic())

        params = {
            "search_query": query,
            "start": "0",
            "max_results": str(max_results),
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        }
        try:
            client = await self._client()
            response = await client.get(self.api_url, params=params, extensions={"trace": trace})
        except httpx.HTTPError as exc:
            raise ArxivUnavailable(f"arXiv could not be reached: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise ArxivUnavailable(f"arXiv answered with status {response.status_code}")
        return response.content

    async def parse(self, content: bytes) -> FeedPage:
        return await async_runtime.in_thread("cpu", parse_feed, content)
