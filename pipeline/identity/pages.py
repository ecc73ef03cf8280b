"""What a web page says about where it stands: its host, the institutions it names, the addresses it
links to, and whether an institution vouches for it.

A page is *vouched* when an institution stands behind it: it is hosted on a university's domain
(`.edu`, `.ac.xx`, `.edu.xx`), or on the domain of the institution it names ('Lakemont Institute for
AI' on lakemont-ai.example.org), or a vouched page links to it. Anything else (a personal site, a
scholar-style profile, a content farm) only describes itself: what it claims is not evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pipeline.models import Source
from pipeline.text import HONORIFICS, fold, words

_KEYWORD = r"(?:University|Universit[éeyà]|Universidad|Universität|Institute|Institut|College|Polytechnic)"
_CAPITALISED = r"[A-Z][\w'\u2019-]*"
_SP = r"[^\S\n]+"  # an institution's name never runs across a line ('...Institute for AI\nVerified email')
_CONNECTIVE = r"(?:of|for|the|de|des|du|del|della|degli|di|der|la|las|los|el|do|da|dos|das)"
_INSTITUTION = re.compile(
    # 'University of Eastmarch', 'Institut Lyonnais des Matériaux', 'Universidad de los Andes Australes'
    rf"\b{_KEYWORD}(?:{_SP}(?:{_CONNECTIVE}{_SP})*{_CAPITALISED})+"
    # 'Halden University', 'Lakemont Institute for AI'
    rf"|\b(?:{_CAPITALISED}{_SP}){{1,4}}{_KEYWORD}"
    rf"(?:{_SP}(?:of|for){_SP}(?:{_CAPITALISED}|AI)(?:{_SP}{_CAPITALISED})*)?"
)
_CONNECTIVES = frozenset(_CONNECTIVE[3:-1].split("|"))
MIN_ACRONYM = 3
# A page's opening: its first line, or that line's first sentence when the text has no line breaks.
_SENTENCE_END = re.compile(r"([\w)]*)[.!?]\s+(?=[A-Z])")
_ABBREVIATIONS = frozenset({"dept", "univ", "inst", "st", "no", "vs", "al", "jr", "sr", "assoc", "asst"})


def first_sentence(line: str) -> str:
    """A line up to its first full stop that ends a sentence ('Prof. A. Smith' and 'Univ.' do not)."""
    for match in _SENTENCE_END.finditer(line):
        word = fold(match.group(1))
        if len(word) > 1 and word not in HONORIFICS and word not in _ABBREVIATIONS:
            return line[: match.end(1) + 1]
    return line


_GENERIC = frozenset(
    {
        "university",
        "universite",
        "universidad",
        "universitat",
        "institute",
        "institut",
        "college",
        "polytechnic",
        "school",
        "of",
        "for",
        "the",
        "de",
        "des",
        "du",
        "di",
        "der",
        "la",
        "and",
        "technology",
        "department",
        "faculty",
    }
)
_ADDRESS = re.compile(
    r"(?<![@\w.-])(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(/[^\s,;)\"'<>]*)?", re.I
)
_ACADEMIC_SUFFIX = re.compile(r"\.(?:edu|(?:ac|edu)\.[a-z]{2})$")


def institution_key(name: str) -> frozenset[str]:
    """The distinctive words of an institution's name: 'University of Eastmarch' -> {'eastmarch'}."""
    return frozenset(word for word in words(name) if word not in _GENERIC)


def same_institution(one: frozenset[str], other: frozenset[str]) -> bool:
    return bool(one) and bool(other) and (one <= other or other <= one)


def org_domain(host: str) -> str | None:
    """The university a host belongs to ('cs.halden.example.edu' -> 'halden.example.edu'), if any."""
    if not _ACADEMIC_SUFFIX.search(host):
        return None
    labels = host.split(".")
    keep = 3 if labels[-2] in ("example", "ac", "edu") else 2
    return ".".join(labels[-keep:]) if len(labels) >= keep else host


def acronyms(name: str) -> set[str]:
    """What a host may call an institution: its initials ('Institut Lyonnais des Matériaux' -> 'ilm',
    'Technical University of Munich' -> 'tum') and a capitalised acronym in its name ('KTH Royal
    Institute of Technology' -> 'kth'), three letters or more."""
    tokens = name.split()
    initials = "".join(fold(t[0]) for t in tokens if t[0].isupper() and fold(t) not in _CONNECTIVES)
    found = {fold(t) for t in tokens if len(t) >= MIN_ACRONYM and t.isupper() and t.isalpha()}
    return {a for a in {initials, *found} if len(a) >= MIN_ACRONYM}


