"""What ties an arXiv paper to a page or to another paper: the page lists it, or names one of its
co-authors; two papers share a co-author."""

from __future__ import annotations

from pipeline.identity.graph import Graph
from pipeline.identity.pages import PageFacts, contains_phrase
from pipeline.models import ArxivPaper
from pipeline.names import PersonName
from pipeline.text import words

MIN_MAIN_TITLE_WORDS = 3


def coauthors(paper: ArxivPaper, person: PersonName) -> list[tuple[str, PersonName]]:
    """The paper's other authors with a given name (a bare family name ties nothing)."""
    found = []
    for author in paper.authors:
        name = PersonName.parse(author)
        if name.given and name.family and not person.is_author(author):
            found.append((author, name))
    return found


def listed_on(paper: ArxivPaper, page: PageFacts) -> bool:
    """The page names the paper: its title (or the part before a colon), or its arXiv id."""
    main = paper.title.split(":")[0]
    if contains_phrase(page.tokens, paper.title) or (
        len(words(main)) >= MIN_MAIN_TITLE_WORDS and contains_phrase(page.tokens, main)
    ):
        return True
    return bool(paper.arxiv_id) and paper.arxiv_id in page.text


def page_tie(paper: ArxivPaper, page: PageFacts, person: PersonName) -> tuple[str, str] | None:
    """Why a paper and a page are about the same person, said for the paper and for the page."""
    if listed_on(paper, page):
        return f"listed on {page.source.url}", f"lists {paper.arxiv_id}"
    for author, name in coauthors(paper, person):
        if name.mentioned_in_tokens(page.tokens) in ("full", "initials"):
            return (
                f"co-author {author} named on {page.source.url}",
                f"names {author}, co-author of {paper.arxiv_id}",
            )
    return None


def shared_coauthor(one: ArxivPaper, other: ArxivPaper, person: PersonName) -> str | None:
    for author, name in coauthors(one, person):
        if any(name.is_author(theirs) for theirs, _ in coauthors(other, person)):
            return author
    return None


def author_groups(papers: list[ArxivPaper], person: PersonName) -> int:
    """How many separate groups of co-authors write under this name: an estimate of how many people
    the name stands for on arXiv."""
    graph = Graph()
    for index, paper in enumerate(papers):
        graph.find(("paper", index))
        for other in range(index):
            if shared_coauthor(paper, papers[other], person):
                graph.tie(("paper", index), ("paper", other), "", "")
    return len(graph.groups([("paper", index) for index in range(len(papers))]))


def tie_papers(
    graph: Graph, papers: list[ArxivPaper], pages: dict[int, PageFacts], person: PersonName, *, common: bool
) -> None:
    """Tie each paper to the pages that list it or name a co-author and, unless the name is very common,
    to the papers it shares a co-author with."""
    for index, paper in enumerate(papers):
        node = ("paper", index)
        graph.find(node)
        for page_index, page in pages.items():
            tie = page_tie(paper, page, person)
            if tie:
                graph.tie(node, ("page", page_index), *tie)
        if common:
            continue
        for other in range(index):
            author = shared_coauthor(paper, papers[other], person)
            if author:
                graph.tie(
                    node,
                    ("paper", other),
                    f"shares co-author {author} with {papers[other].arxiv_id}",
                    f"shares co-author {author} with {paper.arxiv_id}",
                )
