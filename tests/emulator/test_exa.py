"""The emulated Exa API through the real exa-py AsyncExa client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from exa_py import AsyncExa

from services.emulator import EmulatorHandle, find_person
from services.emulator.roster import by_key


def _exa(url: str) -> AsyncExa:
    return AsyncExa("emulator-key", api_base=url)


def _search(url: str, query: str, **kwargs: Any) -> Any:
    async def go() -> Any:
        async with _exa(url) as exa:
            return await exa.search(query, **kwargs)

    return asyncio.run(go())


def test_search_returns_the_persons_pages_with_text(emulator_config: EmulatorHandle) -> None:
    person = find_person("Amara Okafor")
    assert person is not None
    response = _search(
        emulator_config.url,
        "Amara Okafor robust reinforcement learning",
        num_results=5,
        contents={"text": {"max_characters": 3000}},
    )
    assert {r.url for r in response.results} == {page.url for page in person.pages}
    assert all(r.text and "Okafor" in r.text and r.title and r.published_date for r in response.results)
    assert response.cost_dollars is not None and response.cost_dollars.total > 0
    assert emulator_config.stats()["queries"]["exa_search"] == ["Amara Okafor robust reinforcement learning"]


def test_search_text_respects_max_characters(emulator_config: EmulatorHandle) -> None:
    response = _search(emulator_config.url, "Amara Okafor", contents={"text": {"max_characters": 50}})
    assert response.results and all(len(r.text) <= 50 for r in response.results)


@pytest.mark.parametrize(
    "query", ["dr. amara OKAFOR", "Jose Angel Nunez", "Yang Liu protein", "Soren Kjaergaard"]
)
def test_search_matches_names_regardless_of_case_accents_order_and_titles(
    emulator_config: EmulatorHandle, query: str
) -> None:
    assert _search(emulator_config.url, query).results


def test_search_for_an_unknown_name_returns_nothing(emulator_config: EmulatorHandle) -> None:
    assert _search(emulator_config.url, "Zebulon Quackenbush marine robotics").results == []


def test_search_for_a_person_without_web_presence_returns_nothing(emulator_config: EmulatorHandle) -> None:
    assert _search(emulator_config.url, "Rowan Pembrook string theory").results == []


def test_namesake_search_returns_both_and_pages_say_who_is_who(emulator_config: EmulatorHandle) -> None:
    response = _search(emulator_config.url, "Michael Chen coral reef resilience", num_results=10)
    urls = [r.url for r in response.results]
    assert set(urls) == {
        p.url for key in ("michael-chen-vision", "michael-chen-marine") for p in by_key(key).pages
    }
    assert urls[0] in {
        p.url for p in by_key("michael-chen-marine").pages
    }  # the interest ranks the right one first


def test_contents_returns_known_pages_and_flags_unknown_urls(emulator_config: EmulatorHandle) -> None:
    page = by_key("priya-raman").pages[0]

    async def go() -> Any:
        async with _exa(emulator_config.url) as exa:
            return await exa.get_contents([page.url, "https://nowhere.example.org/x"], text=True)

    response = asyncio.run(go())
    assert [r.url for r in response.results] == [page.url]
    assert response.results[0].text == page.text
    assert [s.status for s in response.statuses] == ["success", "error"]


def test_answer_cites_the_persons_pages(emulator_config: EmulatorHandle) -> None:
    async def go() -> Any:
        async with _exa(emulator_config.url) as exa:
            return await exa.answer("Who is Henrik Lindqvist?")

    response = asyncio.run(go())
    assert "Lindqvist" in response.answer
    assert response.citations and all("baltic-tech" in c.url for c in response.citations)


def test_search_honours_include_and_exclude_domains(emulator_config: EmulatorHandle) -> None:
    url = emulator_config.url
    assert _search(url, "Michael Chen", include_domains=["coralbay.example.org"]).results
    assert all(
        "coralbay" in r.url
        for r in _search(url, "Michael Chen", include_domains=["coralbay.example.org"]).results
    )
    assert all(
        "coralbay" not in r.url for r in _search(url, "Michael Chen", exclude_domains=["example.org"]).results
    )


def test_search_finds_every_page_that_names_the_person_not_only_their_own(
    emulator_config: EmulatorHandle,
) -> None:
    response = _search(emulator_config.url, "Daniel Okonkwo", num_results=10)
    urls = {r.url for r in response.results}
    namesakes = {
        page.url
        for key in ("daniel-okonkwo-privacy", "daniel-okonkwo-molecules")
        for page in by_key(key).pages
    }
    assert namesakes <= urls  # both people of that name
    assert "https://academic-profiles.example.com/daniel-okonkwo" in urls  # and a content farm's page
    student = _search(emulator_config.url, "Ines Carvalho", num_results=10)
    assert "https://polyglot-lab.example.org/people/tomasz-wrona" in {r.url for r in student.results}


def test_a_pages_links_come_as_extras_not_in_its_text(emulator_config: EmulatorHandle) -> None:
    """A department page links its lab's site from an anchor ('Polyglot Lab'): the address is in Exa's
    `extras.links` (after the site's navigation), never in the text."""
    response = _search(
        emulator_config.url,
        "Ines Carvalho department of computer science",
        num_results=10,
        contents={"text": True, "extras": {"links": 20}},
    )
    dept = next(r for r in response.results if r.url == "https://cs.halden.example.edu/people/icarvalho")
    assert "polyglot-lab.example.org" not in dept.text
    assert dept.extras["links"][0] == "https://cs.halden.example.edu/"
    assert "https://polyglot-lab.example.org/" in dept.extras["links"]
    plain = _search(emulator_config.url, "Ines Carvalho", contents={"text": True})
    assert all(not getattr(r, "extras", None) for r in plain.results)
