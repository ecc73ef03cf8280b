"""The arXiv author query through the `arxiv` package (a synchronous client: callers use a thread)."""

from __future__ import annotations

import re
import threading
from typing import Any

import arxiv
from requests.adapters import HTTPAdapter

from pipeline.models import ArxivPaper
from pipeline.text import normalise_arxiv_id, normalise_name

PAGE_SIZE = 25
# arXiv asks for at most one request every three seconds; the local emulator needs no pause.
LIVE_DELAY_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 15.0
MAX_SUMMARY_CHARS = 1_200


class _TimeoutAdapter(HTTPAdapter):
    """The arxiv client sends requests without a timeout; a stuck connection would hold a thread forever."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = kwargs.get("timeout") or self._timeout
        return super().send(request, *args, **kwargs)


def author_query(name: str) -> str:
    """arXiv query for a person's papers: `au:"Jane Smith"` on the normalised name."""
    clean = re.sub(r'["()]', " ", normalise_name(name))
    return f'au:"{" ".join(clean.split())}"'


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


class ArxivSearcher:
    """Runs author queries; with a polite delay, one shared client paces every query in the process."""

    def __init__(
        self, *, api_url: str, delay_seconds: float, timeout: float = REQUEST_TIMEOUT_SECONDS
    ) -> None:
        self._api_url = api_url
        self._delay = delay_seconds
        self._timeout = timeout
        self._lock = threading.Lock()
        self._shared = self._new_client() if delay_seconds > 0 else None

    def _new_client(self) -> arxiv.Client:
        client = arxiv.Client(page_size=PAGE_SIZE, delay_seconds=self._delay, num_retries=1)
        client.query_url_format = self._api_url + "?{}"
        adapter = _TimeoutAdapter(self._timeout)
        client._session.mount("http://", adapter)
        client._session.mount("https://", adapter)
        return client

    def search(self, query: str, *, max_results: int = PAGE_SIZE) -> list[ArxivPaper]:
        """Blocking: run from a worker thread."""
        search = arxiv.Search(query=query, max_results=max_results, sort_by=arxiv.SortCriterion.SubmittedDate)
        if self._shared is None:
            return [to_paper(result) for result in self._new_client().results(search)]
        with self._lock:
            return [to_paper(result) for result in self._shared.results(search)]
