"""arXiv author searches: coalesced into few requests, paced by arXiv's rules, cached per author."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from pipeline.models import ArxivPaper
from pipeline.steps.arxiv_helper import authors as authors_module
from pipeline.steps.arxiv_helper.authors import AuthorSearch, author_key, same_person, split_by_author
from pipeline.steps.arxiv_helper.client import ArxivApi, ArxivUnavailable, author_query, parse_feed
from pipeline.steps.arxiv_helper.ranking import CANDIDATES, authored_by, rank_papers
from pipeline.steps.arxiv_helper.step import MARGIN_SECONDS
from services.emulator import EmulatorHandle
from services.emulator.roster import PAPERS, ROSTER, Person, by_key

RESEARCHERS = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]
WITH_PAPERS = [p for p in ROSTER if p.papers]


def search(emulator: EmulatorHandle, *, interval: float = 0.0) -> AuthorSearch:
    return AuthorSearch(ArxivApi(f"{emulator.url}/api/query"), interval=interval, cache_seconds=3600)


def arxiv_calls(emulator: EmulatorHandle) -> int:
    return int(emulator.stats()["calls"].get("arxiv", 0))


async def alone(emulator: EmulatorHandle, name: str) -> list[ArxivPaper]:
    """What the old one-author-per-request step got: `au:"Name"`, newest first."""
    api = ArxivApi(f"{emulator.url}/api/query")
    return (await api.parse(await api.fetch(author_query(name), max_results=50))).papers


def test_names_written_differently_share_one_key() -> None:
    assert author_key("Prof. Tanaka, Hiroshi") == author_key("Hiroshi Tanaka")
    assert author_key("José Ángel Núñez") == author_key("jose angel nunez")
    assert author_key("Claire Dubois-Martin") == author_key("Claire Dubois Martin")
    assert author_key("Jane Smith") != author_key("John Smith")


def test_the_shared_answer_keeps_everything_the_ranking_would_accept() -> None:
    # Every (paper, person) pair the ranking calls the person's, the split hands to that person.
    for paper, person in itertools.product(PAPERS, WITH_PAPERS):
        arxiv_paper = ArxivPaper(
            arxiv_id=paper.arxiv_id, title=paper.title, url=paper.url, authors=list(paper.authors)
        )
        if authored_by(arxiv_paper, person.name):
            assert split_by_author([arxiv_paper], [person.name]) == [[arxiv_paper]], (
                paper.title,
                person.name,
            )


def test_initials_and_family_name_first_are_the_same_person() -> None:
    words = authors_module.name_words
    assert same_person(words("J. Smith"), words("Jane Smith"))
    assert same_person(words("Yang Liu"), words("Liu Yang"))
    assert same_person(words("Jane A. Smith"), words("Jane Smith"))
    assert not same_person(words("Jane Smythe"), words("Jane Smith"))


def test_authors_waiting_together_are_served_by_one_request_with_their_own_papers(
    emulator_config: EmulatorHandle,
) -> None:
    emulator_config.configure(latency={"arxiv": 0.3})
    people = RESEARCHERS[:12]

    async def everyone() -> list[list[ArxivPaper]]:
        searcher = search(emulator_config)
        found = await asyncio.gather(*(searcher.papers_by(p.request_name) for p in people))
        return [f.papers for f in found]

    answers = asyncio.run(everyone())
    # The first author starts a request; everyone who arrived meanwhile shares the next one.
    assert arxiv_calls(emulator_config) <= 2
    for person, papers in zip(people, answers, strict=True):
        assert {paper.arxiv_id for paper in person.papers} <= {paper.arxiv_id for paper in papers}, (
            person.name
        )


@pytest.mark.parametrize("person", RESEARCHERS, ids=lambda p: p.key)
def test_ranked_papers_are_the_same_as_with_one_request_per_author(
    emulator_config: EmulatorHandle, person: Person
) -> None:
    others = [p for p in RESEARCHERS if p is not person][:9]

    async def both() -> tuple[list[ArxivPaper], list[ArxivPaper]]:
        searcher = search(emulator_config)
        shared = await asyncio.gather(*(searcher.papers_by(p.request_name) for p in [*others, person]))
        return shared[-1].papers, await alone(emulator_config, person.request_name)

    shared, single = asyncio.run(both())

    def ranked(papers: list[ArxivPaper]) -> list[str]:
        ranking = rank_papers(papers, name=person.request_name, interest=person.interest, limit=CANDIDATES)
        return [paper.arxiv_id for paper in ranking]

    assert ranked(shared) == ranked(single)


def test_a_second_ask_for_the_same_person_is_answered_from_the_cache(emulator_config: EmulatorHandle) -> None:
    person = RESEARCHERS[0]

    async def twice() -> tuple[str, str]:
        searcher = search(emulator_config)
        first = await searcher.papers_by(person.request_name)
        again = await searcher.papers_by(f"Prof. {person.request_name}")
        assert again.papers == first.papers
        return first.source, again.source

    assert asyncio.run(twice()) == ("arxiv", "cache")
    assert arxiv_calls(emulator_config) == 1


def test_requests_keep_arxivs_interval_and_one_connection(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(
        latency={"arxiv": 0.2}, rules={"arxiv": {"interval_seconds": 0.5, "connections": 1}}
    )

    async def in_waves() -> None:
        searcher = search(emulator_config, interval=0.5 + MARGIN_SECONDS)
        waves = [RESEARCHERS[i : i + 3] for i in range(0, 12, 3)]
        pending = []
        for wave in waves:  # authors keep arriving while requests are in flight
            pending += [asyncio.ensure_future(searcher.papers_by(p.request_name)) for p in wave]
            await asyncio.sleep(0.15)
        await asyncio.gather(*pending)

    asyncio.run(in_waves())
    stats = emulator_config.stats()
    assert stats["calls"]["arxiv"] >= 2
    assert stats["breaches"] == {}


def test_an_author_cut_from_a_full_answer_is_asked_again_alone(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One paper per author fits: the shared answer (newest first) is full of three recent authors'
    # papers, and Élodie Fontaine's only paper (2022) falls off the end of it.
    monkeypatch.setattr(authors_module, "PER_AUTHOR", 1)
    people = [by_key(key) for key in ("amara-okafor", "henrik-lindqvist", "priya-raman", "elodie-fontaine")]

    async def together() -> list[list[ArxivPaper]]:
        searcher = search(emulator_config)
        return [f.papers for f in await asyncio.gather(*(searcher.papers_by(p.request_name) for p in people))]

    answers = asyncio.run(together())
    assert [len(papers) for papers in answers] == [1, 1, 1, 1]
    assert answers[3][0].arxiv_id == people[3].papers[0].arxiv_id
    queries = emulator_config.stats()["queries"]["arxiv"]
    assert len(queries) == 2 and queries[1] == author_query(people[3].request_name)


def test_a_failing_arxiv_fails_every_waiter_and_caches_nothing(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"arxiv": {"rate": 1.0, "kinds": ["500"]}})
    people = RESEARCHERS[:3]

    async def attempt(searcher: AuthorSearch) -> list[BaseException | object]:
        return await asyncio.gather(
            *(searcher.papers_by(p.request_name) for p in people), return_exceptions=True
        )

    searcher = search(emulator_config)
    outcomes = asyncio.run(attempt(searcher))
    assert all(isinstance(outcome, ArxivUnavailable) for outcome in outcomes)
    assert arxiv_calls(emulator_config) == authors_module.ATTEMPTS  # one shared request, tried twice
    emulator_config.configure(faults={})
    assert all(not isinstance(o, BaseException) for o in asyncio.run(attempt(searcher)))


@pytest.mark.parametrize("body", [b"<feed><entry>", b"<html><body>Service unavailable</body></html>", b""])
def test_an_answer_that_is_not_a_feed_is_an_error_not_an_empty_answer(body: bytes) -> None:
    with pytest.raises(ArxivUnavailable):
        parse_feed(body)


def test_the_arxiv_package_parses_the_feed_into_papers(emulator_config: EmulatorHandle) -> None:
    person = RESEARCHERS[0]
    papers = asyncio.run(alone(emulator_config, person.request_name))
    wanted = {paper.arxiv_id: paper for paper in person.papers}
    got = [paper for paper in papers if paper.arxiv_id in wanted]
    assert got and all(paper.title == wanted[paper.arxiv_id].title and paper.year for paper in got)
    assert all(paper.url.startswith("https://arxiv.org/abs/") and paper.authors for paper in got)
