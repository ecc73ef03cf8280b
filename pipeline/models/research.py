"""What the research steps find: web sources, facts tied to them, and arXiv papers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Source(BaseModel):
    """One web page found by search; its text is untrusted data."""

    url: str
    title: str = ""
    published_date: str | None = None
    text: str = ""
    # The addresses the page's links point to (the search's link extraction): what a page links to is
    # in its anchors, rarely in its visible text. Untrusted like the text; never shown to a model.
    links: list[str] = Field(default_factory=list)


class Fact(BaseModel):
    """A short claim about the recipient, tied to the source it came from."""

    text: str = Field(description="One short, specific, checkable fact about the recipient.")
    source_url: str = Field(description="The exact url of the source that states this fact.")


class ArxivPaper(BaseModel):
    arxiv_id: str
    title: str
    year: int | None = None
    url: str
    summary: str = ""
    authors: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)


class FetchedPage(BaseModel):
    """A thin search result fetched directly: how (static HTML or Chromium), or why it was skipped."""

    url: str
    outcome: Literal["static", "browser", "skipped"]
    chars: int = 0
    reason: str = ""


class ScrapingMetadata(BaseModel):
    """What the web scraper asked, how much came back, and what went wrong."""

    queries: dict[str, str] = Field(default_factory=dict)
    result_counts: dict[str, int] = Field(default_factory=dict)
    fetched_pages: list[FetchedPage] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class SourceJudgement(BaseModel):
    """The summariser's judgement of one source: is it about the recipient, and the page's own words
    that show it (checked in code: pipeline/identity/judgements.py)."""

    url: str = Field(description="The exact url of the source.")
    about_recipient: str = Field(
        description='"yes" if the page is about the recipient, "no" if it is about someone else '
        '(a namesake, a student, a colleague), "unsure" if it cannot be told.'
    )
    evidence: str = Field(
        default="", description="A short exact quote from the page that shows who it is about."
    )


class ScreenedPaper(BaseModel):
    arxiv_id: str
    title: str
    reason: str


class SourceVerdict(BaseModel):
    """Whether a source is about the recipient, why, and what the summariser said (after the checks)."""

    url: str
    about_recipient: Literal["yes", "no", "unsure"]
    reasons: list[str] = Field(default_factory=list)
    model: str = "unsure"
    model_evidence: str = ""


class PaperScreening(BaseModel):
    """Which sources and arXiv papers are about the recipient, and why each was kept or dropped."""

    method: str = "not run"
    recipient_sources: list[str] = Field(default_factory=list)
    affiliations: list[str] = Field(default_factory=list)
    # Separate groups of co-authors among the papers arXiv has for this name: about how many people
    # write under it; many of them make it a very common name (then only tied papers are kept).
    arxiv_author_groups: int = 0
    common_name: bool = False
    sources: list[SourceVerdict] = Field(default_factory=list)
    kept: list[ScreenedPaper] = Field(default_factory=list)
    dropped: list[ScreenedPaper] = Field(default_factory=list)
    facts_dropped: int = 0
