"""Author searches coalesced into few arXiv requests, paced for the whole deployment.

arXiv's terms allow one request every 3 seconds and one connection at a time, for everything
asking from here: every worker process on every machine. So every request goes through one
shared slot (`ExclusiveSlot`, in Redis when there is one), and each request serves every author
waiting in this process when the slot comes round: `au:"A" OR au:"B" ...`, newest first, with
room for PER_AUTHOR papers each. Papers go back to each waiting pipeline by author name (the
ranking's own match, order and diacritics aside), and are cached per author, so a retry or a
second email to the same person asks nobody.

When a shared answer was cut short (more matches than fit), an author who got fewer than
PER_AUTHOR papers may be missing older ones: that author is asked again alone in the next slot.
Waiting for a slot is asleep on the event loop; nothing here holds a thread.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import logging
import weakref
from dataclasses import dataclass, field
from typing import Literal

from pipeline.models import ArxivPaper
from pipeline.steps.arxiv_helper.client import ArxivApi, FeedPage, author_query
from pipeline.text import fold, normalise_name
from services import async_runtime
from services.limits.shared import ExclusiveSlot, SharedCache

log = logging.getLogger(__name__)

MAX_AUTHORS_PER_REQUEST = 40
PER_AUTHOR = 50
MAX_RESULTS = 2000  # arXiv's most per request
ATTEMPTS = 2  # a request that fails is tried once more, in a later slot


def name_words(name: str) -> list[str]:
    """'Prof. José Núñez-Díaz' -> ['jose', 'nunez', 'diaz'] (the ranking's own normalisation)."""
    return fold(normalise_name(name)).replace("-", " ").split()


def author_key(name: str) -> str:
    """One key per person however the name is written: folded, no titles, words in any order."""
    return " ".join(sorted(name_words(name)))


def same_person(have: list[str], wanted: list[str]) -> bool:
    """Whether an author's name words can be the wanted person's. Accepts at least everything the
    ranking's `authored_by` accepts (which then decides), so sharing a request loses no paper:
    every wanted word among the author's (middle names, family name first), or the same last name
    with the same first initial ('J. Smith')."""
    if not have or not wanted:
        return False
    return set(wanted) <= set(have) or (have[-1] == wanted[-1] and have[0][0] == wanted[0][0])


def split_by_author(papers: list[ArxivPaper], names: list[str]) -> list[list[ArxivPaper]]:
    """Each name's papers among a shared answer, newest first as arXiv sent them (CPU-bound)."""
    wanted = [name_words(name) for name in names]
    found: list[list[ArxivPaper]] = [[] for _ in names]
    for paper in papers:
        authors = [name_words(author) for author in paper.authors]
        for index, words in enumerate(wanted):
            if len(found[index]) < PER_AUTHOR and any(same_person(have, words) for have in authors):
                found[index].append(paper)
    return found


@dataclass
class _Wanted:
    name: str
    future: asyncio.Future[list[ArxivPaper]]
    alone: bool = False
    attempts: int = 0


@dataclass
class _Waiting:
    """One event loop's authors waiting for arXiv, and the task that serves them."""

    order: collections.deque[str] = field(default_factory=collections.deque)
    wanted: dict[str, _Wanted] = field(default_factory=dict)
    dispatcher: asyncio.Task[None] | None = None


@dataclass(frozen=True, slots=True)
class Found:
    papers: list[ArxivPaper]
    source: Literal["cache", "arxiv"]


class AuthorSearch:
    """Papers by author, through one paced, coalesced stream of arXiv requests."""

    def __init__(self, api: ArxivApi, *, interval: float, cache_seconds: float) -> None:
        self.api = api
        scope = hashlib.sha256(api.api_url.encode()).hexdigest()[:12]
        self.slot = ExclusiveSlot(f"arxiv:{scope}", interval=interval, hold_seconds=api.timeout + 5)
        self.cache = SharedCache(f"arxiv:{scope}", ttl=cache_seconds)
        self._waiting: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waiting] = (
            weakref.WeakKeyDictionary()
        )

    async def papers_by(self, name: str) -> Found:
        """This person's newest papers on arXiv (up to PER_AUTHOR), from the cache or the next request."""
        key = author_key(name)
        cached = await self.cache.get(key)
        if cached is not None:
            return Found([ArxivPaper.model_validate(p) for p in cached], "cache")
        loop = asyncio.get_running_loop()
        waiting = self._waiting.setdefault(loop, _Waiting())
        wanted = waiting.wanted.get(key)
        if wanted is None:  # the same person already asked for: share that answer
            wanted = waiting.wanted[key] = _Wanted(name, loop.create_future())
            # Read the outcome even when every waiter gave up, so a failure is not reported as unhandled.
            wanted.future.add_done_callback(lambda done: done.cancelled() or done.exception())
            waiting.order.append(key)
        if waiting.dispatcher is None or waiting.dispatcher.done():
            waiting.dispatcher = loop.create_task(self._serve(waiting))
        # Shielded: one pipeline giving up (its time limit) must not cancel the others' answer.
        return Found(await asyncio.shield(wanted.future), "arxiv")

    async def _serve(self, waiting: _Waiting) -> None:
        while waiting.order:
            batch: list[tuple[str, _Wanted]] = []
            try:
                await self.api.ready()
                token = await self.slot.acquire()
                sent: list[float] = []
                try:
                    batch = self._next_batch(waiting)
                    content = await self._ask(batch, sent)
                finally:
                    # The next request starts `interval` after this one really went out, not after the
                    # slot was taken: a busy loop or a new connection can put time between the two.
                    await self.slot.release(token, started=sent[0] if sent else None)
                await self._hand_out(waiting, batch, await self.api.parse(content))
            except Exception as exc:  # never leave a pipeline waiting on an answer that will not come
                self._failed(waiting, batch, exc)
                if not batch:
                    await asyncio.sleep(1.0)

    def _next_batch(self, waiting: _Waiting) -> list[tuple[str, _Wanted]]:
        batch: list[tuple[str, _Wanted]] = []
        while waiting.order and len(batch) < MAX_AUTHORS_PER_REQUEST:
            key = waiting.order[0]
            wanted = waiting.wanted[key]
            if wanted.alone and batch:
                break
            waiting.order.popleft()
            batch.append((key, wanted))
            if wanted.alone:
                break
        return batch

    async def _ask(self, batch: list[tuple[str, _Wanted]], sent: list[float]) -> bytes:
        for _, wanted in batch:
            wanted.attempts += 1
        query = " OR ".join(author_query(wanted.name) for _, wanted in batch)
        return await self.api.fetch(query, max_results=min(MAX_RESULTS, PER_AUTHOR * len(batch)), sent=sent)

    async def _hand_out(self, waiting: _Waiting, batch: list[tuple[str, _Wanted]], page: FeedPage) -> None:
        names = [wanted.name for _, wanted in batch]
        shares = await async_runtime.in_thread("cpu", split_by_author, page.papers, names)
        for (key, wanted), mine in zip(batch, shares, strict=True):
            if page.truncated and len(mine) < PER_AUTHOR and len(batch) > 1:
                wanted.alone = True  # older papers may have been cut: ask again for this author alone
                waiting.order.appendleft(key)
                continue
            await self.cache.put(key, [paper.model_dump(mode="json") for paper in mine])
            self._settle(waiting, key, result=mine)

    def _failed(self, waiting: _Waiting, batch: list[tuple[str, _Wanted]], error: Exception) -> None:
        log.warning("arXiv request for %s authors failed: %s", len(batch), type(error).__name__)
        for key, wanted in reversed(batch):
            if wanted.attempts < ATTEMPTS:
                waiting.order.appendleft(key)
            else:
                self._settle(waiting, key, error=error)

    @staticmethod
    def _settle(
        waiting: _Waiting, key: str, *, result: list[ArxivPaper] | None = None, error: Exception | None = None
    ) -> None:
        wanted = waiting.wanted.pop(key)
        if wanted.future.done():
            return
        if error is not None:
            wanted.future.set_exception(error)
        else:
            wanted.future.set_result(result or [])
