"""Checks on what a model wrote, in code: the model's own opinion of its work is never trusted (SPEC §7)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pipeline.models import ArxivPaper, Fact, Source, TemplateType, VerificationCheck
from pipeline.text import (
    HONORIFICS,
    content_words,
    fold,
    normalise_arxiv_id,
    normalise_url,
    words,
)

# The one list of phrases that mark text as machine-written: (label, pattern on the folded text).
AI_TELLS: tuple[tuple[str, str], ...] = (
    ("em dash", "\u2014"),
    ("delve", r"\bdelv(?:e|es|ed|ing)\b"),
    ("leverage", r"\bleverag(?:e|es|ed|ing)\b"),
    ("tapestry", r"\btapestr(?:y|ies)\b"),
    ("I hope this email finds you well", r"i hope this email finds you well"),
    ("I hope this message finds you well", r"i hope this message finds you well"),
    ("in today's fast-paced", r"in today['\u2019]s fast[- ]paced"),
    ("testament to", r"\ba testament to\b"),
    ("ever-evolving", r"\bever[- ]evolving\b"),
    ("in the realm of", r"\bin the realm of\b"),
)
GROUNDED = "grounded"
RESEARCH_FOUND = "research_found"
TITLE_MATCH_RATIO = 0.9
MIN_TITLE_WORDS = 2
MIN_RUN_CAPITALS = 4
_PLACEHOLDER = re.compile(r"{{[^{}]*}}")
# Straight double quotes, curly double and single quotes (a straight ' is too often an apostrophe), *italics*.
_QUOTED = re.compile(
    r'"([^"\n]{3,300})"|\u201c([^\u201d\n]{3,300})\u201d|\u2018([^\u2019\n]{3,300})\u2019|\*([^*\n]{3,300})\*'
)
_CAPITAL = r"[A-Z][\w'\u2019\-]*:?"
_CONNECTOR = r"(?:of|and|for|the|in|on|a|an|with|to|via|from|by|at|under|over|through|as|is|are|&)"
_TITLE_RUN = re.compile(rf"{_CAPITAL}(?:\s+(?:{_CONNECTOR}\s+)*{_CAPITAL})+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_GREETINGS = frozenset({"dear", "hi", "hello", "hey", "greetings"})


@dataclass(frozen=True)
class Evidence:
    """What this run found: the only things an email may cite."""

    template: str
    recipient_name: str
    recipient_interest: str
    template_type: TemplateType
    sources: list[Source] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    papers: list[ArxivPaper] = field(default_factory=list)
    # Why the research steps came back empty-handed (search outage, arXiv outage ...), if they did.
    problems: list[str] = field(default_factory=list)

    @property
    def known_titles(self) -> list[str]:
        """Paper titles, page titles, and titles the pages quote (books, publication lists)."""
        quoted = [phrase for source in self.sources for phrase in quoted_phrases(source.text)]
        return [*(paper.title for paper in self.papers), *(s.title for s in self.sources if s.title), *quoted]

    @property
    def corpus_words(self) -> set[str]:
        texts = [self.template, self.recipient_interest, self.recipient_name, *self.known_titles]
        texts += [source.text for source in self.sources] + [fact.text for fact in self.facts]
        return {word for text in texts for word in words(text)}


def check_research_found(evidence: Evidence) -> VerificationCheck:
    """Something was found about the recipient; if not, the email is general by necessity, and says why."""
    if evidence.sources or evidence.papers:
        return VerificationCheck(name=RESEARCH_FOUND, passed=True)
    reasons = "; ".join(dict.fromkeys(evidence.problems)) or "no web sources or papers were found"
    return VerificationCheck(name=RESEARCH_FOUND, passed=False, detail=reasons)


def check_placeholders(email: str) -> VerificationCheck:
    left = sorted(set(_PLACEHOLDER.findall(email)))
    return VerificationCheck(name="placeholders_filled", passed=not left, detail=", ".join(left))


def quoted_phrases(text: str) -> list[str]:
    found = (next(group for group in match.groups() if group) for match in _QUOTED.finditer(text))
    return [phrase.strip() for phrase in found if len(phrase.split()) >= MIN_TITLE_WORDS]


def title_cased_runs(text: str, recipient_name: str) -> list[str]:
    """Runs of four or more capitalised words (small connectors allowed), greetings and the name removed."""
    skip = _GREETINGS | HONORIFICS | set(words(recipient_name))
    runs = []
    for match in _TITLE_RUN.finditer(text):
        tokens = match.group(0).split()
        while tokens and fold(tokens[0]).strip(".,:") in skip:
            tokens.pop(0)
        if sum(token[0].isupper() for token in tokens) >= MIN_RUN_CAPITALS:
            runs.append(" ".join(tokens).rstrip(":"))
    return runs


def title_matches(candidate: str, known: list[str]) -> bool:
    """Whether a phrase is one of the known titles: exact, contained, or close after normalising."""
    wanted = " ".join(words(candidate))
    for title in known:
        have = " ".join(words(title))
        if not have:
            continue
        if wanted == have or (len(wanted.split()) >= 3 and wanted in have):
            return True
        if len(have.split()) >= 3 and have in wanted:
            return True
        if SequenceMatcher(None, wanted, have).ratio() >= TITLE_MATCH_RATIO:
            return True
    return False


def check_titles(email: str, evidence: Evidence) -> VerificationCheck:
    known = [*evidence.known_titles, *quoted_phrases(evidence.template)]
    unverified = [phrase for phrase in quoted_phrases(email) if not title_matches(phrase, known)]
    corpus = evidence.corpus_words
    for run in title_cased_runs(email, evidence.recipient_name):
        invented = [word for word in words(run) if word not in corpus]
        if invented and not title_matches(run, known):
            unverified.append(run)
    detail = "; ".join(f"unverified title {phrase!r}" for phrase in dict.fromkeys(unverified))
    return VerificationCheck(name="titles_verified", passed=not unverified, detail=detail)


def check_links(email: str, evidence: Evidence) -> VerificationCheck:
    allowed = {normalise_url(source.url) for source in evidence.sources}
    allowed |= {normalise_url(paper.url) for paper in evidence.papers}
    allowed |= {normalise_url(url) for url in _URL.findall(evidence.template)}
    bad = [url for url in _URL.findall(email) if normalise_url(url) not in allowed]
    addresses = {address.casefold() for address in _EMAIL_ADDRESS.findall(evidence.template)}
    bad += [address for address in _EMAIL_ADDRESS.findall(email) if address.casefold() not in addresses]
    detail = ", ".join(f"not found: {item}" for item in bad)
    return VerificationCheck(name="links_verified", passed=not bad, detail=detail)


def check_cited_papers(used_paper_ids: list[str], papers: list[ArxivPaper]) -> VerificationCheck:
    found = {normalise_arxiv_id(paper.arxiv_id) for paper in papers}
    unknown = [pid for pid in used_paper_ids if normalise_arxiv_id(pid) not in found]
    detail = ", ".join(f"unknown paper id {pid}" for pid in unknown)
    return VerificationCheck(name="cited_papers_found", passed=not unknown, detail=detail)


def check_cited_sources(used_source_urls: list[str], evidence: Evidence) -> VerificationCheck:
    found = {normalise_url(s.url) for s in evidence.sources} | {normalise_url(p.url) for p in evidence.papers}
    unknown = [url for url in used_source_urls if normalise_url(url) not in found]
    detail = ", ".join(f"unknown source {url}" for url in unknown)
    return VerificationCheck(name="cited_sources_found", passed=not unknown, detail=detail)


def check_ai_tells(email: str, template: str) -> VerificationCheck:
    """Phrases that mark machine writing, unless the student's own template uses them."""
    text, own = fold(email), fold(template)
    found = [label for label, pattern in AI_TELLS if re.search(pattern, text) and not re.search(pattern, own)]
    return VerificationCheck(name="no_ai_tells", passed=not found, detail=", ".join(found))