def _hosted_by(institution: frozenset[str], labels: set[str]) -> bool:
    """A host label carries a distinctive word of the institution ('coralbay' for 'Coral Bay Marine
    Institute', 'lakemont-ai' for 'Lakemont Institute for AI')."""
    return any(len(word) >= 4 and word in label for word in institution for label in labels)


def _address(host: str, path: str) -> str:
    return f"{host.lower().removeprefix('www.')}{path.rstrip('/')}"


def _href(url: str) -> str:
    """A link's address as _address writes it ('' for one that is not a web address)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return _address(parts.hostname, parts.path + (f"?{parts.query}" if parts.query else ""))


@dataclass
class PageFacts:
    """One source as the identity resolution sees it."""

    source: Source
    tokens: list[str]
    host: str
    address: str  # host + path + query, no scheme, no trailing slash
    institutions: list[frozenset[str]]
    # The page's own institution: the one that hosts it, else the first it names (its affiliation line).
    own: list[frozenset[str]]
    links: set[str]  # addresses the page links to (its anchors) or names in its text
    sites: set[str]  # bare hosts its text names: a site of its own ('Homepage: danielokonkwo.example.com')
    org: str | None
    hosted_by_named_institution: bool
    vouched: bool = False
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, source: Source) -> PageFacts:
        text = f"{source.title}\n{source.text}"
        parts = urlsplit(source.url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        names = [m.group(0) for m in _INSTITUTION.finditer(text)]
        institutions = [key for key in (institution_key(name) for name in names) if key]
        labels = set(re.split(r"[.-]", host)) - {"example", "www", "com", "org", "net"}
        # An address with a path names that page ('scholar.example.org/citations?user=X' is one profile
        # among thousands on the host); a bare host names a site of its own ('danielokonkwo.example.com').
        named = [(m.group(1), m.group(2) or "") for m in _ADDRESS.finditer(text)]
        links = {_address(host, path) for host, path in named} | {_href(link) for link in source.links}
        sites = {host.lower().removeprefix("www.") for host, path in named if path.strip("/") == ""}
        hosting = [key for key in institutions if _hosted_by(key, labels)]
        hosting += [
            institution_key(name) for name in names if acronyms(name) & labels and institution_key(name)
        ]
        return cls(
            source=source,
            tokens=words(text),
            host=host,
            address=_address(host, path),
            institutions=list(dict.fromkeys(institutions)),
            own=hosting or institutions[:1],
            links=links - {_address(host, path), ""},
            sites=sites - {host},
            org=org_domain(host),
            hosted_by_named_institution=bool(hosting),
        )

    def links_to(self, other: PageFacts) -> bool:
        """This page names the other's address, or its bare host (a site of its own)."""
        return other.address in self.links or other.host in self.sites

    def same_site(self, other: PageFacts) -> bool:
        """Same host, and one page's path contains the other's ('/people/x' and '/people/x/publications')."""
        if self.host != other.host:
            return False
        mine, theirs = self.address + "/", other.address + "/"
        return mine.startswith(theirs) or theirs.startswith(mine)

    def shares_institution(self, other: PageFacts) -> bool:
        """The same university domain, or one page names the other's own institution ('after four years
        at Kessler Polytechnic' on the new department's page). Two pages that merely name the same
        third institution (an alma mater, a collaborator's) are not tied by it."""
        if self.org and self.org == other.org:
            return True
        return any(same_institution(a, b) for a in self.own for b in other.institutions) or any(
            same_institution(a, b) for a in other.own for b in self.institutions
        )

    @property
    def text(self) -> str:
        return f"{self.source.title}\n{self.source.text}"

    @property
    def opening(self) -> str:
        """The page's title and its first line or sentence: where a page says whose it is."""
        first = next((line for line in self.source.text.splitlines() if line.strip()), "")
        return f"{self.source.title}\n{first_sentence(first.strip())}"


def folded_phrase(text: str) -> str:
    return f" {' '.join(words(text))} "


def contains_phrase(tokens: list[str], phrase: str) -> bool:
    wanted = " ".join(words(phrase))
    return bool(wanted) and f" {wanted} " in f" {' '.join(tokens)} "


def fold_quotes(text: str) -> str:
    """Case, whitespace, quote marks and dashes folded, for checking that a quote is on a page."""
    table = str.maketrans(
        {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-"}
    )
    return " ".join(fold(text.translate(table)).split())
