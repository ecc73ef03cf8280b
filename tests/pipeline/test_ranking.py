from pipeline.steps.arxiv_helper.client import author_query
from pipeline.steps.arxiv_helper.ranking import authored_by, rank_papers, relevance
from tests.pipeline.helpers import paper


def test_author_query_asks_for_the_name_and_arxivs_family_name_and_initial_form() -> None:
    assert author_query("Prof. Smith, Jane") == 'au:"Jane Smith" OR au:Smith_J'
    assert author_query("Łukasz Wróbel") == 'au:"Łukasz Wróbel" OR au:Wrobel_L'
    assert author_query("Harold Finch-Morrow") == 'au:"Harold Finch-Morrow" OR au:Finch_Morrow_H'
    assert author_query("Madonna") == 'au:"Madonna"'


def test_relevant_papers_rank_above_irrelevant_ones_and_none_is_dropped_for_its_subject() -> None:
    on_topic = paper("Sparse Attention for Long Documents", arxiv_id="2401.1", year=2020)
    newer = paper("Sparse Routing in Mixture Models", arxiv_id="2401.2", year=2025)
    elsewhere = paper("Soil Chemistry of Wetlands", arxiv_id="2401.3", year=2025)
    ranked = rank_papers(
        [elsewhere, on_topic, newer], name="Dr. Jane Smith", interest="sparse attention", current_year=2025
    )
    assert [p.arxiv_id for p in ranked] == ["2401.1", "2401.2", "2401.3"]


def test_recency_breaks_ties_between_equally_relevant_papers() -> None:
    old = paper("Sparse Attention Revisited", arxiv_id="2001.1", year=2015)
    new = paper("Sparse Attention Revisited Again", arxiv_id="2401.1", year=2024)
    ranked = rank_papers([old, new], name="Jane Smith", interest="sparse attention", current_year=2025)
    assert ranked[0].arxiv_id == "2401.1"


def test_at_most_the_limit_is_kept() -> None:
    papers = [paper(f"Sparse Attention {i}", arxiv_id=f"2401.{i}") for i in range(9)]
    assert len(rank_papers(papers, name="Jane Smith", interest="sparse attention")) == 5


def test_papers_nobody_of_this_name_wrote_are_not_candidates() -> None:
    assert not authored_by(paper("Sparse Attention", authors=["John Smithson"]), "Jane Smith")
    assert not authored_by(paper("x", authors=["John Smith"]), "Jane Smith")
    assert authored_by(paper("x", authors=["J. Smith"]), "Jane Smith")
    assert authored_by(paper("x", authors=["Yang Liu"]), "Liu Yang")
    assert authored_by(paper("x", authors=["M. L. Santos"]), "Dr. Maria Santos")


def test_relevance_counts_title_words_twice() -> None:
    in_title = paper("Sparse Attention", summary="")
    in_summary = paper("Something Else", summary="sparse attention")
    assert relevance(in_title, "sparse attention") > relevance(in_summary, "sparse attention") > 0
