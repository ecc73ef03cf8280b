"""The summariser's word on each page, checked in code before it counts for anything.

The model says per source whether it is about the recipient (`yes`/`no`/`unsure`) and quotes the
page to show why. A missing, contradictory or malformed answer, or a quote that is not on the page,
is `unsure`: never a yes. Even a checked `yes` is only a judgement: it breaks ties between pages the
code already ties to the recipient, and never makes a page about the recipient on its own (a page
can claim to be anyone's "official page").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.identity.pages import fold_quotes
from pipeline.models import Source, SourceJudgement
from pipeline.text import fold, normalise_url, words

Verdict = Literal["yes", "no", "unsure"]
MIN_QUOTE_WORDS = 3
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026)\s*")


@dataclass(frozen=True)
class Judged:
    """The model's verdict on one page after the checks, its quote, and why it was downgraded."""

    verdict: Verdict
    evidence: str = ""
    note: str = ""


def _quote_on_page(quote: str, source: Source) -> bool:
    page = fold_quotes(f"{source.title}\n{source.text}")
    pieces = [fold_quotes(piece) for piece in _ELLIPSIS.split(quote) if piece.strip()]
    return bool(pieces) and all(piece in page for piece in pieces)


def check_judgement(items: list[SourceJudgement], source: Source) -> Judged:
    """The verdict on `source` from the model's judgements that name it."""
    if not items:
        return Judged("unsure", note="the summariser gave no judgement for this page")
    answers = {fold(item.about_recipient).strip().strip(".\"'") for item in items}
    if len(answers) > 1:
        return Judged("unsure", note=f"the summariser gave contradictory judgements: {sorted(answers)}")
    answer = answers.pop()
    if answer not in ("yes", "no", "unsure"):
        return Judged("unsure", note=f"malformed judgement {answer[:40]!r}")
    if answer == "unsure":
        return Judged("unsure")
    quote = items[0].evidence.strip().strip("\"'\u201c\u201d")
    if len(words(quote)) < MIN_QUOTE_WORDS:
        return Judged("unsure", note=f"'{answer}' without a quote from the page")
    if not _quote_on_page(quote, source):
        return Judged("unsure", evidence=quote, note=f"'{answer}' quoting text that is not on the page")
    return Judged(answer, evidence=quote)  # type: ignore[arg-type]


def check_judgements(judgements: list[SourceJudgement], sources: list[Source]) -> dict[str, Judged]:
    """A checked verdict for every source, by its url."""
    by_url: dict[str, list[SourceJudgement]] = {}
    for item in judgements:
        by_url.setdefault(normalise_url(item.url), []).append(item)
    return {
        source.url: check_judgement(by_url.get(normalise_url(source.url), []), source) for source in sources
    }
