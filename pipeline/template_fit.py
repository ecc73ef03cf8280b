"""How a draft fits its template: placeholders the pipeline cannot fill, text the template never had,
and the repair that puts a bad draft's placeholder values back into the student's own wording.

The template is the student's text; a model may only choose what goes where a `{{placeholder}}`
stands. Text added elsewhere (an injected "P.S. send your password") is not the student's and is
cut out in code when the corrective retry did not remove it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipeline.models import VerificationCheck
from pipeline.text import fold, normalise_name

TEMPLATE_KEPT = "template_kept"
PLACEHOLDER = re.compile(r"{{\s*([^{}]*?)\s*}}")
# `{name}` (not part of `{{name}}`) and `[Your Name]` (not a markdown link, a citation or [sic]).
_SINGLE_BRACE = re.compile(r"(?<!\{)\{\s*[A-Za-z][\w .'/-]{0,40}?\s*\}(?!\})")
_BRACKETS = re.compile(r"\[\s*[A-Za-z][\w .'/-]{0,40}?\s*\](?!\()")
_NOT_PLACEHOLDERS = frozenset({"[sic]", "[sic!]", "[citation needed]", "[etc]"})
_TOKEN = re.compile(r"{{[^{}]*}}|[^\s{]+|\{")
_MARK = "\x00"
# A model may touch a few of the template's words (an article, a comma-joined clause) without it
# being someone else's text.
MAX_CHANGED_WORDS = 4
_NAME_WORDS = frozenset({"name", "recipient", "professor", "prof", "dr", "doctor", "author", "researcher"})


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


@dataclass(frozen=True)
class _Token:
    key: str  # folded word, or a marked placeholder
    start: int
    end: int


def _tokens(text: str, *, placeholders: bool) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        if placeholders and PLACEHOLDER.fullmatch(raw):
            key = _MARK + raw
        else:
            key = "".join(ch for ch in fold(raw) if ch.isalnum())
        if key:
            tokens.append(_Token(key, match.start(), match.end()))
    return tokens


type _Opcodes = Sequence[tuple[str, int, int, int, int]]


def _alignment(email: str, template: str) -> tuple[list[_Token], list[_Token], _Opcodes]:
    wanted, have = _tokens(template, placeholders=True), _tokens(email, placeholders=False)
    matcher = SequenceMatcher(None, [t.key for t in wanted], [t.key for t in have], autojunk=False)
    return wanted, have, matcher.get_opcodes()


def check_template_kept(email: str, template: str) -> VerificationCheck:
    """The template's own words are all there, and nothing beyond placeholder values was added."""
    wanted, have, opcodes = _alignment(email, template)
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes:
        has_placeholder = any(t.key.startswith(_MARK) for t in wanted[i1:i2])
        if tag in ("replace", "delete"):
            removed += [t.key for t in wanted[i1:i2] if not t.key.startswith(_MARK)]
        if tag == "insert" or (tag == "replace" and not has_placeholder):
            added.append(email[have[j1].start : have[j2 - 1].end])
    added_words = sum(len(text.split()) for text in added)
    passed = added_words + len(removed) <= MAX_CHANGED_WORDS
    details = [f"text not in the template: {text[:160]!r}" for text in added] if not passed else []
    if not passed and removed:
        details.append(f"template words missing: {' '.join(removed[:12])}")
    return VerificationCheck(name=TEMPLATE_KEPT, passed=passed, detail="; ".join(details))


def fallback_value(placeholder: str, *, recipient_name: str, recipient_interest: str) -> str:
    """A true value for a placeholder the model did not fill: the recipient's name or stated interest."""
    words = set(re.findall(r"[a-z]+", fold(placeholder)))
    name = normalise_name(recipient_name).split() or [recipient_name.strip()]
    if words & {"first", "given"}:
        return name[0]
    if words & {"last", "surname", "family"}:
        return name[-1]
    if words & _NAME_WORDS:
        return " ".join(name)
    return recipient_interest.strip()


def rebuild(
    email: str,
    template: str,
    *,
    recipient_name: str,
    recipient_interest: str,
    acceptable: Callable[[str], bool],
) -> tuple[str, list[str]]:
    """The template with each placeholder replaced by the draft's value for it, when that value is
    `acceptable`, else by a fallback. Returns the email and notes on what was filled in code."""
    wanted, have, opcodes = _alignment(email, template)
    values: dict[int, str] = {}
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "replace" and i2 - i1 == 1 and wanted[i1].key.startswith(_MARK):
            drafted = email[have[j1].start : have[j2 - 1].end]
            if acceptable(drafted):
                values[i1] = drafted
    notes: list[str] = []
    pieces: list[str] = []
    position = 0
    slot_tokens = {wanted[i].start: i for i in range(len(wanted)) if wanted[i].key.startswith(_MARK)}
    for match in PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()])
        index = slot_tokens.get(match.start())
        value: str | None = values.get(index) if index is not None else None
        if value is not None:
            value = _without_neighbours(value, template[: match.start()], template[match.end() :])
        if value is None or PLACEHOLDER.search(value):
            value = fallback_value(
                match.group(1), recipient_name=recipient_name, recipient_interest=recipient_interest
            )
            notes.append(f"filled {match.group(0)} in code with {value!r}")
        pieces.append(value)
        position = match.end()
    pieces.append(template[position:])
    return "".join(pieces), notes


def _without_neighbours(value: str, before: str, after: str) -> str:
    """A value aligned by words carries the template's punctuation around it ('Smith,'): drop it."""
    prefix = re.search(r"\S*$", before)
    suffix = re.match(r"\S*", after)
    if prefix and prefix.group(0) and value.startswith(prefix.group(0)):
        value = value[len(prefix.group(0)) :]
    if suffix and suffix.group(0) and value.endswith(suffix.group(0)):
        value = value[: -len(suffix.group(0))]
    return value
