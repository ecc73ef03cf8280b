"""Text helpers the steps and the verification share: folding, tokens, names, URLs."""

from __future__ import annotations

import re
import unicodedata

HONORIFICS = frozenset(
    {"dr", "prof", "professor", "phd", "mr", "mrs", "ms", "mx", "miss", "sir", "dame", "md", "dphil"}
)
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or that the their this to was were "
    "with your you i my we our via using based towards toward new study work research"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Letters that casefold() and NFKD leave as they are, and their ASCII spelling.
_FOLD_PAIRS = (
    ("ø", "o"),
    ("æ", "ae"),
    ("œ", "oe"),
    ("ß", "ss"),
    ("ł", "l"),
    ("đ", "d"),
    ("ð", "d"),
    ("þ", "th"),
)
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Case-folded, without diacritics: 'Núñez' -> 'nunez'."""
    if text.isascii():  # most text, and an email folds ~600 strings: nothing to decompose
        return text.lower()
    folded = text.casefold()
    # Not str.translate(): with a mapping it goes character by character through Python objects
    # (~0.4 ms for a page of accented text); a substring search per letter costs microseconds.
    for letter, replacement in _FOLD_PAIRS:
        if letter in folded:
            folded = folded.replace(letter, replacement)
    decomposed = unicodedata.normalize("NFKD", folded)
    if decomposed.isascii():
        return decomposed
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def content_words(text: str) -> set[str]:
    """Words that carry meaning, lightly stemmed, for overlap scoring."""
    return {_stem(word) for word in words(text) if word not in STOPWORDS and len(word) > 2}


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _is_title(token: str) -> bool:
    bare = fold(token).replace(".", "")
    return bare in HONORIFICS or bare in NAME_SUFFIXES


def normalise_name(raw: str) -> str:
    """'Prof. Smith, Jane PhD' -> 'Jane Smith': no honorifics or suffixes, 'Last, First' reordered."""
    parts = [part.strip() for part in raw.split(",")]
    parts = [part for part in parts if part and not all(_is_title(token) for token in part.split())]
    if len(parts) >= 2:
        parts = [*parts[1:], parts[0]]
    tokens = " ".join(parts).split()
    return " ".join(token for token in tokens if not _is_title(token))


def last_name(name: str) -> str:
    tokens = normalise_name(name).split()
    return tokens[-1] if tokens else name.strip()


def normalise_url(url: str) -> str:
    """Compare URLs without scheme, 'www.', fragment, trailing slash or arXiv version."""
    text = url.strip().rstrip(".,;:!?)]}'\"").split("#", 1)[0]
    text = re.sub(r"^[a-z]+://", "", text, flags=re.IGNORECASE)
    host, _, path = text.partition("/")
    host = host.lower().removeprefix("www.")
    path = path.rstrip("/")
    if host.endswith("arxiv.org"):
        host = "arxiv.org"
        path = re.sub(r"^(abs|pdf)/(.+?)(v\d+)?(\.pdf)?$", r"abs/\2", path)
    return f"{host}/{path}" if path else host


def normalise_arxiv_id(arxiv_id: str) -> str:
    """'http://arxiv.org/abs/2401.12345v2' or 'arXiv:2401.12345v2' -> '2401.12345'."""
    text = arxiv_id.strip()
    text = re.sub(r"^(arxiv:|https?://(www\.)?arxiv\.org/(abs|pdf)/)", "", text, flags=re.IGNORECASE)
    return re.sub(r"(v\d+)?(\.pdf)?$", "", text)
