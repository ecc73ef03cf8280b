"""The emulated arXiv API through the real `arxiv` client."""

from __future__ import annotations

import arxiv
import pytest

from services.emulator import EmulatorHandle
from services.emulator.roster import by_key


def _results(
    emulator: EmulatorHandle, query: str = "", *, id_list: list[str] | None = None, n: int = 10
) -> list[arxiv.Result]:
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
    client.query_url_format = emulator.arxiv_query_url_format
    return list(client.results(arxiv.Search(query=query, id_list=id_list or [], max_results=n)))


@pytest.mark.parametrize("query", ['au:"Amara Okafor"', "au:Okafor_Amara", "au:Okafor_A", 'au:"Okafor"'])
def test_author_query_returns_the_persons_papers(emulator_config: EmulatorHandle, query: str) -> None:
    person = by_key("amara-okafor")
    results = _results(emulator_config, query)
    assert {r.get_short_id().split("v")[0] for r in results} == {p.arxiv_id for p in person.papers}
    first = results[0]
    assert first.published.year == max(p.year for p in person.papers)  # newest first by default
    assert "Amara Okafor" in [a.name for a in first.authors]
    assert first.primary_category and first.categories and first.pdf_url and first.summary


def test_namesake_query_returns_both_peoples_papers(emulator_config: EmulatorHandle) -> None:
    titles = {r.title for r in _results(emulator_config, 'au:"Michael Chen"')}
    expected = {p.title for key in ("michael-chen-vision", "michael-chen-marine") for p in by_key(key).papers}
    assert titles == expected


def test_author_query_with_topic_terms_narrows_results(emulator_config: EmulatorHandle) -> None:
    results = _results(emulator_config, 'au:"Michael Chen" AND (ti:coral OR abs:reef)')
    assert [r.title for r in results] == [p.title for p in by_key("michael-chen-marine").papers]


def test_accented_and_reordered_names_match(emulator_config: EmulatorHandle) -> None:
    assert _results(emulator_config, 'au:"Jose Angel Nunez"')
    assert _results(emulator_config, 'au:"Yang Liu"') == _results(emulator_config, 'au:"Liu Yang"')


def test_unknown_author_and_book_author_have_no_papers(emulator_config: EmulatorHandle) -> None:
    assert _results(emulator_config, 'au:"Zebulon Quackenbush"') == []
    assert _results(emulator_config, 'au:"Margaret Ellery"') == []


def test_arxiv_only_person_has_papers(emulator_config: EmulatorHandle) -> None:
    assert len(_results(emulator_config, "au:Pembrook_Rowan")) == len(by_key("rowan-pembrook").papers)


def test_id_list_and_paging(emulator_config: EmulatorHandle) -> None:
    paper = by_key("henrik-lindqvist").papers[0]
    assert [r.title for r in _results(emulator_config, id_list=[paper.arxiv_id])] == [paper.title]
    everything = _results(emulator_config, "cat:q-bio", n=100)
    assert len(everything) > 3
    client = arxiv.Client(page_size=2, delay_seconds=0, num_retries=0)
    client.query_url_format = emulator_config.arxiv_query_url_format
    paged = list(client.results(arxiv.Search(query="cat:q-bio", max_results=100)))
    assert [r.entry_id for r in paged] == [r.entry_id for r in everything]
