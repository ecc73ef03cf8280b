"""Namesakes: which of an author query's papers the web step's findings tie to this recipient.

The arXiv step runs alongside the web step, so it can only judge papers by the stated interest. Once
both are done this screen asks the web: the pages most about the stated interest (and the other pages
on their site) are the recipient's; a paper is theirs when those pages list it or name a co-author,
or when it is in the same arXiv archive as papers they do list. A same-named person's papers in
another field are dropped. Without web sources the arXiv step's interest filter stands alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.models import ArxivPaper, Fact, PaperScreening, ScreenedPaper, Source
from pipeline.steps.arxiv_helper.ranking import TOP_PAPERS, authored_by, mixed_fields, relevance
from pipeline.text import content_words, normalise_name, words


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _archive(paper: ArxivPaper) -> str:
    """The primary category's archive: 'cs.LG' -> 'cs', 'q-bio.NC' -> 'q-bio'."""
    return paper.categories[0].split(".")[0] if paper.categories else ""


def _phrase(text: str) -> str:
    return f" {' '.join(words(text))} "


def home_sources(sources: list[Source], interest: str) -> list[Source]:
    """The sources most about the stated interest, with every other page of their site."""
    wanted = content_words(interest)

    def relevance(source: Source) -> int:
        return len(wanted & content_words(f"{source.title} {source.text}"))

    best = max(sources, key=relevance)
    if relevance(best) == 0:
        return list(sources)
    hosts = {_host(source.url) for source in sources if relevance(source) == relevance(best)}
    return [source for source in sources if _host(source.url) in hosts]


def screen_papers(
    papers: list[ArxivPaper],
    *,
    sources: list[Source],
    facts: list[Fact],
    name: str,
    interest: str,
    limit: int = TOP_PAPERS,
) -> tuple[list[ArxivPaper], PaperScreening]:
    """The papers to keep (at most `limit`, in their order), and why each was kept or dropped."""
    if not papers:
        return [], PaperScreening(method="no papers")
    if not sources and mixed_fields(papers) and not any(relevance(p, interest) > 0 for p in papers):
        reason = "papers from several fields, none about the interest, and no web evidence to choose"
        return [], PaperScreening(
            method="no web evidence",
            dropped=[ScreenedPaper(arxiv_id=p.arxiv_id, title=p.title, reason=reason) for p in papers],
        )
    if not sources:
        unscreened = [
            ScreenedPaper(arxiv_id=p.arxiv_id, title=p.title, reason="interest filter only") for p in papers
        ]
        return list(papers[:limit]), PaperScreening(
            method="no web evidence: arXiv interest filter only", kept=unscreened[:limit]
        )
    home = home_sources(sources, interest)
    home_urls = {source.url for source in home}
    home_texts = [(s.url, _phrase(f"{s.title} {s.text}")) for s in home]
    home_texts += [(f.source_url, _phrase(f.text)) for f in facts if f.source_url in home_urls]
    other_text = _phrase(" ".join(f"{s.title} {s.text}" for s in sources if s.url not in home_urls))
    name_words = set(words(normalise_name(name)))
    home_words = {w for _, text in home_texts for w in content_words(text)} - name_words
    other_words = content_words(other_text) - name_words

    reasons: dict[str, str] = {}
    for paper in papers:
        title, coauthors = _phrase(paper.title), [a for a in paper.authors if not authored_by_name(a, name)]
        for url, text in home_texts:
            if title in text or f" {paper.arxiv_id} " in f" {text} ":
                reasons[paper.arxiv_id] = f"listed on {url}"
                break
            named = next((a for a in coauthors if len(words(a)) > 1 and _phrase(a) in text), None)
            if named:
                reasons[paper.arxiv_id] = f"co-author {named} named on {url}"
                break
    confirmed = {_archive(p) for p in papers if p.arxiv_id in reasons}
    dropped: dict[str, str] = {}
    for paper in papers:
        if paper.arxiv_id in reasons:
            continue
        own = content_words(f"{paper.title} {paper.summary}") - name_words
        shared, elsewhere = len(own & home_words), len(own & other_words)
        if confirmed and _archive(paper) not in confirmed:
            dropped[paper.arxiv_id] = (
                f"another field: {paper.categories[0] if paper.categories else 'no category'}, while the "
                f"recipient's listed papers are in {', '.join(sorted(confirmed))}"
            )
        elif confirmed:
            reasons[paper.arxiv_id] = (
                f"same arXiv archive ({_archive(paper)}) as the recipient's listed papers"
            )
        elif shared > elsewhere:
            reasons[paper.arxiv_id] = f"shares {shared} subject words with the recipient's pages"
        elif elsewhere > shared:
            dropped[paper.arxiv_id] = "its subject matches pages about someone else with this name"
        else:
            dropped[paper.arxiv_id] = "nothing on the recipient's pages relates to it"
    kept = [p for p in papers if p.arxiv_id in reasons][:limit]
    return kept, PaperScreening(
        method="web evidence",
        home_sources=[source.url for source in home],
        kept=[ScreenedPaper(arxiv_id=p.arxiv_id, title=p.title, reason=reasons[p.arxiv_id]) for p in kept],
        dropped=[
            ScreenedPaper(arxiv_id=p.arxiv_id, title=p.title, reason=dropped[p.arxiv_id])
            for p in papers
            if p.arxiv_id in dropped
        ],
    )


def authored_by_name(author: str, name: str) -> bool:
    """Whether an author string is the recipient (so not a co-author)."""
    return authored_by(ArxivPaper(arxiv_id="", title="", url="", authors=[author]), name)
