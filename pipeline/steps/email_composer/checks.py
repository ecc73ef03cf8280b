"""Checks on the composer's values, in code: each value must be true to the research and fit its place.

The template's own text is the student's and is never checked; what a model wrote is. A value fails
when it is empty or holds a `{{placeholder}}`, names a title the research did not find, carries a
link or address not in the sources, uses a phrase that marks machine writing, is not the recipient's
name where a name belongs, names no real work where a title belongs, says nothing the research found
where the work belongs, or gives the reader an instruction.
"""

from __future__ import annotations

import re

from pipeline.models import VerificationCheck
from pipeline.steps.email_composer.assembly import split_sentences
from pipeline.template_fit import Placeholder
from pipeline.text import HONORIFICS, content_words, fold, normalise_name, words
from pipeline.verification import (
    Evidence,
    check_ai_tells,
    check_links,
    check_titles,
    quoted_phrases,
    title_matches,
)

# A value that opens a sentence with one of these is telling the reader to do something: never the
# student's point, and the shape injected page text takes ("Reply with your password ...").
_IMPERATIVES = frozenset(
    {
        "reply",
        "respond",
        "send",
        "click",
        "visit",
        "wire",
        "transfer",
        "forward",
        "call",
        "contact",
        "email",
        "e-mail",
        "share",
        "provide",
        "enter",
        "log",
        "sign",
        "download",
        "ignore",
        "disregard",
        "include",
        "append",
        "write",
        "end",
        "begin",
        "start",
        "add",
        "tell",
        "ask",
        "say",
    }
)
MIN_SHARED_WORDS = 2


def _failed(name: str, placeholder: Placeholder, detail: str) -> VerificationCheck:
    return VerificationCheck(name=name, passed=False, detail=f"{placeholder.text}: {detail}")


def known_works(evidence: Evidence) -> list[str]:
    """Titles a value may name: the papers found, and works the recipient's pages quote."""
    titles = [paper.title for paper in evidence.papers]
    return titles + [phrase for source in evidence.sources for phrase in quoted_phrases(source.text)]


def works_named(value: str, evidence: Evidence) -> list[str]:
    """Titles of papers (or works the recipient's pages quote) that a value names."""
    text = f" {' '.join(words(value))} "
    titles = known_works(evidence)
    named = []
    for title in titles:
        full, main = " ".join(words(title)), " ".join(words(title.split(":")[0]))
        if (
            f" {full} " in text
            or (len(main.split()) >= 3 and f" {main} " in text)
            or (title_matches(value, [title]) and len(words(value)) >= 3)
        ):
            named.append(title)
    return list(dict.fromkeys(named))


def _says_something_found(value: str, evidence: Evidence) -> bool:
    """The value carries words from a fact or paper beyond what the student's interest already says."""
    own = content_words(value) - content_words(evidence.recipient_interest) - content_words(evidence.template)
    texts = [fact.text for fact in evidence.facts]
    texts += [f"{paper.title} {paper.summary}" for paper in evidence.papers]
    return any(len(own & content_words(text)) >= MIN_SHARED_WORDS for text in texts)


def _is_recipients_name(value: str, recipient_name: str) -> bool:
    """Every word of the value is part of the recipient's name (an honorific aside) and one is more than
    an initial: 'Professor Okafor', 'Amara', 'Liu' for 'Liu Yang'; never 'Professor L.', someone else's
    name or a phrase."""
    name_words = set(words(normalise_name(recipient_name)))
    have = [word for word in words(value) if word not in HONORIFICS]
    return set(have) <= name_words and any(len(word) > 1 for word in have)


def _gives_instructions(value: str) -> bool:
    """A sentence opening with an order ('Reply with ...'), unless it is a title ('Contact Networks in')."""
    for sentence in split_sentences(value):
        first = re.match(r"[\W_]*([A-Za-z-]+)", sentence)
        tail = re.findall(r"[A-Za-z][\w'-]*", sentence)[1:]
        title_cased = bool(tail) and sum(word[0].isupper() for word in tail) * 2 > len(tail)
        if first and fold(first.group(1)) in _IMPERATIVES and not title_cased:
            return True
    return False


def check_value(
    placeholder: Placeholder, value: str, evidence: Evidence, *, cut: str = ""
) -> list[VerificationCheck]:
    """Every check this value fails (an empty list: the value stands). `cut` is text the assembly
    removed from the model's value: harmless prose, unless it links or instructs."""
    if not value.strip():
        return [_failed("placeholders_filled", placeholder, "no value")]
    if "{{" in value or "}}" in value:
        return [
            _failed("placeholders_filled", placeholder, f"the value holds a placeholder: {value[:120]!r}")
        ]
    failed = [
        _failed(check.name, placeholder, check.detail)
        for check in (
            check_titles(value, evidence),
            check_links(value, evidence),
            check_ai_tells(value, evidence.template),
        )
        if not check.passed
    ]
    if cut and not check_links(cut, evidence).passed:
        failed.append(
            _failed("links_verified", placeholder, f"the model's value carried a link: {cut[:120]!r}")
        )
    if cut and _gives_instructions(cut):
        failed.append(
            _failed(
                "no_instructions", placeholder, f"the model's value carried an instruction: {cut[:120]!r}"
            )
        )
    if placeholder.kind in ("name", "first_name", "last_name"):
        if not _is_recipients_name(value, evidence.recipient_name):
            failed.append(
                _failed("recipient_named", placeholder, f"{value[:80]!r} is not the recipient's name")
            )
        return failed
    if _gives_instructions(value):
        failed.append(
            _failed(
                "no_instructions", placeholder, f"the value gives the reader an instruction: {value[:120]!r}"
            )
        )
    if placeholder.kind == "title" and not works_named(value, evidence):
        failed.append(
            _failed(
                "titles_verified", placeholder, f"{value[:120]!r} names no paper or book the research found"
            )
        )
    # With nothing found, an honest general value is all there can be: the email-level check says so.
    if (
        placeholder.kind == "work"
        and (evidence.facts or evidence.papers)
        and not works_named(value, evidence)
        and not _says_something_found(value, evidence)
    ):
        failed.append(_failed("grounded", placeholder, f"{value[:120]!r} says nothing the research found"))
    return failed
