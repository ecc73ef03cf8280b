"""Exa: `POST /search`, `POST /contents`, `POST /answer` over the roster's web pages."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.emulator.errors import error_response, fault_response
from services.emulator.faults import EmulatorState
from services.emulator.roster import PAGE_OWNERS, PAGES, Page, people_in_text
from services.emulator.text import content_words, name_key, sentences, tokens
from services.emulator.web import find_page, served_url

DEFAULT_MAX_CHARACTERS = 10_000
_COST_PER_RESULT = 0.001


def _render(
    page: Page, contents: dict[str, Any] | None, score: float, port: int | None = None
) -> dict[str, Any]:
    """One result, with the content fields the request asked for (camelCase, as Exa sends them).

    Thin pages come back with their title as their only text (a JavaScript app's with none), at the
    URL where the emulator serves them.
    """
    owner = PAGE_OWNERS.get(page.url)
    url = served_url(page, port) if page.web != "search" else page.url
    result: dict[str, Any] = {
        "id": url,
        "url": url,
        "title": page.title,
        "publishedDate": f"{page.published}T00:00:00.000Z",
        "author": owner.name if owner else None,
        "score": round(score, 4),
    }
    contents = contents or {}
    text_option = contents.get("text")
    if text_option:
        limit = DEFAULT_MAX_CHARACTERS
        if isinstance(text_option, dict):
            limit = int(text_option.get("maxCharacters") or DEFAULT_MAX_CHARACTERS)
        text = {"search": page.text, "thin": page.title, "js": ""}[page.web]
        result["text"] = text[:limit]
    if contents.get("highlights"):
        result["highlights"] = sentences(page.text)[:3]
        result["highlightScores"] = [0.9, 0.8, 0.7][: len(result["highlights"])]
    if contents.get("summary"):
        result["summary"] = " ".join(sentences(page.text)[:2])
    extras = contents.get("extras")
    if isinstance(extras, dict) and extras.get("links"):
        result["extras"] = {"links": page_links(page)[: int(extras["links"])]}
    return result


def page_links(page: Page) -> list[str]:
    """Every anchor on a page as a crawler sees it: the site's navigation first, then the page's own
    (a JavaScript app's shell has none)."""
    if page.web == "js":
        return []
    host = urlsplit(page.url).hostname
    return [f"https://{host}/", f"https://{host}/people", f"https://{host}/news", *page.links]


@cache
def _page_words(url: str) -> tuple[frozenset[str], frozenset[str]]:
    """A roster page's words and meaningful words (the roster never changes while serving)."""
    page = PAGES[url]
    text = f"{page.title} {page.text}"
    return frozenset(tokens(text)), frozenset(content_words(text))


def search_pages(query: str) -> list[tuple[float, Page]]:
    """Every page that names a person the query names (their own pages, a student's page that mentions
    them, a namesake's, a content farm's), best match with the query's other words first."""
    wanted = content_words(query)
    keys = {name_key(name) for person in people_in_text(query) for name in person.names}
    scored: list[tuple[float, Page]] = []
    for page in PAGES.values():
        words, meaningful = _page_words(page.url)
        if any(key and key <= words for key in keys):
            overlap = len(wanted & meaningful)
            scored.append((0.5 + 0.5 * overlap / max(1, len(wanted)), page))
    scored.sort(key=lambda item: -item[0])
    return scored


def _domain_allowed(url: str, body: dict[str, Any]) -> bool:
    host = urlsplit(url).hostname or ""

    def listed(domains: Any) -> bool:
        return any(host == d or host.endswith(f".{d}") for d in domains or [])

    return (not body.get("includeDomains") or listed(body["includeDomains"])) and not listed(
        body.get("excludeDomains")
    )


async def _guarded(
    request: Request, endpoint: str, query: str | None
) -> tuple[dict[str, Any], Response | None]:
    """Auth, body parsing, accounting, faults and latency shared by the three endpoints."""
    state: EmulatorState = request.app.state.emulator
    if not (request.headers.get("x-api-key") or request.headers.get("authorization")):
        return {}, error_response("exa", 401, "x-api-key header is required")
    try:
        body = await request.json()
    except ValueError:
        return {}, error_response("exa", 400, "body must be JSON")
    if not isinstance(body, dict):
        return {}, error_response("exa", 400, "body must be a JSON object")
    index = state.record(endpoint, str(body.get(query, "")) if query else None)
    if state.admit_exa() is not None:
        return body, error_response("exa", 429, "You have exceeded your rate limit (emulated)")
    fault = state.pick_fault(endpoint, index)
    if fault:
        return body, await fault_response("exa", *fault)
    await state.delay(endpoint)
    return body, None


async def search(request: Request) -> Response:
    """`POST /search`: results for the people the query names; nobody named, no results."""
    body, failure = await _guarded(request, "exa_search", "query")
    if failure:
        return failure
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        return error_response("exa", 400, "query is required")
    count = max(1, min(100, int(body.get("numResults") or 10)))
    hits = [hit for hit in search_pages(query) if _domain_allowed(hit[1].url, body)][:count]
    return JSONResponse(
        {
            "requestId": uuid.uuid4().hex,
            "resolvedSearchType": "neural" if body.get("type") in (None, "auto") else body["type"],
            "results": [_render(page, body.get("contents"), score, request.url.port) for score, page in hits],
            "searchTime": 1.0,
            "costDollars": {"total": round(0.005 + _COST_PER_RESULT * len(hits), 4)},
        }
    )


async def contents(request: Request) -> Response:
    """`POST /contents`: the roster pages for the given ids or urls; unknown ones get an error status."""
    body, failure = await _guarded(request, "exa_contents", None)
    if failure:
        return failure
    wanted = body.get("urls") or body.get("ids") or []
    if isinstance(wanted, str):
        wanted = [wanted]
    options: dict[str, Any] = {key: body[key] for key in ("text", "highlights", "summary") if key in body}
    results, statuses = [], []
    for url in wanted:
        page = PAGES.get(str(url)) or find_page(str(url))
        if page is None:
            error = {"tag": "CRAWL_NOT_FOUND", "httpStatusCode": 404}
            statuses.append({"id": url, "status": "error", "error": error})
        else:
            results.append(_render(page, options or {"text": True}, 1.0, request.url.port))
            statuses.append({"id": url, "status": "success"})
    return JSONResponse(
        {
            "requestId": uuid.uuid4().hex,
            "results": results,
            "statuses": statuses,
            "costDollars": {"total": round(_COST_PER_RESULT * len(results), 4)},
        }
    )


async def answer(request: Request) -> Response:
    """`POST /answer`: two sentences from the best page about the person the query names."""
    body, failure = await _guarded(request, "exa_answer", "query")
    if failure:
        return failure
    hits = search_pages(str(body.get("query", "")))[:3]
    text = " ".join(sentences(hits[0][1].text)[:2]) if hits else "I could not find information about that."
    return JSONResponse(
        {
            "requestId": uuid.uuid4().hex,
            "answer": text,
            "citations": [_render(page, {"text": True}, score) for score, page in hits],
            "costDollars": {"total": 0.005},
        }
    )
