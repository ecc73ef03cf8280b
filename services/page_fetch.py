"""Thin search results made whole: fetch the page safely, extract its text, render JavaScript pages.

Static pages come through the one safe fetcher (HTML only, byte and time caps) and BeautifulSoup.
A page whose HTML has almost no text but the marks of a JavaScript app is rendered in the system
Chromium through Playwright: one browser per process, started on first need, a few pages at a time,
each in its own context closed after use. Every request such a page makes is answered by the safe
fetcher itself (`route.fulfill`), and Chromium is started with a dead proxy and no DNS, so the
browser never resolves or connects anywhere on its own. Without Chromium nothing is rendered and
nothing fails: the static text stands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from bs4 import BeautifulSoup

from config.settings import get_settings
from services import async_runtime
from services.safe_fetch import FetchError, SafeFetcher

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright, Request, Route

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
MAX_TEXT_CHARS = 4_000
# Below this much visible text a page is either empty or a JavaScript shell.
MIN_STATIC_TEXT_CHARS = 200
_DROPPED_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "svg", "form")
_BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section", "article", "main")
_APP_ROOT = re.compile(
    rb"<div[^>]+id=[\"']?(root|app|__next|__nuxt|svelte|main-app)[\"' >]|<noscript[^>]*>[^<]*javascript",
    re.IGNORECASE,
)
_SCRIPT = re.compile(rb"<script\b", re.IGNORECASE)
# Chromium: the flags the machine notes prescribe, plus no network of its own (see the module docstring).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--js-flags=--max-old-space-size=256",
)
# What a rendered page may load; images, fonts, media and styles add nothing to its text.
RENDER_RESOURCES = frozenset({"document", "script", "xhr", "fetch"})
RENDER_BYTE_BUDGET = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PageText:
    url: str
    title: str
    text: str
    method: Literal["static", "browser"]


def extract_text(html: bytes | str) -> tuple[str, str]:
    """The page's title and its visible prose (scripts, styles and navigation dropped)."""
    soup = BeautifulSoup(html, "lxml")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for tag in soup(_DROPPED_TAGS):
        tag.decompose()
    # Block elements end a line, so a heading never runs into the sentence after it.
    for tag in soup(_BLOCK_TAGS):
        tag.insert_after("\n")
    body = soup.body or soup
    lines = (" ".join(line.split()) for line in body.get_text(" ").splitlines())
    # A heading that repeats the title says nothing the title does not.
    return title, "\n".join(line for line in lines if line and line != title)


def looks_like_js_app(html: bytes, text: str) -> bool:
    """Little text, scripts, and an empty mount point or a 'please enable JavaScript' notice."""
    return len(text) < MIN_STATIC_TEXT_CHARS and bool(_SCRIPT.search(html)) and bool(_APP_ROOT.search(html))


class SharedBrowser:
    """One Chromium per process (per event loop), launched lazily; pages bounded by a semaphore."""

    def __init__(self, executable: str, *, max_pages: int = 2, timeout: float = 15.0) -> None:
        self._executable = executable
        self._max_pages = max_pages
        self._timeout = timeout
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._pages = asyncio.Semaphore(max_pages)
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._unavailable = False

    @property
    def available(self) -> bool:
        if self._unavailable:
            return False
        if not os.access(self._executable, os.X_OK):
            self._unavailable = True
            log.warning(
                "no Chromium at %s (CHROMIUM_PATH): pages are read without JavaScript",
                self._executable,
            )
            return False
        return True

    async def render(self, url: str, fetcher: SafeFetcher, *, max_bytes: int) -> str | None:
        """The rendered HTML of a page, or None when no browser can be had or the page fails."""
        browser = await self._get()
        if browser is None:
            return None
        async with self._pages:
            context = await browser.new_context(service_workers="block", accept_downloads=False)
            spent = [0]

            async def answer(route: Route, request: Request) -> None:
                await _answer(route, request, fetcher, max_bytes=max_bytes, spent=spent)

            try:
                page = await context.new_page()
                await page.route("**/*", answer)
                async with asyncio.timeout(self._timeout):
                    await page.goto(url, wait_until="load")
                    # A page that keeps polling is read as it stands.
                    with contextlib.suppress(Exception):
                        await page.wait_for_load_state("networkidle", timeout=2_000)
                    return await page.content()
            except Exception as exc:
                log.warning("rendering a page failed: %s", type(exc).__name__)
                return None
            finally:
                await context.close()

    async def aclose(self) -> None:
        """Close the browser and the Playwright driver (the next render starts them again)."""
        async with self._lock:
            browser, playwright = self._browser, self._playwright
            self._browser = self._playwright = None
            if browser is not None:
                await browser.close()
            if playwright is not None:
                await playwright.stop()

    async def _get(self) -> Browser | None:
        loop = asyncio.get_running_loop()
        with self._guard:
            if self._loop is not loop:
                # Playwright objects belong to the loop that made them; a worker process has one loop,
                # a test run may make several.
                self._loop, self._lock, self._pages = loop, asyncio.Lock(), asyncio.Semaphore(self._max_pages)
                self._browser = self._playwright = None
        async with self._lock:
            if self._browser is None and self.available:
                self._browser = await self._launch()
            return self._browser

    async def _launch(self) -> Browser | None:
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        try:
            browser = await playwright.chromium.launch(
                executable_path=self._executable, args=list(CHROMIUM_ARGS), timeout=self._timeout * 1000
            )
        except Exception as exc:
            await playwright.stop()
            self._unavailable = True
            log.warning(
                "Chromium at %s did not start (%s); pages are read without JavaScript",
                self._executable,
                type(exc).__name__,
            )
            return None
        self._playwright = playwright
        browser.on("disconnected", lambda _: self._forget(browser))
        return browser

    def _forget(self, browser: Browser) -> None:
        if self._browser is browser:
            self._browser = None


