"""Which of an author query's papers are this recipient's, and which matter most for the email."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.models import ArxivPaper
from pipeline.text import content_words, fold, normalise_name

TOP_PAPERS = 5
# What the arXiv step hands on: more than the email needs, so the namesake screen has room to drop some.
CANDIDATES = 12
RECENCY_WEIGHT = 0.25


def authored_by(paper: ArxivPaper, name: str) -> bool:
    """Whether an author of the paper is this person: same last name, compatible first name or initial."""
    wanted = fold(normalise_name(name)).replace("-", " ").split()
    if not wanted:
        return False
    for author in paper.authors:
        have = fold(normalise_name(author)).replace("-", " ").split()
        if not have:
            continue
        # Family-name-first spellings ('Liu Yang' / 'Yang Liu') are the same person.
        if set(have) == set(wanted):
            return True
        if have[-1] == wanted[-1] and have[0][0] == wanted[0][0]:
            return True
    return False


def relevance(paper: ArxivPaper, interest: str) -> float:
    """Share of the interest's words found in the paper; title words count twice."""
    wanted = content_words(interest)
    if not wanted:
        return 0.0
    in_title = len(wanted & content_words(paper.title))
    in_paper = len(wanted & content_words(f"{paper.title} {paper.summary}"))
    return (in_title + in_paper) / (2 * len(wanted))


def _archive(paper: ArxivPaper) -> str:
    """'cs.LG' -> 'cs', 'astro-ph.EP' -> 'astro-ph'."""
    return paper.categories[0].split(".")[0] if paper.categories else ""


def mixed_fields(papers: list[ArxivPaper]) -> bool:
    """Whether the papers come from more than one arXiv archive."""
    return len({_archive(paper) for paper in papers}) > 1


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
    keep_mixed_fields: bool = False,
) -> list[ArxivPaper]:
    """This person's papers, most relevant to the interest and most recent first.

    Namesakes: when some papers share words with the interest, the others are dropped. When none do
    (an interest worded unlike the titles), the papers are kept only if they all come from one arXiv
    archive, i.e. plausibly one person; papers spread over several fields are nobody's for sure, unless
    `keep_mixed_fields` leaves that to a later judge with more evidence (pipeline/namesakes.py).
    """
    year = current_year or datetime.now(UTC).year
    mine = [paper for paper in papers if authored_by(paper, name)]
    relevant = [paper for paper in mine if relevance(paper, interest) > 0]
    if relevant:
        mine = relevant
    elif mixed_fields(mine) and not keep_mixed_fields:
        mine = []
    scored = sorted(
        mine,
        key=lambda p: (relevance(p, interest) + RECENCY_WEIGHT * recency(p, current_year=year), p.year or 0),
        reverse=True,
    )
    best: dict[str, ArxivPaper] = {}
    for paper in scored:
        best.setdefault(paper.arxiv_id, paper)
    return list(best.values())[:limit]
