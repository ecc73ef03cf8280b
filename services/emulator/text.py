"""Text helpers shared by the emulated providers: name normalisation, sentences, tokens."""

from __future__ import annotations

import re
import unicodedata

HONORIFICS = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "sir", "dame", "phd"})
# Letters NFKD does not decompose into an ASCII base letter.
_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in is it its of on or that the their this to was were with"
)
STOPWORDS = frozenset(f"{_STOPWORD_TEXT} your you i my we our".split(" "))


def fold(text: str) -> str:
    """Lower-case, strip diacritics and fold special letters to ASCII."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """ASCII-folded word tokens (hyphens and underscores split words)."""
    return _WORD.findall(fold(text))


def content_words(text: str) -> set[str]:
    """Tokens of a text without stopwords, for overlap scoring."""
    return {word for word in tokens(text) if word not in STOPWORDS and len(word) > 1}


def strip_honorifics(name: str) -> str:
    """'Dr. Jane Doe' -> 'Jane Doe'; leaves the original spelling (accents, hyphens) intact."""
    words = name.replace(",", " ").split()
    while words and fold(words[0]).rstrip(".") in HONORIFICS:
        words.pop(0)
    while words and fold(words[-1]).replace(".", "") in HONORIFICS:
        words.pop()
    return " ".join(words)


def name_key(name: str) -> frozenset[str]:
    """Order-insensitive key of a person's name, so 'Zhang Wei' and 'Wei Zhang' match."""
    return frozenset(tokens(strip_honorifics(name)))


def sentences(text: str) -> list[str]:
    """Split prose into sentences (good enough for the roster's own pages)."""
    parts: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        parts.extend(piece.strip() for piece in _SENTENCE_END.split(paragraph) if piece.strip())
    return parts


def is_injection(text: str) -> bool:
    """Whether a text carries an instruction aimed at a language model."""
    folded = fold(text)
    return any(
        marker in folded
        for marker in ("ignore previous instructions", "ignore all previous instructions", "disregard prior")
    )


def clean_generated(text: str) -> str:
    """Remove the stylistic tells the composer must never produce."""
    return text.replace("\u2014", ", ").replace("\u2013", "-").replace(" ,", ",")
