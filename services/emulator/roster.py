"""The emulator's fictional people: what the web knows about them, their arXiv papers, their quirks.

Everything here is invented (domains under example.edu/.org/.com). Tests and the evaluation use
the same objects to know what a good email for a person should contain.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from typing import Literal

from services.emulator.text import content_words, fold, name_key, strip_honorifics, tokens

# bystander: someone who is never a recipient but shares a recipient's name, writes papers with them,
# or has a page that mentions them (the web and arXiv are full of such people).
Kind = Literal["researcher", "author", "arxiv_only", "ghost", "bystander"]
Flag = Literal[
    "fabricates", "leaves_placeholder", "obeys_injection", "has_injection", "namesake", "thin_pages"
]
# How a person's profile page reaches the pipeline: with its text in search results, as a thin search
# result whose page is plain HTML, or as a thin result whose page is a JavaScript app.
Web = Literal["search", "thin", "js"]


@dataclass(frozen=True)
class Page:
    """One web page Exa can return."""

    url: str
    title: str
    published: str  # YYYY-MM-DD
    text: str
    web: Web = "search"
    # Where the page's anchors point ('Polyglot Lab' linking to the lab's site): not in the text, as on
    # real pages; a crawler sees them (Exa's `extras.links`, the HTML's hrefs).
    links: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.url


@dataclass(frozen=True)
class Paper:
    """One arXiv paper."""

    arxiv_id: str
    title: str
    year: int
    month: int
    summary: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def primary_category(self) -> str:
        return self.categories[0]

    @property
    def url(self) -> str:
        return f"http://arxiv.org/abs/{self.arxiv_id}v1"


@dataclass(frozen=True)
class Person:
    """A fictional recipient: identity, web pages, papers, books and behaviour flags."""

    key: str
    name: str
    affiliation: str
    field: str
    interest: str
    kind: Kind = "researcher"
    position: str = ""
    request_name: str = ""  # how a student writes the name in a request, e.g. "Dr. Jane Doe"
    aliases: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()  # sentences on the person's pages an email may use
    books: tuple[str, ...] = ()
    pages: tuple[Page, ...] = ()
    papers: tuple[Paper, ...] = ()
    flags: frozenset[Flag] = dataclasses.field(default_factory=frozenset)
    injection: str = ""  # the injected sentence on one of the pages, if any

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def last_name(self) -> str:
        return self.name.split()[-1]


def paper_id(title: str, year: int) -> tuple[str, int]:
    """A stable arXiv-style id (YYMM.NNNNN) and month for a title."""
    digest = zlib.crc32(title.encode())
    month = digest % 12 + 1
    return f"{year % 100:02d}{month:02d}.{digest % 90000 + 10000:05d}", month


def paper(
    title: str,
    year: int,
    summary: str,
    authors: tuple[str, ...],
    categories: tuple[str, ...],
    *,
    arxiv_id: str = "",
) -> Paper:
    """Build a Paper with its deterministic id (or the given one, e.g. an old-style 'hep-th/9803112')."""
    made, month = paper_id(title, year)
    return Paper(arxiv_id or made, title, year, month, summary, authors, categories)


def page(
    url: str,
    title: str,
    text: str,
    *,
    published: str = "2025-09-15",
    web: Web = "search",
    links: tuple[str, ...] = (),
) -> Page:
    """One web page; `text` is what a crawler reads on it (lines become paragraphs), `links` where its
    anchors point."""
    return Page(url, title, published, text, web, links)


def person(
    name: str,
    *,
    key: str,
    affiliation: str,
    field: str,
    interest: str,
    pages: tuple[Page, ...] = (),
    papers: tuple[Paper, ...] = (),
    facts: tuple[str, ...] = (),
    books: tuple[str, ...] = (),
    kind: Kind = "researcher",
    position: str = "",
    request_name: str = "",
    aliases: tuple[str, ...] = (),
    flags: tuple[Flag, ...] = (),
    injection: str = "",
) -> Person:
    """A person written out page by page and paper by paper, as real academics' web presence is:
    `facts` are sentences of their own pages an email may use; `injection` a sentence on one of them
    that tries to instruct a model."""
    return Person(
        key=key,
        name=name,
        affiliation=affiliation,
        field=field,
        interest=interest,
        kind=kind,
        position=position,
        request_name=request_name or name,
        aliases=aliases,
        facts=facts,
        books=books,
        pages=pages,
        papers=papers,
        flags=frozenset({*flags, "has_injection"} if injection else flags),
        injection=injection,
    )


def listing(papers: tuple[Paper, ...], style: str = "lab") -> str:
    """A publication list as sites write them (`lab`: initials and the arXiv id; `scholar`: a scholar-style
    profile's entries)."""

    def initials(name: str) -> str:
        parts = name.replace(".", "").split()
        return " ".join([*(p[0] + "." for p in parts[:-1]), parts[-1]])

    lines = []
    for item in papers:
        authors = ", ".join(initials(author) for author in item.authors)
        if style == "scholar":
            short = ", ".join(f"{a.split()[0][0]} {a.split()[-1]}" for a in item.authors)
            lines.append(f"{item.title}\n{short}\narXiv preprint arXiv:{item.arxiv_id}, {item.year}")
        else:
            lines.append(f"{authors}. {item.title}. arXiv:{item.arxiv_id} ({item.year}).")
    return "\n".join(lines)


def _slug(name: str) -> str:
    return "-".join(tokens(name))


def researcher(
    name: str,
    *,
    domain: str,
    affiliation: str,
    position: str,
    field: str,
    interest: str,
    facts: tuple[str, ...],
    papers: tuple[tuple[str, int, str, tuple[str, ...], tuple[str, ...]], ...] = (),
    kind: Kind = "researcher",
    books: tuple[tuple[str, int, str], ...] = (),
    request_name: str = "",
    aliases: tuple[str, ...] = (),
    flags: tuple[Flag, ...] = (),
    injection: str = "",
    key: str = "",
    updated: str = "2025-09-15",
    web: Web = "search",
) -> Person:
    """Build a Person with a profile page, and a publications or books page when they have any."""
    slug = key or _slug(name)
    if kind == "author":
        intro, closing = f"{name} is {position}.", f"Recurring themes: {interest}."
    else:
        intro = f"{name} is {position} at {affiliation}, working in {field}."
        closing = f"Research interests: {interest}."
    pages = [
        Page(
            f"https://{domain}/people/{slug}",
            f"{name} | {affiliation}",
            updated,
            "\n\n".join((intro, " ".join(facts), closing)),
            web,
        )
    ]
    built_papers = tuple(paper(t, y, s, (name, *co), cats) for t, y, s, co, cats in papers)
    if built_papers:
        listing = " ".join(f'"{p.title}" ({p.year}, arXiv:{p.arxiv_id}).' for p in built_papers)
        pages.append(
            Page(
                f"https://{domain}/people/{slug}/publications",
                f"Publications of {name}",
                updated,
                f"Selected publications of {name} ({affiliation}). {listing}",
            )
        )
    book_titles = tuple(title for title, _, _ in books)
    if books:
        listing = " ".join(f'"{title}" ({year}) {blurb}' for title, year, blurb in books)
        pages.append(
            Page(
                f"https://{slug}-books.example.com/books",
                f"Books by {name}",
                updated,
                f"Books by {name}. {listing}",
            )
        )
    if injection:
        first = pages[-1]
        pages[-1] = Page(first.url, first.title, first.published, f"{first.text}\n\n{injection}", first.web)
    thin: tuple[Flag, ...] = ("thin_pages",) if web != "search" else ()
    return person(
        name,
        key=slug,
        affiliation=affiliation,
        field=field,
        interest=interest,
        kind=kind,
        position=position,
        request_name=request_name,
        aliases=aliases,
        facts=facts,
        books=book_titles,
        pages=tuple(pages) if kind in ("researcher", "author") else (),
        papers=built_papers,
        flags=(*flags, *thin),
        injection=injection,
    )


def _load() -> tuple[Person, ...]:
    from services.emulator.roster_authors import AUTHORS_AND_EDGE_CASES
    from services.emulator.roster_careers import CAREERS
    from services.emulator.roster_common_name import COMMON_NAME
    from services.emulator.roster_international import INTERNATIONAL
    from services.emulator.roster_names import HARD_NAMES
    from services.emulator.roster_presence import PRESENCE
    from services.emulator.roster_researchers import RESEARCHERS
    from services.emulator.roster_web import WEB_AND_NAMESAKES

    people = (
        *RESEARCHERS,
        *INTERNATIONAL,
        *AUTHORS_AND_EDGE_CASES,
        *WEB_AND_NAMESAKES,
        *PRESENCE,
        *HARD_NAMES,
        *COMMON_NAME,
        *CAREERS,
    )
    keys = [person.key for person in people]
    assert len(keys) == len(set(keys)), "roster keys must be unique"
    counts: dict[frozenset[str], int] = {}
    for person in people:
        counts[name_key(person.name)] = counts.get(name_key(person.name), 0) + 1
    return tuple(
        dataclasses.replace(person, flags=person.flags | {"namesake"})
        if counts[name_key(person.name)] > 1
        else person
        for person in people
    )


ROSTER: tuple[Person, ...] = _load()
PAPERS: tuple[Paper, ...] = tuple(p for person in ROSTER for p in person.papers)
PAGES: dict[str, Page] = {page.url: page for person in ROSTER for page in person.pages}
PAGE_OWNERS: dict[str, Person] = {page.url: person for person in ROSTER for page in person.pages}
_NAME_KEYS: tuple[tuple[Person, frozenset[frozenset[str]]], ...] = tuple(
    (person, frozenset(name_key(name) for name in person.names)) for person in ROSTER
)


def find_people(name: str) -> list[Person]:
    """Every roster person answering to a name (namesakes give several); honorifics and case ignored."""
    key = name_key(name)
    return [person for person, keys in _NAME_KEYS if key and key in keys]


def find_person(name: str, interest: str = "") -> Person | None:
    """The roster person with this name; among namesakes, the one whose field best fits the interest."""
    people = find_people(name)
    if not people:
        return None
    wanted = content_words(interest)
    return max(people, key=lambda p: len(wanted & content_words(f"{p.field} {p.interest}")))


def people_in_text(text: str) -> list[Person]:
    """People whose full name (any order, any alias) appears among a text's words."""
    words = set(tokens(text))
    return [person for person, keys in _NAME_KEYS if any(key <= words for key in keys)]


def by_key(key: str) -> Person:
    """The roster person with this key (KeyError if none)."""
    for person in ROSTER:
        if person.key == key:
            return person
    raise KeyError(key)


def display_name(name: str) -> str:
    """A request's name without honorifics, in reading order, as an email should address it:
    'Santos, Maria L.' -> 'Maria L. Santos'."""
    parts = [strip_honorifics(part).strip() for part in name.split(",")]
    parts = [part for part in parts if part]
    ordered = " ".join([*parts[1:], parts[0]]) if len(parts) > 1 else (parts[0] if parts else "")
    return ordered or name


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same person (order, case and accents ignored)."""
    return name_key(a) == name_key(b) and bool(fold(a).strip())
