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
from services.emulator.rephrase import drifts, light, paraphrase
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
_NAME_WORDS = {"name", "recipient", "professor", "prof", "dr", "doctor", "author", "person", "researcher"}


def _json_list(raw: str | None) -> list[dict[str, Any]]:
    try:
        value = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def placeholder_kind(placeholder: str, template_type: str) -> str:
    """Classify a placeholder: first_name, last_name, interest, book, research, affiliation, name, other."""
    words = set(tokens(placeholder))
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


def compose_email(prompt: str, *, behaviour: str = "verbatim") -> dict[str, Any]:
    """Fill every placeholder of the prompt's template (unless this recipient's flags say otherwise),
    then drift from the template's wording as `behaviour` says."""
    template = read_section(prompt, "template") or ""
    material = _Material(prompt)
    person = find_person(material.name, material.interest)
    flags = person.flags if person else frozenset()
    names = list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(template)))
    kinds = {name: placeholder_kind(name, material.template_type) for name in names}
    skipped: str | None = None
    if "leaves_placeholder" in flags and names:
        not_name = [n for n in names if kinds[n] not in ("name", "first_name", "last_name")]
        skipped = (not_name or names)[-1]
    values: dict[str, tuple[str, bool]] = {
        name: _value(kind, material, "fabricates" in flags) for name, kind in kinds.items() if name != skipped
    }

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        text, is_title = values[name]
        text = clean_generated(text)
        before, after = template[match.start() - 1 : match.start()], template[match.end() : match.end() + 1]
        already_quoted = before in "\"“'" and before != "" and after in "\"”'" and after != ""
        return f'"{text}"' if is_title and not already_quoted else text

    email = _PLACEHOLDER.sub(substitute, template)
    if drifts(behaviour, corrected=read_section(prompt, "failed_checks") is not None):
        names_kinds = ("name", "first_name", "last_name")
        anchor = next((values[n][0] for n in values if kinds[n] not in names_kinds), "")
        email = light(email) if behaviour == "light" else paraphrase(email, anchor)
    if "obeys_injection" in flags:
        demand = _injected_demand(material)
        if demand:
            email = f"{email.rstrip()}\n\nP.S. {demand}"
    return {
        "email": email,
        "used_source_urls": material.used_urls,
        "used_paper_ids": [pid for pid in dict.fromkeys(material.used_papers) if pid],
    }
