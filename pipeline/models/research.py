"""What the research steps find: web sources, facts tied to them, and arXiv papers."""

from __future__ import annotations

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


class ScrapingMetadata(BaseModel):
    """What the web scraper asked, how much came back, and what went wrong."""

    queries: dict[str, str] = Field(default_factory=dict)
    result_counts: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
