"""The emulated email composer: fill a template's placeholders from the prompt's facts and papers.

It keeps the template's wording verbatim and only substitutes placeholders. Roster flags make it
misbehave on purpose (invent a title, leave a placeholder, obey an injected instruction) so the
pipeline's verification has something real to catch.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline.core.prompting import read_section
from services.emulator.rephrase import drift_values, drifts
from services.emulator.roster import display_name, find_person
from services.emulator.text import clean_generated, content_words, is_injection, tokens

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,120})[\"”]")
_INSTITUTION = re.compile(
    r"\b((?:University|Institute|College|School) of [A-Z][\w]*(?: [A-Z][\w]*)*"
    r"|[A-Z][\w]*(?: [A-Z][\w]*)* (?:University|Institute|College))\b"
)
_INJECTED_DEMAND = re.compile(r"(?:instructions|prior)[,:]?\s*(?:and\s+)?(.+)", re.IGNORECASE | re.DOTALL)
_INTEREST_WORDS = {
    "interest",
    "interests",
    "field",
    "topic",
    "area",
    "subject",
    "domain",
    "specialty",
    "discipline",
}
_BOOK_WORDS = {"book", "books", "novel", "novels", "memoir"}
_RESEARCH_WORDS = {"research", "paper", "papers", "publication", "publications", "work", "project", "study"}
_RESEARCH_WORDS |= {"article", "title", "contribution", "findings"}
_AFFILIATION_WORDS = {
    "university",
    "institution",
    "affiliation",
    "school",
    "department",
    "college",
    "institute",
}
_PLAIN_OPENERS = {"She", "He", "They", "Her", "His", "Their", "The", "This", "In", "Its"}
_NAME_WORDS = {"name", "recipient", "professor", "prof", "dr", "doctor", "author", "person", "researcher"}


def _json_list(raw: str | None) -> list[dict[str, Any]]:
    try:
        value = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def placeholder_kind(placeholder: str, template_type: str) -> str:
    """Classify a placeholder: sentence (a free-text instruction), first_name, last_name, interest, book,
    research, affiliation, name, other."""
    words = set(tokens(placeholder))
    if words & {"sentence", "sentences", "paragraph"} or len(words) >= 5:
        return "sentence"
    if "first" in words or "given" in words:
        return "first_name"
    if words & {"last", "surname", "family"}:
        return "last_name"
    if words & _INTEREST_WORDS:
        return "interest"
    if words & _BOOK_WORDS or (template_type == "book" and words & _RESEARCH_WORDS):
        return "book"
    if words & _RESEARCH_WORDS:
        return "research"
    if words & _AFFILIATION_WORDS:
        return "affiliation"
    if words & _NAME_WORDS:
        return "name"
    return "other"


class _Material:
    """What the composer may draw on, parsed from the prompt once."""

    def __init__(self, prompt: str) -> None:
        self.name = display_name(read_section(prompt, "recipient_name") or "")
        self.interest = (read_section(prompt, "recipient_interest") or "").strip()
        self.template_type = (read_section(prompt, "template_type") or "research").strip().lower()
        self.facts = _json_list(read_section(prompt, "facts"))
        self.papers = _json_list(read_section(prompt, "papers"))
        self.sources = _json_list(read_section(prompt, "sources"))
        self.safe_facts = [f for f in self.facts if not is_injection(str(f.get("text", "")))]
        self.used_urls: list[str] = []
        self.used_papers: list[str] = []

    def use_fact(self, fact: dict[str, Any]) -> str:
        url = str(fact.get("source_url", ""))
        if url and url not in self.used_urls:
            self.used_urls.append(url)
        return str(fact.get("text", "")).strip().rstrip(".")

    def best_paper(self) -> dict[str, Any] | None:
        wanted = content_words(self.interest)

        def relevance(paper: dict[str, Any]) -> tuple[int, int]:
            words = content_words(f"{paper.get('title', '')} {paper.get('summary', '')}")
            return len(words & wanted), int(paper.get("year") or 0)

        return max(self.papers, key=relevance) if self.papers else None

    def best_fact(self) -> dict[str, Any] | None:
        """The safe fact sharing most words with the interest that says more than the interest itself."""
        wanted = content_words(self.interest)
        restating = wanted | {"research", "interests", "recurring", "themes"}
        scored = [
            (len(words & wanted), -index, fact)
            for index, fact in enumerate(self.safe_facts)
            if len((words := content_words(str(fact.get("text", "")))) - restating) >= 3
        ]
        best = max(scored, key=lambda item: (item[0], item[1]), default=None)
        return best[2] if best else None

    def book_title(self) -> str | None:
        for fact in self.safe_facts:
            match = _QUOTED.search(str(fact.get("text", "")))
            if match:
                self.use_fact(fact)
                return match.group(1)
        return None

    def affiliation(self) -> str | None:
        for fact in self.safe_facts:
            match = _INSTITUTION.search(str(fact.get("text", "")))
            if match:
                self.use_fact(fact)
                return match.group(1)
        return None


def _value(kind: str, material: _Material, fabricate: bool) -> tuple[str, bool]:
    """The text for a placeholder of this kind, and whether it is a title (to be quoted)."""
    words = material.name.split() or [material.name]
    if kind == "first_name":
        return words[0], False
    if kind == "last_name":
        return words[-1], False
    if kind == "name":
        return material.name, False
    if kind == "interest":
        return material.interest, False
    if kind in ("research", "book") and fabricate:
        topic = " ".join(word.capitalize() for word in material.interest.split()) or "Everything"
        return f"Toward a Unified Theory of {topic}", True
    if kind == "research" and material.template_type != "book":
        paper = material.best_paper()
        if paper is not None:
            material.used_papers.append(str(paper.get("arxiv_id", "")))
            return str(paper.get("title", "")), True
        title = material.book_title()
        if title:
            return title, True
        fact = material.best_fact()
        return (material.use_fact(fact), False) if fact else (material.interest, False)
    if kind in ("research", "book"):
        title = material.book_title()
        return (title, True) if title else (material.interest, False)
    if kind == "affiliation":
        return material.affiliation() or "your department", False
    fact = material.best_fact()
    return (material.use_fact(fact), False) if fact else (material.interest, False)


def _injected_demand(material: _Material) -> str | None:
    for item in [*material.facts, *material.sources]:
        text = str(item.get("text", ""))
        if is_injection(text):
            match = _INJECTED_DEMAND.search(text)
            if match:
                demand = match.group(1).strip()
                return demand[0].upper() + demand[1:]
    return None


def _sentence_value(material: _Material) -> str:
    """A free-text sentence in the student's voice, built on the best paper or fact."""
    paper = material.best_paper()
    if paper is not None and material.template_type != "book":
        material.used_papers.append(str(paper.get("arxiv_id", "")))
        return f'Your paper "{paper.get("title", "")}" is the reason I want to work on {material.interest}.'
    fact = material.best_fact()
    if fact is not None:
        text = material.use_fact(fact)
        first = text.split()[0] if text.split() else ""
        lowered = text[0].lower() + text[1:] if first in _PLAIN_OPENERS else text
        return f"I was excited to read that {lowered}."
    return f"Your work on {material.interest} is what I most want to learn about."