def papers_mentioned(email: str, papers: list[ArxivPaper]) -> list[ArxivPaper]:
    """Papers whose title (or its part before a colon) the email names."""
    text = " ".join(words(email))
    mentioned = []
    for paper in papers:
        full, main = " ".join(words(paper.title)), " ".join(words(paper.title.split(":")[0]))
        if full in text or (len(main.split()) >= 3 and main in text):
            mentioned.append(paper)
    return mentioned


def facts_used(email: str, used_source_urls: list[str], facts: list[Fact]) -> list[Fact]:
    """Facts from a cited source whose meaningful words the email actually carries."""
    cited = {normalise_url(url) for url in used_source_urls}
    email_words = content_words(email)
    used = []
    for fact in facts:
        fact_words = content_words(fact.text)
        carried = len(fact_words & email_words) >= min(3, len(fact_words))
        if carried and normalise_url(fact.source_url) in cited:
            used.append(fact)
    return used


def check_grounded(email: str, used_source_urls: list[str], evidence: Evidence) -> VerificationCheck:
    papers = papers_mentioned(email, evidence.papers)
    facts = facts_used(email, used_source_urls, evidence.facts)
    text = f" {' '.join(words(email))} "
    # A book or paper title the recipient's own pages quote, named in the email, grounds it too.
    quoted = {" ".join(words(t)) for s in evidence.sources for t in quoted_phrases(s.text)}
    titles = [t for t in quoted if len(t.split()) >= MIN_TITLE_WORDS and f" {t} " in text]
    if papers or facts or titles:
        detail = f"{len(papers)} papers, {len(facts)} facts and {len(titles)} titles from the sources used"
        return VerificationCheck(name=GROUNDED, passed=True, detail=detail)
    if not evidence.facts and not evidence.papers:
        detail = "no verified facts or papers were found about the recipient"
    else:
        detail = "the email uses none of the verified facts or papers"
    return VerificationCheck(name=GROUNDED, passed=False, detail=detail)
