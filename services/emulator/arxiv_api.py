"""arXiv: `GET /api/query` answering the roster's papers as an Atom feed.

Supports `field:value` terms (au, ti, abs, all, cat, id; values bare or "quoted"), AND / OR /
ANDNOT, parentheses, `id_list`, paging with start/max_results, sortBy and sortOrder.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from services.emulator.errors import error_response, fault_response
from services.emulator.faults import EmulatorState
from services.emulator.roster import PAPERS, Paper
from services.emulator.text import fold, tokens

ATOM, ARXIV, OPENSEARCH = (
    "http://www.w3.org/2005/Atom",
    "http://arxiv.org/schemas/atom",
    "http://a9.com/-/spec/opensearch/1.1/",
)
ET.register_namespace("", ATOM)
ET.register_namespace("arxiv", ARXIV)
ET.register_namespace("opensearch", OPENSEARCH)
_TOKEN = re.compile(r'\(|\)|(?:\w+:)?"[^"]*"|[^\s()]+')
Predicate = Callable[[Paper], bool]


def _author_matches(value: str, author: str) -> bool:
    """`First Last`, `Last_First`, `Last_F` or `Last`: each query word matches an author word or initial."""
    author_words = tokens(author)
    return all(
        any(word == have or (len(word) == 1 and have.startswith(word)) for have in author_words)
        for word in tokens(value)
    )


def _phrase_in(value: str, text: str) -> bool:
    wanted = tokens(value)
    return bool(wanted) and f" {' '.join(wanted)} " in f" {' '.join(tokens(text))} "


def _term(field: str, value: str) -> Predicate:
    if field == "au":
        return lambda p: any(_author_matches(value, author) for author in p.authors)
    if field == "ti":
        return lambda p: _phrase_in(value, p.title)
    if field == "abs":
        return lambda p: _phrase_in(value, p.summary)
    if field == "cat":
        return lambda p: any(fold(c).startswith(fold(value)) for c in p.categories)
    if field == "id":
        return lambda p: p.arxiv_id == value.split("v")[0]
    return lambda p: (
        _phrase_in(value, f"{p.title} {p.summary} {' '.join(p.authors)}")
        or any(_author_matches(value, author) for author in p.authors)
    )


class _Parser:
    """Recursive descent over tokens: expr := operand ((AND|OR|ANDNOT) operand)*, left to right."""

    def __init__(self, query: str) -> None:
        self.items = _TOKEN.findall(query)
        self.position = 0

    def _next(self) -> str | None:
        item = self.items[self.position] if self.position < len(self.items) else None
        self.position += 1
        return item

    def expression(self) -> Predicate:
        left = self.operand()
        while self.position < len(self.items) and self.items[self.position] != ")":
            operator = self.items[self.position]
            if operator in ("AND", "OR", "ANDNOT"):
                self.position += 1
            else:
                operator = "AND"  # arXiv treats juxtaposed terms as AND
            right = self.operand()
            left = _combine(operator, left, right)
        return left

    def operand(self) -> Predicate:
        item = self._next()
        if item is None:
            return lambda p: False
        if item == "(":
            inner = self.expression()
            self._next()
            return inner
        field, _, value = item.partition(":") if re.match(r"^\w+:", item) else ("all", "", item)
        return _term(field.lower(), value.strip('"').replace("_", " "))


def _combine(operator: str, left: Predicate, right: Predicate) -> Predicate:
    if operator == "OR":
        return lambda p: left(p) or right(p)
    if operator == "ANDNOT":
        return lambda p: left(p) and not right(p)
    return lambda p: left(p) and right(p)


def matching_papers(search_query: str, id_list: list[str]) -> list[Paper]:
    """Roster papers selected by a search query and/or an id list (both: the intersection)."""
    papers = list(PAPERS)
    if id_list:
        wanted = {item.split("v")[0] for item in id_list}
        papers = [p for p in papers if p.arxiv_id in wanted]
    if search_query.strip():
        predicate = _Parser(search_query).expression()
        papers = [p for p in papers if predicate(p)]
    return papers


def _entry(feed: ET.Element, paper: Paper) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    stamp = f"{paper.year}-{paper.month:02d}-15T12:00:00Z"
    for tag, text in (("id", paper.url), ("updated", stamp), ("published", stamp), ("title", paper.title)):
        ET.SubElement(entry, f"{{{ATOM}}}{tag}").text = text
    ET.SubElement(entry, f"{{{ATOM}}}summary").text = paper.summary
    for author in paper.authors:
        ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = author
    abs_url = f"http://arxiv.org/abs/{paper.arxiv_id}v1"
    ET.SubElement(entry, f"{{{ATOM}}}link", href=abs_url, rel="alternate", type="text/html")
    pdf = f"http://arxiv.org/pdf/{paper.arxiv_id}v1"
    ET.SubElement(entry, f"{{{ATOM}}}link", title="pdf", href=pdf, rel="related", type="application/pdf")
    ET.SubElement(
        entry,
        f"{{{ARXIV}}}primary_category",
        term=paper.primary_category,
        scheme="http://arxiv.org/schemas/atom",
    )
    for category in paper.categories:
        ET.SubElement(entry, f"{{{ATOM}}}category", term=category, scheme="http://arxiv.org/schemas/atom")


def atom_feed(papers: list[Paper], total: int, start: int, query_url: str) -> bytes:
    """Render one page of results the way export.arxiv.org does."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=query_url, rel="self", type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM}}}title", type="html").text = "ArXiv Query (emulated)"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "http://arxiv.org/api/emulated"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = "2025-10-01T00:00:00-04:00"
    ET.SubElement(feed, f"{{{OPENSEARCH}}}totalResults").text = str(total)
    ET.SubElement(feed, f"{{{OPENSEARCH}}}startIndex").text = str(start)
    ET.SubElement(feed, f"{{{OPENSEARCH}}}itemsPerPage").text = str(len(papers))
    for paper in papers:
        _entry(feed, paper)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(raw))) if raw is not None else default
    except ValueError:
        return default


async def query(request: Request) -> Response:
    """`GET /api/query`: filter, sort and page the roster's papers (counting breaches of arXiv's rules)."""
    state: EmulatorState = request.app.state.emulator
    state.arxiv_started()
    try:
        return await _answer(request, state)
    finally:
        state.arxiv_finished()


async def _answer(request: Request, state: EmulatorState) -> Response:
    params = request.query_params
    search_query = params.get("search_query", "")
    fault = state.pick_fault("arxiv", state.record("arxiv", search_query))
    if fault:
        return await fault_response("arxiv", *fault)
    await state.delay("arxiv")
    id_list = [item for item in params.get("id_list", "").split(",") if item.strip()]
    if not search_query.strip() and not id_list:
        return error_response("arxiv", 400, "search_query or id_list is required")
    papers = matching_papers(search_query, id_list)
    descending = params.get("sortOrder", "descending") != "ascending"
    papers.sort(key=lambda p: (p.year, p.month, p.arxiv_id), reverse=descending)
    start = _int(params.get("start"), 0, 0, 1_000_000)
    size = _int(params.get("max_results"), 10, 0, 2000)
    page = papers[start : start + size]
    body = atom_feed(page, len(papers), start, str(request.url))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
