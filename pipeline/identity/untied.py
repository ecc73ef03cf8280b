"""Papers nothing ties to a page: kept only when no one else could have written them."""

from __future__ import annotations

from pipeline.models import ArxivPaper
from pipeline.steps.arxiv_helper.ranking import relevance


def untied_reason(
    paper: ArxivPaper,
    *,
    interest: str,
    recipient_found: bool,
    ambiguous: bool,
    namesake_pages: bool,
    common: bool,
    authors: int,
    tied_categories: set[str],
) -> tuple[str, bool]:
    """Why a paper that no page lists (and that shares no co-author with a listed one) is kept or dropped."""
    if ambiguous:
        return "others of this name match the stated interest as well: cannot tell whose it is", False
    if common:
        return (
            f"a very common name ({authors} separate groups of co-authors on arXiv) and nothing ties this "
            "paper to the recipient's pages",
            False,
        )
    if namesake_pages:
        return (
            "pages about someone else name this person too, and nothing ties this paper to the recipient",
            False,
        )
    about = relevance(paper, interest) > 0
    category = paper.categories[0] if paper.categories else ""
    if recipient_found and about:
        return "no page lists it; about the stated interest, and no one else of this name was found", True
    if recipient_found and category in tied_categories:
        return f"no page lists it; same arXiv category ({category}) as the recipient's tied papers", True
    if recipient_found:
        return "nothing ties it to the recipient's pages and it is not about the stated interest", False
    if about:
        return "no web evidence about the recipient: kept by the arXiv interest filter", True
    return "no web evidence about the recipient, and not about the stated interest", False
