"""The roster's promises, and the emulated research chain (search, summarise, arXiv, compose) for everyone."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipeline.core.prompting import prompt
from pipeline.steps.arxiv_helper.client import author_query
from services.emulator import ROSTER, Person, find_people, find_person
from services.emulator.arxiv_api import matching_papers
from services.emulator.exa_api import search_pages
from services.emulator.roles import answer
from services.emulator.roster import by_key, display_name
from services.emulator.text import fold

RESEARCH_TEMPLATE = (
    "Dear {{name}}, I enjoyed your work on {{research}} and your focus on {{interest}}. Best, Sam"
)
BOOK_TEMPLATE = "Dear {{name}}, I loved your book {{book_title}}. Best, Sam"
TELLS = ("\u2014", "delve", "leverage", "i hope this email finds you well")


def test_roster_covers_the_cases_the_pipeline_must_handle() -> None:
    kinds = {person.kind for person in ROSTER}
    flags = {flag for person in ROSTER for flag in person.flags}
    assert len(ROSTER) >= 30
    assert kinds == {"researcher", "author", "arxiv_only", "ghost", "bystander"}
    assert {"fabricates", "leaves_placeholder", "obeys_injection", "has_injection", "namesake"} <= flags
    assert any(fold(p.name) != p.name.lower() for p in ROSTER)  # accents
    assert any("-" in p.name for p in ROSTER)  # hyphenated
    assert any(p.request_name.startswith(("Dr.", "Prof.")) for p in ROSTER)
    assert len({p.key for p in ROSTER}) == len(ROSTER)
    assert len({paper.arxiv_id for p in ROSTER for paper in p.papers}) == sum(len(p.papers) for p in ROSTER)


def test_every_page_is_on_a_reserved_example_domain() -> None:
    for person in ROSTER:
        for page in person.pages:
            assert re.match(r"https://[\w.-]+\.example\.(edu|org|com)/", page.url), page.url


def test_find_person_ignores_honorifics_case_accents_and_order() -> None:
    assert find_person("Prof. REBECCA thornfield") is find_person("Rebecca Thornfield") is not None
    assert find_person("Hiroshi Tanaka") is find_person("Tanaka Hiroshi") is not None
    assert find_person("Elodie Fontaine") is find_person("Élodie Fontaine") is not None
    assert find_person("Nobody Atall") is None


def test_the_web_is_spread_over_hosts_and_names_like_real_academics() -> None:
    hosts_of = {p.key: {urlsplit(page.url).hostname for page in p.pages} for p in ROSTER}
    assert len(hosts_of["ines-carvalho"]) == 4  # department, lab site, university news, scholar profile
    assert len(find_people("Wei Wang")) >= 10  # a very common name
    same_field = find_people("Daniel Okonkwo")
    assert len(same_field) == 2 and {p.field for p in same_field} == {"machine learning"}
    variants = {author for paper in by_key("lukasz-wrobel").papers for author in paper.authors}
    assert {"Łukasz Wróbel", "Lukasz Wrobel", "L. Wróbel"} <= variants
    archives = {c.split(".")[0] for paper in by_key("priyanka-deshpande").papers for c in paper.categories}
    assert {"stat", "cs", "q-bio"} <= archives
    assert all(paper.year < 2007 and "/" in paper.arxiv_id for paper in by_key("harold-finch-morrow").papers)
    assert by_key("tobias-engel").pages == () and by_key("eleanor-whitcombe").papers == ()
    assert any("official page" in page.text for page in by_key("profile-farm").pages)


def test_namesakes_are_told_apart_by_interest() -> None:
    assert len(find_people("Michael Chen")) == 2
    chosen = find_person("Michael Chen", "3D scene reconstruction from video")
    assert chosen is not None and chosen.key == "michael-chen-vision"


def _chain(person: Person) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, list[dict[str, Any]]]:
    """What the pipeline would do with this person, using the emulator's own role logic."""
    sources = [
        {"url": page.url, "title": page.title, "text": page.text}
        for _, page in search_pages(f"{person.request_name} {person.interest}")[:5]
    ]
    notes = answer(
        "summarizer",
        prompt(recipient_name=person.request_name, recipient_interest=person.interest, sources=sources),
    )
    papers = [
        {"arxiv_id": p.arxiv_id, "title": p.title, "year": p.year, "url": p.url, "summary": p.summary}
        for p in matching_papers(author_query(person.request_name), [])
    ]
    template_type = "book" if person.kind == "author" else "research"
    composed = answer(
        "composer",
        prompt(
            template=BOOK_TEMPLATE if template_type == "book" else RESEARCH_TEMPLATE,
            recipient_name=person.request_name,
            recipient_interest=person.interest,
            template_type=template_type,
            facts=notes["facts"],
            papers=papers,
            sources=[{"url": s["url"], "title": s["title"]} for s in sources],
        ),
    )
    template = BOOK_TEMPLATE if template_type == "book" else RESEARCH_TEMPLATE
    email = template
    for item in composed["values"]:
        email = email.replace(item["placeholder"], item["value"])
    return sources, notes["facts"], email, papers


RECIPIENTS = [p for p in ROSTER if p.kind != "bystander"]


@pytest.mark.parametrize("person", RECIPIENTS, ids=[p.key for p in RECIPIENTS])
def test_emulated_chain_behaves_as_the_roster_says(person: Person) -> None:
    sources, facts, email, papers = _chain(person)
    assert {fact["source_url"] for fact in facts} <= {source["url"] for source in sources}
    if person.kind in ("researcher", "author"):
        assert any(expected in fact["text"] for fact in facts for expected in person.facts)
    assert display_name(person.request_name) in email
    assert ("{{" in email) == ("leaves_placeholder" in person.flags)
    assert not any(tell in email.lower() for tell in TELLS)
    known = {p["title"] for p in papers} | set(person.books)
    named = {title for title in known if title in email}
    if "fabricates" in person.flags:
        assert "Toward a Unified Theory" in email
    elif person.papers or person.books:
        assert named or "leaves_placeholder" in person.flags
    obeyed = "http" in email or "password" in email or "owes" in email
    assert obeyed == ("obeys_injection" in person.flags)
