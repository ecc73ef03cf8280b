"""Identity resolution: which of this run's web pages and arXiv papers are about the recipient.

Pages and papers are joined into groups by evidence that one person is behind them:
- between pages an institution vouches for (pipeline/identity/pages.py): the same site, a link from
  one to the other, the same university domain, or an institution both name;
- between a vouched page and a paper: the page lists the paper (title or arXiv id) or names a co-author;
- between papers: a shared co-author (not for a very common name, whose authors share too much).
A page no institution vouches for (a content farm, an aggregator, an unlinked profile) ties nothing and
is never the recipient's: anyone can copy a person's paper titles next to an invented one, claims
about them and an instruction, and aggregators mix namesakes' papers.
A page is *about* a person of this name when its title or opening names them; a page that names them
only further down (a collaborator's or a student's page, a lab's home page, a press
release) *mentions* them. The recipient's group is the vouched group closest to the stated interest
(the summariser's checked `yes` breaks a tie, and is needed when no page words the interest), a group
with a page about a person of this name before one that only mentions the name. Other vouched groups
with a page about a person of this name are namesakes; if one is as close to the interest, nobody can
be told apart and nothing is kept. A group that only mentions the name is someone else's page (a
colleague's, a student's), not a namesake.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.identity.graph import Graph, Node
from pipeline.identity.judgements import Judged, check_judgements
from pipeline.identity.pages import PageFacts
from pipeline.identity.papers import author_groups, listed_on, tie_papers
from pipeline.identity.untied import untied_reason
from pipeline.models import (
    ArxivPaper,
    Fact,
    PaperScreening,
    PipelineData,
    ScreenedPaper,
    Source,
    SourceJudgement,
    SourceVerdict,
)
from pipeline.names import PersonName
from pipeline.steps.arxiv_helper.ranking import TOP_PAPERS, rank_papers
from pipeline.text import content_words

# How much closer to the interest the recipient's group must be than a namesake's (share of its words).
INTEREST_MARGIN = 0.15
# Separate co-author groups among a name's arXiv papers that mark it as very common.
COMMON_NAME_AUTHORS = 8


@dataclass
class Identity:
    """The screening record, the recipient's papers (best first, at most `limit`), the facts kept."""

    screening: PaperScreening
    papers: list[ArxivPaper]
    facts: list[Fact]


@dataclass
class _Group:
    pages: list[int] = field(default_factory=list)
    papers: list[int] = field(default_factory=list)
    vouched: bool = False
    about: bool = False  # a vouched page of the group is about a person of this name, not a mention
    interest: float = 0.0
    yes: int = 0

    def rank(self) -> tuple[bool, float, int, int]:
        return (self.about, self.interest, self.yes, len(self.pages))


def _vouch(pages: list[PageFacts], person: PersonName) -> None:
    """Mark the pages someone stands behind: a university or the institution they name hosts them, the
    person's own domain does, or a vouched page links to them or shares their site."""
    for page in pages:
        if page.org:
            page.vouched, page.reasons = True, [f"on a university domain ({page.org})"]
        elif page.hosted_by_named_institution:
            page.vouched, page.reasons = True, ["hosted by the institution it names"]
        elif person.owns_host(page.host):
            page.vouched, page.reasons = True, ["on a domain in the recipient's own name"]
    changed = True
    while changed:
        changed = False
        for page in (p for p in pages if not p.vouched):
            voucher = next((o for o in pages if o.vouched and (o.links_to(page) or o.same_site(page))), None)
            if voucher is not None:
                how = "linked from" if voucher.links_to(page) else "on the same site as"
                page.vouched, page.reasons, changed = True, [f"{how} {voucher.source.url}"], True


def _tie_pages(graph: Graph, pages: dict[int, PageFacts]) -> None:
    """Ties between vouched pages: the same site, a link, the same university or a named institution."""
    vouched = [index for index, page in pages.items() if page.vouched]
    for position, one in enumerate(vouched):
        for other in vouched[position + 1 :]:
            a, b = pages[one], pages[other]
            if a.same_site(b):
                how = "on the same site as"
            elif a.links_to(b) or b.links_to(a):
                how = "linked with"
            elif a.shares_institution(b):
                how = "same institution as"
            else:
                continue
            graph.tie(("page", one), ("page", other), f"{how} {b.source.url}", f"{how} {a.source.url}")


