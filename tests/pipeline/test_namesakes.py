"""The namesake screen: the web step's findings decide which arXiv papers are the recipient's."""

from __future__ import annotations

from pipeline.models import ArxivPaper, PaperScreening, Source
from pipeline.namesakes import screen_papers
from tests.pipeline.helpers import paper

HOME = Source(
    url="https://neuro.example.edu/people/dpark",
    title="David Park | Kestrel University",
    text="David Park studies hippocampal network models of memory with Elena Sorrentino.",
)
OTHER = Source(
    url="https://cs.other.example.edu/people/dpark",
    title="David Park | Granite",
    text="David Park works on memory disaggregation and network caches.",
)
MINE = paper(
    "Replay in Place Cells", arxiv_id="1", authors=["David Park", "Elena Sorrentino"], categories=["q-bio.NC"]
)
SAME_FIELD = paper("Theta Sequences", arxiv_id="2", authors=["David Park"], categories=["q-bio.NC"])
THEIRS = paper("Memory Models for Network Caches", arxiv_id="3", authors=["David Park"], categories=["cs.PF"])


def screen(
    papers: list[ArxivPaper], sources: list[Source], interest: str = "hippocampal network models of memory"
) -> tuple[list[ArxivPaper], PaperScreening]:
    return screen_papers(papers, sources=sources, facts=[], name="Dr. David Park", interest=interest)


def test_a_co_author_named_on_the_recipients_page_confirms_a_paper_and_its_field() -> None:
    kept, record = screen([MINE, SAME_FIELD, THEIRS], [HOME, OTHER])
    assert [p.arxiv_id for p in kept] == ["1", "2"]
    assert record.kept[0].reason == f"co-author Elena Sorrentino named on {HOME.url}"
    assert record.dropped[0].arxiv_id == "3" and record.dropped[0].reason.startswith("another field: cs.PF")
    assert record.home_sources == [HOME.url]


def test_a_paper_listed_on_the_recipients_page_is_kept() -> None:
    listing = HOME.model_copy(update={"text": f'{HOME.text} Publications: "{THEIRS.title}".'})
    kept, _ = screen([THEIRS], [listing])
    assert kept == [THEIRS]


def test_without_confirmation_a_paper_closer_to_someone_elses_pages_is_dropped() -> None:
    home = HOME.model_copy(update={"text": "David Park studies hippocampal memory."})
    kept, record = screen([THEIRS], [home, OTHER], interest="hippocampal memory")
    assert (
        kept == []
        and record.dropped[0].reason == "its subject matches pages about someone else with this name"
    )


def test_without_web_sources_mixed_fields_with_nothing_about_the_interest_are_dropped() -> None:
    kept, record = screen([SAME_FIELD, THEIRS], [], interest="dreams")
    assert kept == [] and record.method == "no web evidence"
    kept, record = screen([MINE, SAME_FIELD], [], interest="dreams")
    assert len(kept) == 2 and record.method == "no web evidence: arXiv interest filter only"
