from pipeline.steps.arxiv_helper.client import author_query
from pipeline.steps.arxiv_helper.ranking import authored_by, rank_papers, relevance
from tests.pipeline.helpers import paper


def test_author_query_uses_the_normalised_name() -> None:
    assert author_query("Prof. Smith, Jane") == 'au:"Jane Smith"'


def test_relevant_papers_rank_above_irrelevant_and_namesakes_are_dropped() -> None:
    on_topic = paper("Sparse Attention for Long Documents", arxiv_id="2401.1", year=2020)
    newer = paper("Sparse Routing in Mixture Models", arxiv_id="2401.2", year=2025)
    namesake = paper("Soil Chemistry of Wetlands", arxiv_id="2401.3", year=2025)
    ranked = rank_papers(
        [namesake, on_topic, newer], name="Dr. Jane Smith", interest="sparse attention", current_year=2025
    )
    assert [p.arxiv_id for p in ranked] == ["2401.1", "2401.2"]


def test_recency_breaks_ties_between_equally_relevant_papers() -> None:
    old = paper("Sparse Attention Revisited", arxiv_id="2001.1", year=2015)
    new = paper("Sparse Attention Revisited Again", arxiv_id="2401.1", year=2024)
    ranked = rank_papers([old, new], name="Jane Smith", interest="sparse attention", current_year=2025)
    assert ranked[0].arxiv_id == "2401.1"


def test_at_most_five_papers_are_kept() -> None:
    papers = [paper(f"Sparse Attention {i}", arxiv_id=f"2401.{i}") for i in range(9)]
    assert len(rank_papers(papers, name="Jane Smith", interest="sparse attention")) == 5


def test_papers_by_someone_else_are_not_the_recipients() -> None:
    other = paper("Sparse Attention", authors=["John Smithson"])
    assert not authored_by(other, "Jane Smith")
    assert authored_by(paper("x", authors=["J. Smith"]), "Jane Smith")
    assert authored_by(paper("x", authors=["Yang Liu"]), "Liu Yang")


def test_relevance_counts_title_words_twice() -> None:
    in_title = paper("Sparse Attention", summary="")
    in_summary = paper("Something Else", summary="sparse attention")
    assert relevance(in_title, "sparse attention") > relevance(in_summary, "sparse attention") > 0


def test_without_relevant_papers_one_fields_papers_are_kept_and_mixed_fields_dropped() -> None:
    spectra = paper("Water in Hot Neptunes", arxiv_id="1", categories=["astro-ph.EP"])
    haze = paper("Haze on Sub-Neptunes", arxiv_id="2", categories=["astro-ph.SR"])
    soil = paper("Wetland Soil", arxiv_id="3", categories=["q-bio.PE"])
    assert len(rank_papers([spectra, haze], name="Jane Smith", interest="exoplanet atmospheres")) == 2
    assert rank_papers([spectra, soil], name="Jane Smith", interest="exoplanet atmospheres") == []
