"""The fake LLM: which pipeline role a request plays, and a deterministic answer for each role.

The role is read from the property names of the output tool's input schema (the contract with
the pipeline); the data is read from the prompt's fenced sections (pipeline/core/prompting.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline.core.prompting import read_section
from services.emulator.composer import compose_values
from services.emulator.roster import display_name
from services.emulator.text import content_words, is_injection, name_key, sentences

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_BOOK_WORDS = re.compile(r"\b(books?|novels?|author(ed|s)?|memoir|poetry|writing)\b", re.IGNORECASE)
_RESEARCH_WORDS = re.compile(
    r"\b(papers?|research|publications?|works?|lab|laborator(y|ies)|stud(y|ies))\b", re.IGNORECASE
)
MAX_FACTS = 8


def detect_role(properties: set[str]) -> str:
    """Map an output tool's property names to the pipeline role it belongs to."""
    if {"template_type", "search_queries"} <= properties:
        return "parser"
    if {"values", "used_paper_ids"} <= properties:
        return "composer"
    if "template_text" in properties:
        return "template_generator"
    if "facts" in properties:
        return "summarizer"
    return "llm_other"


def answer(role: str, prompt: str, *, composer: str = "verbatim") -> dict[str, Any]:
    """The tool input the emulated model returns for a role (`composer`: how it treats the template)."""
    if role == "parser":
        return parse_template(prompt)
    if role == "summarizer":
        return summarize(prompt)
    if role == "composer":
        return compose_values(prompt, behaviour=composer)
    if role == "template_generator":
        return generate_template(prompt)
    return {"response": plain_text(prompt)}


def placeholders(template: str) -> list[str]:
    """Distinct {{placeholder}} names in order of appearance."""
    return list(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(template)))


def parse_template(prompt: str) -> dict[str, Any]:
    """Template type by keywords, 1..3 search queries about the recipient, placeholders found."""
    template = read_section(prompt, "template") or ""
    name = display_name(read_section(prompt, "recipient_name") or "")
    interest = (read_section(prompt, "recipient_interest") or "").strip()
    if _BOOK_WORDS.search(template):
        template_type, queries = "book", [f"{name} author books", f"{name} {interest}"]
    elif _RESEARCH_WORDS.search(template):
        template_type, queries = "research", [f"{name} {interest}", f"{name} research publications"]
    else:
        template_type, queries = "general", [f"{name} {interest}"]
    return {
        "template_type": template_type,
        "search_queries": [" ".join(q.split()) for q in queries if q.strip()][:3] or [name or interest],
        "placeholders": placeholders(template),
    }


def _load_json_list(raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def summarize(prompt: str) -> dict[str, Any]:
    """Short sentences lifted from the sources, most relevant first, each with the URL it came from.

    Like a naive model it keeps whatever the page says, injected instructions included: the
    pipeline's fencing and verification are what must stop them.
    """
    name = read_section(prompt, "recipient_name") or ""
    interest = read_section(prompt, "recipient_interest") or ""
    name_words = name_key(name)
    wanted = content_words(interest)
    scored: list[tuple[int, int, dict[str, str]]] = []
    for source in _load_json_list(read_section(prompt, "sources")):
        url = str(source.get("url", ""))
        for sentence in sentences(str(source.get("text", ""))):
            if len(sentence) < 25 or len(sentence) > 320 or not url:
                continue
            words = content_words(sentence)
            score = 3 * len(words & wanted) + 2 * bool(words & name_words) + 5 * is_injection(sentence)
            if score:
                scored.append((score, len(scored), {"text": sentence, "source_url": url}))
    scored.sort(key=lambda item: (-item[0], item[1]))
    facts = list({fact["text"]: fact for _, _, fact in scored}.values())[:MAX_FACTS]
    return {"facts": facts}


_RESUME_NAME = re.compile(r"^[A-Z][A-Za-z'\-\u00C0-\u024F]+(?: [A-Z][A-Za-z'\-\u00C0-\u024F.]+){1,3}$")
_UNIVERSITY = re.compile(
    r"\b((?:University|Institute|College) of [A-Z][\w ]*?[A-Za-z]"
    r"|[A-Z][\w]*(?: [A-Z][\w]*)* (?:University|Institute of Technology|College))\b"
)
_DEGREE = re.compile(
    r"\b(?:B\.?S\.?c?|B\.?A\.?|Bachelor(?:'s)?|M\.?S\.?c?|Master(?:'s)?)[^\n,]*? in ([A-Z][\w ]+)"
)


def generate_template(prompt: str) -> dict[str, Any]:
    """A short cold-email template with {{name}} and {{research}} that states only resume facts."""
    resume = read_section(prompt, "resume") or ""
    lines = [line.strip() for line in resume.splitlines() if line.strip()]
    student = next((line for line in lines[:5] if _RESUME_NAME.match(line) and "@" not in line), "")
    university_match = _UNIVERSITY.search(resume)
    degree_match = _DEGREE.search(resume)
    intro = "I am a student"
    if degree_match:
        intro += f" of {degree_match.group(1).strip()}"
    if university_match:
        intro += f" at {university_match.group(1).strip()}"
    opening = f"My name is {student} and {intro[0].lower()}{intro[1:]}." if student else f"{intro}."
    body = (
        "Dear {{name}},\n\n"
        f"{opening} I recently read your work on {{{{research}}}} and it made me want to learn more "
        "about your group.\n\n"
        "I would be grateful for the chance to talk about research opportunities in your lab. "
        "My resume is attached.\n\n"
        "Best regards,\n"
        f"{student}".rstrip()
    )
    return {"template_text": body}


def plain_text(prompt: str) -> str:
    """A generic reply for prompts that play no pipeline role."""
    first = next(iter(sentences(prompt)), "")
    return (
        f"This is the Scribe provider emulator. You said: {first[:200]}"
        if first
        else "Hello from the emulator."
    )