def _page_verdicts(
    pages: list[PageFacts], judged: dict[str, Judged], person: PersonName
) -> tuple[dict[str, SourceVerdict], dict[int, PageFacts], set[int]]:
    """A first verdict per page (pages that never name the recipient, or that the checked summariser
    places with someone else, are 'no'), and the pages left to resolve."""
    verdicts: dict[str, SourceVerdict] = {}
    candidates: dict[int, PageFacts] = {}
    about: set[int] = set()
    for index, page in enumerate(pages):
        model = judged[page.source.url]
        record = SourceVerdict(
            url=page.source.url, about_recipient="unsure", model=model.verdict, model_evidence=model.evidence
        )
        if model.note:
            record.reasons.append(f"summariser's answer not used: {model.note}")
        mention = person.mentioned_in_tokens(page.tokens)
        if mention is None:
            record.about_recipient = "no"
            record.reasons.append("never names the recipient")
        elif model.verdict == "no":
            record.about_recipient = "no"
            record.reasons.append(f"the summariser places it with someone else: {model.evidence!r}")
        else:
            candidates[index] = page
            if person.mentioned_in(page.opening):
                about.add(index)
                record.reasons.append(f"about a person of this name ({mention})")
            else:
                record.reasons.append(f"mentions the recipient ({mention}) below its title and opening")
            record.reasons += page.reasons if page.vouched else ["no institution vouches for it"]
        verdicts[page.source.url] = record
    return verdicts, candidates, about


def _score(
    group: _Group, pages: dict[int, PageFacts], about: set[int], judged: dict[str, Judged], interest: str
) -> None:
    """How close the group's vouched pages are to the stated interest, and the summariser's checked yeses."""
    own = [pages[index] for index in group.pages if pages[index].vouched]
    group.vouched = bool(own)
    group.about = any(index in about and pages[index].vouched for index in group.pages)
    wanted = content_words(interest)
    said: set[str] = set()
    for page in own:
        said |= content_words(page.text)
    group.interest = len(wanted & said) / len(wanted) if wanted else 0.0
    group.yes = sum(judged[page.source.url].verdict == "yes" for page in own)


def resolve_identity(
    *,
    name: str,
    interest: str,
    sources: list[Source],
    judgements: list[SourceJudgement],
    papers: list[ArxivPaper],
    facts: list[Fact],
    limit: int = TOP_PAPERS,
) -> Identity:
    """Decide for each source and paper whether it is about the recipient, with the reasons."""
    person = PersonName.parse(name)
    if not person.identifiable:
        return _unidentifiable(name, sources, papers, facts)
    judged = check_judgements(judgements, sources)
    all_pages = [PageFacts.read(source) for source in sources]
    _vouch(all_pages, person)
    verdicts, pages, about = _page_verdicts(all_pages, judged, person)
    authors = author_groups(papers, person)
    common = authors >= COMMON_NAME_AUTHORS
    graph = Graph()
    _tie_pages(graph, pages)
    vouched = {index: page for index, page in pages.items() if page.vouched}
    tie_papers(graph, papers, vouched, person, common=common)
    nodes: list[Node] = [("page", index) for index in pages] + [("paper", i) for i in range(len(papers))]
    groups = []
    for members in graph.groups(nodes):
        group = _Group(
            pages=[index for kind, index in members if kind == "page"],
            papers=[index for kind, index in members if kind == "paper"],
        )
        _score(group, pages, about, judged, interest)
        groups.append(group)
    eligible = sorted((g for g in groups if g.vouched and (g.interest > 0 or g.yes > 0)), key=_Group.rank)
    recipient = eligible[-1] if eligible else None
    # A rival is another group about a person of this name (a page that only mentions the name, say a
    # collaborator's, is no rival to pages about the recipient).
    ambiguous = recipient is not None and any(
        g.interest > recipient.interest - INTEREST_MARGIN and g.yes >= recipient.yes
        for g in eligible[:-1]
        if g.about or not recipient.about
    )
    if ambiguous:
        recipient = None
    namesakes = [g for g in groups if g.vouched and g.about and g is not recipient] if recipient else []
    # Another person answers to this name: a namesake's group, or a page about a person of this name
    # that the summariser places with someone else.
    someone_else = bool(namesakes) or any(
        judged[page.source.url].verdict == "no" and person.mentioned_in(page.opening) for page in all_pages
    )

    for group in groups:
        for index in group.pages:
            record = verdicts[pages[index].source.url]
            ties = graph.reasons.get(("page", index), [])
            if group is recipient:
                record.about_recipient = "yes"
                record.reasons += ties
                if group.interest:
                    record.reasons.append("its group of pages matches the stated interest")
            elif ambiguous and group.vouched:
                record.reasons.append("others of this name match the stated interest as well: cannot tell")
            elif group.vouched and recipient is not None and group.about:
                record.about_recipient = "no"
                record.reasons.append(
                    "about someone else of this name: nothing ties it to the recipient's pages"
                )
            elif group.vouched and recipient is not None:
                record.about_recipient = "no"
                record.reasons.append(
                    "someone else's page that mentions the name: nothing ties it to the recipient's pages"
                )
            elif group.vouched:
                record.reasons.append(
                    "neither the stated interest nor the summariser ties it to the recipient"
                )
            else:
                listed = [
                    i for i in (recipient.papers if recipient else []) if listed_on(papers[i], pages[index])
                ]
                record.reasons.append(
                    f"lists {len(listed)} of the recipient's papers, but with no institution behind it: "
                    "nothing it says is used"
                    if listed
                    else "nothing ties it to a page an institution vouches for"
                )

    kept: dict[int, str] = {}
    dropped: dict[int, str] = {}
    tied_categories = {
        papers[i].categories[0] for i in (recipient.papers if recipient else []) if papers[i].categories
    }
    for group in groups:
        for index in group.papers:
            reasons = graph.reasons.get(("paper", index), [])
            if group is recipient:
                kept[index] = "; ".join(reasons) or "in the recipient's group"
            elif group.vouched and group.about and recipient is not None:
                dropped[index] = "tied to pages about someone else of this name: " + "; ".join(reasons)
            elif group.vouched and recipient is not None:
                dropped[index] = "tied to someone else's page that mentions the name: " + "; ".join(reasons)
            else:
                reason, keep = untied_reason(
                    papers[index],
                    interest=interest,
                    recipient_found=recipient is not None,
                    ambiguous=ambiguous,
                    namesake_pages=someone_else,
                    common=common,
                    authors=authors,
                    tied_categories=tied_categories,
                )
                (kept if keep else dropped)[index] = reason

    ranked = rank_papers([papers[i] for i in kept], name=name, interest=interest, limit=len(kept) or 1)
    chosen = ranked[:limit]
    reason_of = {papers[i].arxiv_id: reason for i, reason in kept.items()}
    for paper in ranked[limit:]:
        dropped[papers.index(paper)] = f"beyond the {limit} most relevant of the recipient's papers"
    recipient_urls = [verdict.url for verdict in verdicts.values() if verdict.about_recipient == "yes"]
    kept_facts = [fact for fact in facts if fact.source_url in recipient_urls]
    # Where the recipient works, as the pages about them say (a collaborator's page tied to the group
    # names the collaborator's institution).
    own_pages = [i for i in (recipient.pages if recipient else []) if i in about] or (
        recipient.pages if recipient else []
    )
    affiliations = sorted({" ".join(sorted(key)) for i in own_pages for key in pages[i].own})
    screening = PaperScreening(
        method=_method(recipient is not None, ambiguous, bool(pages), common),
        recipient_sources=recipient_urls,
        affiliations=affiliations,
        arxiv_author_groups=authors,
        common_name=common,
        sources=list(verdicts.values()),
        kept=[
            ScreenedPaper(arxiv_id=p.arxiv_id, title=p.title, reason=reason_of[p.arxiv_id]) for p in chosen
        ],
        dropped=[
            ScreenedPaper(arxiv_id=papers[i].arxiv_id, title=papers[i].title, reason=reason)
            for i, reason in sorted(dropped.items())
        ],
        facts_dropped=len(facts) - len(kept_facts),
    )
    return Identity(screening=screening, papers=chosen, facts=kept_facts)


