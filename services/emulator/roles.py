"""The fake LLM: which pipeline role a request plays, and a deterministic answer for each role.

The role is read from the property names of the output tool's input schema (the contract with
the pipeline); the data is read from the prompt's fenced sections (pipeline/core/prompting.py).
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.core.prompting import read_section
from services.emulator.composer import compose_values
from services.emulator.roster import display_name
from services.emulator.summarizer import summarize
from services.emulator.text import sentences

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_BOOK_WORDS = re.compile(r"\b(books?|novels?|author(ed|s)?|memoir|poetry|writing)\b", re.IGNORECASE)
_RESEARCH_WORDS = re.compile(
    r"\b(papers?|research|publications?|works?|lab|laborator(y|ies)|stud(y|ies))\b", re.IGNORECASE
)


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
