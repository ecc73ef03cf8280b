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


class ScreenedPaper(BaseModel):
    arxiv_id: str
    title: str
    reason: str


class PaperScreening(BaseModel):
    """Which arXiv papers the web step's findings tie to the recipient, and which look like a namesake's."""

    method: str = "not run"
    home_sources: list[str] = Field(default_factory=list)
    kept: list[ScreenedPaper] = Field(default_factory=list)
    dropped: list[ScreenedPaper] = Field(default_factory=list)