def _unidentifiable(
    name: str, sources: list[Source], papers: list[ArxivPaper], facts: list[Fact]
) -> Identity:
    """A name that cannot single anyone out: nothing found under it is taken as the recipient's."""
    why = (
        "the name is a single word, shared by too many people to tell whose pages these are"
        if PersonName.parse(name).tokens
        else "the name has no letters that the web's and arXiv's Latin spellings can be matched against"
    )
    screening = PaperScreening(
        method=f"no identity: {why}",
        sources=[SourceVerdict(url=s.url, about_recipient="unsure", reasons=[why]) for s in sources],
        dropped=[ScreenedPaper(arxiv_id=p.arxiv_id, title=p.title, reason=why) for p in papers],
        facts_dropped=len(facts),
    )
    return Identity(screening=screening, papers=[], facts=[])


def screen_research(data: PipelineData) -> None:
    """After the web and arXiv steps: keep only the facts and papers about the recipient, and record
    why each source and paper was kept or dropped (`metadata.paper_screening`)."""
    identity = resolve_identity(
        name=data.recipient_name,
        interest=data.recipient_interest,
        sources=data.sources,
        judgements=data.source_judgements,
        papers=data.arxiv_papers,
        facts=data.facts,
    )
    data.paper_screening = identity.screening
    data.arxiv_papers = identity.papers
    data.facts = identity.facts
    if data.sources and not identity.screening.recipient_sources:
        data.warn("none of the web pages found is clearly about the recipient")


def _method(found: bool, ambiguous: bool, named: bool, common: bool) -> str:
    if found:
        return "web evidence: the recipient's pages and the papers tied to them"
    if ambiguous:
        return "web evidence: several people of this name, none told apart"
    if named:
        return "web evidence: pages name the recipient but none is tied to an institution and the interest"
    return "no web evidence: " + (
        "a very common name, no paper kept" if common else "arXiv interest filter only"
    )