async def _answer(
    route: Route, request: Request, fetcher: SafeFetcher, *, max_bytes: int, spent: list[int]
) -> None:
    """Serve one request of a rendered page through the safe fetcher, or refuse it."""
    if request.method != "GET" or request.resource_type not in RENDER_RESOURCES:
        await route.abort("blockedbyclient")
        return
    is_document = request.resource_type == "document"
    try:
        fetched = await fetcher.fetch(
            request.url,
            max_bytes=min(max_bytes, RENDER_BYTE_BUDGET - spent[0]),
            timeout=5.0,
            allowed_types=HTML_TYPES if is_document else (),
        )
    except FetchError as exc:
        log.info("rendered page request refused: %s", exc.message)
        await route.abort("blockedbyclient")
        return
    spent[0] += len(fetched.body)
    await route.fulfill(status=200, body=fetched.body, content_type=fetched.content_type or None)


class PageFetcher:
    """Fetch a page's text: statically, then with Chromium when the page is a JavaScript shell."""

    def __init__(
        self,
        *,
        fetcher: SafeFetcher | None = None,
        browser: SharedBrowser | None = None,
        max_bytes: int = 2 * 1024 * 1024,
        timeout: float = 6.0,
    ) -> None:
        self._fetcher = fetcher or SafeFetcher()
        self._browser = browser
        self._max_bytes = max_bytes
        self._timeout = timeout

    async def __call__(self, url: str) -> PageText:
        """Raises `FetchError` (safe message) when the page cannot or may not be fetched."""
        fetched = await self._fetcher.fetch(
            url,
            max_bytes=self._max_bytes,
            timeout=self._timeout,
            allowed_types=HTML_TYPES,
            accept=HTML_ACCEPT,
        )
        # Parsing up to 2 MB of HTML takes a while: off the event loop the other pipelines share.
        title, text = await async_runtime.in_thread("cpu", extract_text, fetched.body)
        if self._browser is not None and looks_like_js_app(fetched.body, text):
            html = await self._browser.render(url, self._fetcher, max_bytes=self._max_bytes)
            if html is not None:
                rendered_title, rendered = await async_runtime.in_thread("cpu", extract_text, html)
                if len(rendered) > len(text):
                    return PageText(url, rendered_title or title, rendered[:MAX_TEXT_CHARS], "browser")
        return PageText(url, title, text[:MAX_TEXT_CHARS], "static")


@lru_cache(maxsize=1)
def shared_browser() -> SharedBrowser:
    settings = get_settings()
    return SharedBrowser(
        settings.chromium_path, max_pages=settings.browser_max_pages, timeout=settings.browser_timeout_seconds
    )


@lru_cache(maxsize=1)
def _default_fetcher() -> PageFetcher:
    settings = get_settings()
    return PageFetcher(
        browser=shared_browser(),
        max_bytes=settings.page_fetch_max_bytes,
        timeout=settings.page_fetch_timeout_seconds,
    )


async def fetch_page(url: str) -> PageText:
    """The process's page fetcher: public addresses only, Chromium for JavaScript pages when installed."""
    return await _default_fetcher()(url)
