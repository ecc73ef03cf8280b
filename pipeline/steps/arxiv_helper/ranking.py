"""Which of an author query's papers could be this recipient's, and which matter most for the email."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.models import ArxivPaper
from pipeline.names import PersonName
from pipeline.text import content_words

TOP_PAPERS = 5
# What the arXiv step hands on: every paper the name could have written, up to this many; the identity
# resolution (pipeline/identity) decides which are the recipient's.
CANDIDATES = 40
RECENCY_WEIGHT = 0.25


def authored_by(paper: ArxivPaper, name: str) -> bool:
    """Whether an author of the paper can be this person (initials, middle names, diacritics, order)."""
    person = PersonName.parse(name)
    return any(person.is_author(author) for author in paper.authors)


def relevance(paper: ArxivPaper, interest: str) -> float:
    """Share of the interest's words found in the paper; title words count twice."""
    wanted = content_words(interest)
    if not wanted:
        return 0.0
    in_title = len(wanted & content_words(paper.title))
    in_paper = len(wanted & content_words(f"{paper.title} {paper.summary}"))
    return (in_title + in_paper) / (2 * len(wanted))


def recency(paper: ArxivPaper, *, current_year: int) -> float:
    """1.0 this year, halving roughly every three years; unknown years count as old."""
    if paper.year is None:
        return 0.0
    return 1.0 / (1.0 + max(0, current_year - paper.year) / 3.0)


def rank_papers(
    papers: list[ArxivPaper],
    *,
    name: str,
    interest: str,
    limit: int = TOP_PAPERS,
    current_year: int | None = None,
) -> list[ArxivPaper]:
    """The papers the name could have written, most relevant to the interest and most recent first.

    Nothing is dropped for being off the interest: a lab's papers are often worded unlike the student's
    interest, and whose papers they are is for the identity resolution to decide, with the web's help.
    """
    year = current_year or datetime.now(UTC).year
    mine = [paper for paper in papers if authored_by(paper, name)]
    scored = sorted(
        mine,
        key=lambda p: (relevance(p, interest) + RECENCY_WEIGHT * recency(p, current_year=year), p.year or 0),
        reverse=True,
    )
    best: dict[str, ArxivPaper] = {}
    for paper in scored:
        best.setdefault(paper.arxiv_id, paper)
    return list(best.values())[:limit]
