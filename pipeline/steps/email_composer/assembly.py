"""Putting values into the student's template: the email is the template, word for word, with each
placeholder replaced by its value; only the seams are adjusted.

A values-returning model still drifts: it wraps a value in quotes, repeats the template's own words
around it ("paper X" after "your paper"), starts mid-sentence with a capital, ends with a full stop
before the template's comma, or adds a sentence of its own. Each seam is fixed here in the same,
deterministic way (recorded as a note), so none of that costs a second model call:

- quotes around a value the template already quotes, or around a name or a topic, are removed;
- template words the value repeats at either edge are removed from the value;
- a value longer than its placeholder allows (one sentence, or what a free-text instruction asks
  for) keeps its first sentences: the rest is text the student never wrote;
- punctuation: no doubled marks against the template's own, a free-text sentence ends with one;
- capitals: a value opening a sentence starts with one; mid-sentence, a plain word the research
  writes in lower case ("Robust reinforcement learning") is lowered;
- articles: the template's "a"/"an" before a value agrees with the value's first sound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.template_fit import PLACEHOLDER, Placeholder, placeholder_key
from pipeline.text import fold

_QUOTE_PAIRS = {'"': '"', "\u201c": "\u201d", "'": "'", "\u2018": "\u2019", "*": "*", "\u00ab": "\u00bb"}
_CLOSING = set(_QUOTE_PAIRS.values())
_ABBREVIATIONS = frozenset(
    {"dr", "prof", "mr", "mrs", "ms", "st", "eg", "ie", "al", "vs", "fig", "no", "etc"}
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019)]?\s+(?=[\"\u201c\u2018(]?[A-Z0-9])")
_SENTENCE_START = re.compile(r"(?:\A|[.!?][\"\u201d\u2019)]?\s+|\n\s*)\Z")
_ARTICLE_BEFORE = re.compile(r"(?:\A|(?<=[\s(\"\u201c]))([Aa]n?)(\s+)\Z")
_LEADING_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_WORD = re.compile(r"[\w'\u2019-]+")
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")  # letters whose names start with a vowel sound: "an MRI"
_CONSONANT_SOUND = ("uni", "use", "usu", "uti", "eu", "one", "once", "ubi", "ura", "uro", "ufo")
_VOWEL_SOUND = ("hour", "honest", "honor", "honour", "heir")
_NAME_KINDS = frozenset({"name", "first_name", "last_name"})


@dataclass
class Assembled:
    """The email, the value that went into each placeholder (as cleaned at its first use), and what
    was adjusted at the seams."""

    email: str
    values: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Text cut from a value because its placeholder does not allow it (checked too: it is what the
    # model wrote, and an instruction or a link there means the model was led astray).
    cut: dict[str, str] = field(default_factory=dict)


def _norm(word: str) -> str:
    return "".join(ch for ch in fold(word) if ch.isalnum())


def _quoted_in_template(before: str, after: str) -> bool:
    return bool(before) and before[-1] in _QUOTE_PAIRS and bool(after) and after[0] in _CLOSING


def _unwrap(value: str) -> str | None:
    if len(value) >= 2 and value[0] in _QUOTE_PAIRS:
        closing = _QUOTE_PAIRS[value[0]]
        inner = value[1:-1]
        if value[-1] == closing and closing not in inner:
            return inner.strip()
    return None


def _drop_echoes(value: str, before: str, after: str) -> str:
    """Remove template words the value repeats at its edges ('paper X' after 'your paper')."""
    words = value.split()
    tail = [_norm(w) for w in before.split()[-4:]]
    for n in range(min(4, len(words) - 1, len(tail)), 0, -1):
        if [_norm(w) for w in words[:n]] == tail[-n:] and all(tail[-n:]):
            words = words[n:]
            break
    head = [_norm(w) for w in after.split()[:4]]
    for n in range(min(4, len(words) - 1, len(head)), 0, -1):
        if [_norm(w) for w in words[-n:]] == head[:n] and all(head[:n]):
            words = words[:-n]
            break
    return " ".join(words)


def split_sentences(text: str) -> list[str]:
    """Sentences of a value; abbreviations ('Dr.', 'et al.') and initials ('J. Smith') do not end one."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip('"\u201d\u2019)')
        last = _norm(before.split()[-1]) if before.split() else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def starts_with_vowel_sound(text: str) -> bool:
    """Whether 'an' goes before this text: 'an MRI', 'an hour', 'a university', 'an 8-bit'."""
    match = _WORD.search(text)
    if not match:
        return False
    word = match.group(0)
    if word.isupper() and 1 < len(word) <= 5 and word.isalpha():
        return word[0] in _VOWEL_LETTERS
    lower = fold(word)
    if lower[:1].isdigit():
        return lower.startswith(("8", "11", "18"))
    if lower.startswith(_VOWEL_SOUND):
        return True
    if lower.startswith(_CONSONANT_SOUND):
        return False
    return lower[:1] in "aeiou"


