"""The student's template: its `{{placeholders}}`, what each asks for, and the forms Scribe refuses.

The template is the student's text. A model only chooses a value for each placeholder; code puts the
values in (pipeline/steps/email_composer/assembly.py), so the student's wording holds by construction.
A placeholder is anything in double braces: `{{name}}`, `{{ Professor Name }}`, `{{their recent paper}}`
or a free-text instruction such as `{{one sentence about why their work excites me}}`; the same
placeholder may stand in several places and gets one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.text import fold

PLACEHOLDER = re.compile(r"{{\s*([^{}]*?)\s*}}")
# `{name}` (not part of `{{name}}`) and `[Your Name]` (not a markdown link, a citation or [sic]).
_SINGLE_BRACE = re.compile(r"(?<!\{)\{\s*[A-Za-z][\w .'/-]{0,40}?\s*\}(?!\})")
_BRACKETS = re.compile(r"\[\s*[A-Za-z][\w .'/-]{0,40}?\s*\](?!\()")
_NOT_PLACEHOLDERS = frozenset({"[sic]", "[sic!]", "[citation needed]", "[etc]"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

# What a placeholder asks for, read from its own words (the student's naming is the only signal):
# name: the recipient's name; title: a paper or book named by its title; work: something their
# research found; sentence: free text in the student's voice; phrase: anything else (a topic, a field).
Kind = Literal["name", "first_name", "last_name", "title", "work", "sentence", "phrase"]
_FIRST = frozenset({"first", "given", "forename"})
_LAST = frozenset({"last", "surname", "family"})
_NAME = frozenset({"name", "recipient", "professor", "prof", "dr", "doctor", "researcher", "author"})
_INTEREST = frozenset({"interest", "interests", "field", "area", "topic", "subject", "domain", "specialty"})
_TITLE = frozenset(
    {
        "title",
        "paper",
        "papers",
        "publication",
        "publications",
        "article",
        "book",
        "books",
        "novel",
        "preprint",
    }
)
_WORK = frozenset({"research", "work", "project", "study", "findings", "contribution", "result", "results"})
_SENTENCES = frozenset({"sentences", "paragraph", "lines"})
_SENTENCE = frozenset({"sentence", "line"})
# The first vocabulary a placeholder's words meet decides its kind ("research area" is a topic).
_KINDS_BY_WORD: tuple[tuple[frozenset[str], Kind], ...] = (
    (_FIRST, "first_name"),
    (_LAST, "last_name"),
    (_NAME, "name"),
    (_INTEREST, "phrase"),
    (_TITLE, "title"),
    (_WORK, "work"),
)
# A placeholder right after one of these words stands for a title, whatever it is called
# ("I read your paper {{research}}").
_TITLE_BEFORE = frozenset(
    {"paper", "article", "book", "publication", "preprint", "novel", "memoir", "titled"}
)
# A placeholder this long is an instruction to the writer, not the name of a value.
INSTRUCTION_WORDS = 5


@dataclass(frozen=True)
class Placeholder:
    """One distinct placeholder: its key (how values are matched), its text as written, what it asks for."""

    key: str
    text: str
    kind: Kind
    max_sentences: int = 1


def placeholder_key(text: str) -> str:
    """'{{ Professor_Name }}', 'professor name' and 'ProfessorName' all give 'professor name'."""
    inner = text.strip().removeprefix("{{").removesuffix("}}")
    spaced = _CAMEL.sub(" ", inner).replace("_", " ").replace("-", " ")
    return " ".join(fold(spaced).split())


def classify(key: str) -> tuple[Kind, int]:
    """What a placeholder asks for, and how many sentences its value may have."""
    words = set(re.findall(r"[a-z]+", key))
    if words & _SENTENCES:
        return "sentence", 3
    if words & _SENTENCE:
        return "sentence", 1
    if len(key.split()) >= INSTRUCTION_WORDS:
        return "sentence", 2
    for vocabulary, kind in _KINDS_BY_WORD:
        if words & vocabulary:
            return kind, 1
    return "phrase", 1


def template_placeholders(template: str) -> list[Placeholder]:
    """The template's distinct placeholders in order of first appearance."""
    found: dict[str, Placeholder] = {}
    for match in PLACEHOLDER.finditer(template):
        key = placeholder_key(match.group(0))
        kind, sentences = classify(key)
        before = set(re.findall(r"[a-z]+", fold(template[max(0, match.start() - 40) : match.start()]))[-2:])
        if kind in ("work", "phrase") and before & _TITLE_BEFORE:
            kind = "title"
        if key not in found or (kind == "title" and found[key].kind != "title"):
            text = found[key].text if key in found else match.group(0)
            found[key] = Placeholder(key=key, text=text, kind=kind, max_sentences=sentences)
    return list(found.values())


def unsupported_placeholders(template: str) -> list[str]:
    """Placeholders written `{like this}` or `[like this]`: only `{{like this}}` is filled."""
    found = [m.group(0) for m in _SINGLE_BRACE.finditer(template)]
    found += [m.group(0) for m in _BRACKETS.finditer(template) if fold(m.group(0)) not in _NOT_PLACEHOLDERS]
    return list(dict.fromkeys(found))


def unsupported_placeholders_message(found: list[str]) -> str:
    """The message a user sees for a template with unsupported placeholders."""
    shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
    return (
        f"The template has placeholders Scribe cannot fill: {shown}. Write each placeholder in double "
        "braces, e.g. {{name}} or {{research}}, and replace anything only you know (such as your own "
        "name) with the text itself."
    )