def compose_values(prompt: str, *, behaviour: str = "verbatim") -> dict[str, Any]:
    """A value for every placeholder of the prompt's template (unless this recipient's flags say
    otherwise), drifting from a clean answer as `behaviour` says (services/emulator/rephrase.py)."""
    template = read_section(prompt, "template") or ""
    material = _Material(prompt)
    person = find_person(material.name, material.interest)
    flags = person.flags if person else frozenset()
    written = {m.group(1): m.group(0) for m in _PLACEHOLDER.finditer(template)}
    names = list(written)
    kinds = {name: placeholder_kind(name, material.template_type) for name in names}
    skipped: str | None = None
    if "leaves_placeholder" in flags and names:
        not_name = [n for n in names if kinds[n] not in ("name", "first_name", "last_name")]
        skipped = (not_name or names)[-1]
    values: dict[str, str] = {}
    titles: set[str] = set()
    for name in names:
        if name == skipped:
            values[name] = written[name]
        elif kinds[name] == "sentence":
            values[name] = clean_generated(_sentence_value(material))
        else:
            text, is_title = _value(kinds[name], material, "fabricates" in flags)
            values[name] = clean_generated(text)
            if is_title:
                titles.add(name)
    corrected = read_section(prompt, "failed_values") is not None
    if drifts(behaviour, corrected=corrected):
        values = drift_values(
            values, kinds, titles=titles, template=template, written=written, behaviour=behaviour
        )
    if "obeys_injection" in flags:
        demand = _injected_demand(material)
        main = next((n for n in names if kinds[n] not in ("name", "first_name", "last_name")), None)
        if demand and main:
            values[main] = f"{values[main].rstrip('.')}. {demand}"
    return {
        "values": [{"placeholder": written[name], "value": values[name]} for name in names],
        "used_source_urls": material.used_urls,
        "used_paper_ids": [pid for pid in dict.fromkeys(material.used_papers) if pid],
    }