def _capitalise(value: str) -> str:
    for index, char in enumerate(value):
        if char.isalpha():
            return value[:index] + char.upper() + value[index + 1 :]
        if char not in _QUOTE_PAIRS:
            return value
    return value


def clean_value(
    raw: str, placeholder: Placeholder, *, before: str, after: str, lowercase_words: set[str]
) -> tuple[str, list[str], str]:
    """The value as it goes in at this position, a note for each seam adjusted, and the text cut."""
    notes: list[str] = []
    cut = ""
    label = placeholder.text
    value = " ".join(raw.split())
    unwrapped = _unwrap(value)
    if unwrapped is not None and (
        _quoted_in_template(before, after) or placeholder.kind in (*_NAME_KINDS, "phrase")
    ):
        value = unwrapped
        notes.append(f"{label}: removed the quotes around the value")
    trimmed = _drop_echoes(value, before, after)
    if trimmed != value:
        notes.append(f"{label}: removed template words the value repeated")
        value = trimmed
    sentences = split_sentences(value)
    if len(sentences) > placeholder.max_sentences:
        cut = " ".join(sentences[placeholder.max_sentences :])
        value = " ".join(sentences[: placeholder.max_sentences])
        notes.append(f"{label}: cut text the template does not have: {cut[:160]!r}")
    following = after[:1]
    mid_sentence = bool(re.match(r"[ \t]+[a-z(]", after))
    if (following and following in ".,;:!?") or mid_sentence:
        stripped = value.rstrip(".,;:")
        if stripped != value and not stripped.endswith(("etc", "al")):
            value = stripped
    elif placeholder.kind == "sentence" and value and value[-1] not in '.!?"\u201d\u2019)':
        value += "."
    if _SENTENCE_START.search(before):
        value = _capitalise(value)
    elif placeholder.kind not in (*_NAME_KINDS, "title"):
        tokens = value.split()
        first = _WORD.match(value)
        word = first.group(0) if first else ""
        title_cased = len(tokens) > 1 and tokens[1][:1].isupper()
        if word[:1].isupper() and not word.isupper() and not title_cased and fold(word) in lowercase_words:
            value = word[0].lower() + value[1:]
    return value, notes, cut


def assemble(
    template: str,
    placeholders: list[Placeholder],
    values: dict[str, str],
    *,
    lowercase_words: set[str],
) -> Assembled:
    """The template with every placeholder replaced by its cleaned value (keys: `Placeholder.key`)."""
    by_key = {placeholder.key: placeholder for placeholder in placeholders}
    result = Assembled(email="")
    out = ""
    position = 0
    for match in PLACEHOLDER.finditer(template):
        out += template[position : match.start()]
        placeholder = by_key[placeholder_key(match.group(0))]
        after = template[match.end() :]
        value, notes, cut = clean_value(
            values.get(placeholder.key, ""),
            placeholder,
            before=out,
            after=after,
            lowercase_words=lowercase_words,
        )
        article = _ARTICLE_BEFORE.search(out)
        if article and value:
            if _LEADING_ARTICLE.match(value):
                value = _LEADING_ARTICLE.sub("", value, count=1)
                notes.append(f"{placeholder.text}: removed an article doubling the template's")
            wanted = "an" if starts_with_vowel_sound(value) else "a"
            have = article.group(1)
            if have.lower() != wanted:
                fixed = wanted.capitalize() if have[0].isupper() else wanted
                out = out[: article.start(1)] + fixed + article.group(2)
                notes.append(f"{placeholder.text}: '{have}' before the value became '{fixed}'")
        # "Why?." -> "Why?": the value's own mark replaces the template's.
        doubled = bool(value) and value[-1] in "?!" and after[:1] in ".,"
        position = match.end() + doubled
        out += value
        result.values.setdefault(placeholder.key, value)
        if cut:
            result.cut.setdefault(placeholder.key, cut)
        result.notes.extend(note for note in notes if note not in result.notes)
    out += template[position:]
    result.email = out
    return result
