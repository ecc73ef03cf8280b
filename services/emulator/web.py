"""The roster's own web pages, served by host name: what a crawler finds behind a thin search result.

A test maps the fictional host names to the emulator's address (the pages carry its port in their
URL), so the pipeline's page fetcher reaches them through the real safe fetcher. Profile pages marked
`js` are JavaScript apps: an empty mount point, a script, and the text behind a JSON request.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from services.emulator.roster import PAGES, Page
from services.emulator.text import sentences

APP_SCRIPT = """document.addEventListener("DOMContentLoaded", function () {
  fetch("/api/page.json?path=" + encodeURIComponent(location.pathname))
    .then(function (response) { return response.json(); })
    .then(function (page) {
      var root = document.getElementById("root");
      page.paragraphs.forEach(function (text) {
        var p = document.createElement("p");
        p.textContent = text;
        root.appendChild(p);
      });
    });
});
"""


def served_url(page: Page, port: int | None) -> str:
    """Where the emulator serves a page: its own host and path, on the emulator's port, over http."""
    parts = urlsplit(page.url)
    return f"http://{parts.hostname}:{port}{parts.path}" if port else page.url


def find_page(url: str) -> Page | None:
    """The roster page at a URL, whatever its scheme or port."""
    parts = urlsplit(url)
    for page in PAGES.values():
        known = urlsplit(page.url)
        if known.hostname == parts.hostname and known.path.rstrip("/") == parts.path.rstrip("/"):
            return page
    return None


def _static_html(page: Page) -> str:
    paragraphs = "\n".join(f"<p>{html.escape(text)}</p>" for text in sentences(page.text))
    paragraphs += "".join(f'<a href="{html.escape(link)}">Link</a>' for link in page.links)
    return (
        f"<!doctype html><html><head><title>{html.escape(page.title)}</title>"
        "<style>body { font-family: serif; }</style></head><body>"
        '<nav><a href="/">Home</a> | <a href="/people">People</a> | <a href="/news">News</a></nav>'
        f"<main><h1>{html.escape(page.title)}</h1>\n{paragraphs}</main>"
        "<footer>Copyright, all rights reserved. Privacy. Accessibility.</footer>"
        "<script>window.analytics = [];</script></body></html>"
    )


def _app_shell(page: Page) -> str:
    return (
        f"<!doctype html><html><head><title>{html.escape(page.title)}</title>"
        '<script src="/static/app.js" defer></script></head><body><div id="root"></div>'
        "<noscript>You need to enable JavaScript to run this app.</noscript></body></html>"
    )


async def serve(request: Request) -> Response:
    """`GET` any path on a roster host: the page, the app script, or the app's JSON."""
    host, path = request.url.hostname, request.url.path
    if path == "/static/app.js":
        return Response(APP_SCRIPT, media_type="application/javascript")
    if path == "/api/page.json":
        page = find_page(f"http://{host}{request.query_params.get('path', '')}")
        if page is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"title": page.title, "paragraphs": sentences(page.text)})
    page = find_page(f"http://{host}{path}")
    if page is None:
        return HTMLResponse("<html><body>Not found</body></html>", status_code=404)
    return HTMLResponse(_app_shell(page) if page.web == "js" else _static_html(page))


def roster_hosts() -> frozenset[str]:
    """Every host name the roster's pages live on."""
    return frozenset(urlsplit(url).hostname or "" for url in PAGES) - {""}
