"""A person's name as pages and arXiv write it: initials, middle names, diacritics, 'Last, First',
honorifics, family-name-first order and hyphenated family names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.text import HONORIFICS, STOPWORDS, normalise_name, words

Mention = Literal["full", "initials", "title"]
_STRENGTH: dict[Mention, int] = {"full": 3, "initials": 2, "title": 1}
_TITLES = frozenset({"prof", "professor", "dr", "doctor"})
MAX_MIDDLE_TOKENS = 2


def _compatible(one: str, other: str) -> bool:
    """Two first names agree: the same, or one is the other's initial ('m' and 'maria')."""
    if one == other:
        return True
    return (len(one) == 1 and other.startswith(one)) or (len(other) == 1 and one.startswith(other))


@dataclass(frozen=True)
class PersonName:
    """Given names and family name as folded word tokens: 'Inês Carvalho' -> (('ines',),), ('carvalho',)."""

    given: tuple[tuple[str, ...], ...]
    family: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> PersonName:
        parts = [tuple(words(part)) for part in normalise_name(raw).split()]
        parts = [part for part in parts if part and not (len(part) == 1 and part[0] in HONORIFICS)]
        if not parts:
            return cls(given=(), family=())
        return cls(given=tuple(parts[:-1]), family=parts[-1])

    @property
    def identifiable(self) -> bool:
        """A given and a family name in Latin letters: one word ('Prof. Okonkwo') is shared by too many
        people to tell pages and papers apart, and a name in another script ('王伟') folds to nothing
        the web's and arXiv's Latin spellings can be matched against."""
        return bool(self.given) and bool(self.family)

    @property
    def tokens(self) -> set[str]:
        return {token for part in (*self.given, self.family) for token in part}

    def _orders(self) -> list[tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]]:
        """As written, and, for two-part names, family name first ('Liu Yang' may be Yang Liu)."""
        orders = [(self.given, self.family)]
        if len(self.given) == 1:
            orders.append(((self.family,), self.given[0]))
        return orders

    def is_author(self, author: str) -> bool:
        """Whether an arXiv author string can be this person: same family name and a compatible first
        name ('Maria Luisa Santos' ~ 'M. L. Santos' ~ 'Maria Santos', not 'Marcos Santos')."""
        other = PersonName.parse(author)
        if not self.family or not other.family:
            return False
        if self.tokens == other.tokens:
            return True
        for given, family in self._orders():
            for other_given, other_family in other._orders():
                if (
                    family == other_family
                    and given
                    and other_given
                    and _compatible(given[0][0], other_given[0][0])
                ):
                    return True
        return False

    def owns_host(self, host: str) -> bool:
        """A host named after this person: 'margaretellery.example.com', 'lwrobel.example.com'."""
        family = "".join(self.family)
        if len(family) < 4 or not self.given:
            return False
        first = self.given[0][0]
        for label in host.split("."):
            bare = label.replace("-", "")
            if family in bare and (first in bare or bare.startswith(first[0])):
                return True
        return False

    def mentioned_in(self, text: str) -> Mention | None:
        """How a text names this person: in full, by initials ('I. Carvalho', 'Santos ML'), by title and
        family name ('Prof. Carvalho'), or not at all."""
        return self.mentioned_in_tokens(words(text))

    def mentioned_in_tokens(self, tokens: list[str]) -> Mention | None:
        if not self.family:
            return None
        best: Mention | None = None
        size = len(self.family)
        for index in range(len(tokens) - size + 1):
            if tuple(tokens[index : index + size]) != self.family:
                continue
            found = self._around(tokens, index, index + size)
            if found and (best is None or _STRENGTH[found] > _STRENGTH[best]):
                best = found
                if best == "full":
                    return best
        return best

    def _around(self, tokens: list[str], start: int, end: int) -> Mention | None:
        """What precedes or follows the family name at tokens[start:end]."""
        if not self.given:
            return "full"
        first = self.given[0][0]
        before = tokens[max(0, start - 1 - MAX_MIDDLE_TOKENS) : start]
        for skip in range(min(len(before), MAX_MIDDLE_TOKENS + 1)):
            candidate = before[len(before) - 1 - skip]
            middle = before[len(before) - skip :]
            if any(token in STOPWORDS and len(token) > 1 for token in middle):
                break
            if candidate == first:
                return "full"
            if len(candidate) == 1 and candidate == first[0]:
                return "initials"
        after = tokens[end : end + 1]
        if after and after[0] == first:
            return "full"  # 'Carvalho, Ines' or family-name-first
        if after and len(after[0]) <= 3 and after[0] not in STOPWORDS and after[0][0] == first[0]:
            return "initials"  # 'Santos ML'
        if start > 0 and tokens[start - 1] in _TITLES:
            return "title"
        return None
