"""Names as pages and arXiv write them."""

from __future__ import annotations

import pytest

from pipeline.names import PersonName


@pytest.mark.parametrize(
    "author",
    ["Inês Carvalho", "Ines Carvalho", "I. Carvalho", "I Carvalho", "Carvalho, Inês", "Inês M. Carvalho"],
)
def test_spellings_of_the_same_name_are_the_same_author(author: str) -> None:
    assert PersonName.parse("Prof. Ines Carvalho").is_author(author)


@pytest.mark.parametrize("author", ["Isabel Carvalho", "Ines Carvalhosa", "Carvalho", "Rui Barros"])
def test_other_names_are_other_authors(author: str) -> None:
    assert not PersonName.parse("Ines Carvalho").is_author(author)


def test_middle_names_hyphens_and_family_name_first_order() -> None:
    assert PersonName.parse("Dr. Maria Santos").is_author("M. L. Santos")
    assert PersonName.parse("Maria Luisa Santos").is_author("Maria Santos")
    assert PersonName.parse("Harold Finch-Morrow").is_author("H. Finch-Morrow")
    assert not PersonName.parse("Harold Finch-Morrow").is_author("H. Morrow")
    assert PersonName.parse("Liu Yang").is_author("Yang Liu")


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Inês Carvalho directs the Polyglot Lab.", "full"),
        ("Carvalho, Inês (Halden University)", "full"),
        ("Work by Inês Maria Carvalho and others", "full"),
        ("T. Wrona, I. Carvalho. Bitext Mining.", "initials"),
        ("Santos ML, Adeyemi T. Contact Networks.", None),
        ("PI: Prof. Carvalho", "title"),
        ("Carvalho is a common surname.", None),
        ("Ines and Paulo Carvalho", None),
        ("Nobody here.", None),
    ],
)
def test_how_a_page_names_the_person(text: str, mention: str | None) -> None:
    assert PersonName.parse("Ines Carvalho").mentioned_in(text) == mention


def test_initials_after_the_family_name_name_the_person() -> None:
    assert (
        PersonName.parse("Maria Santos").mentioned_in("Santos ML, Adeyemi T. Contact Networks.") == "initials"
    )


@pytest.mark.parametrize(
    ("host", "owned"),
    [
        ("margaretellery.example.com", True),
        ("lwrobel.example.com", True),
        ("margaret-ellery-books.example.com", True),
        ("academic-profiles.example.com", False),
        ("ellery.example.com", False),
        ("scholar.example.org", False),
    ],
)
def test_a_domain_in_the_persons_own_name(host: str, owned: bool) -> None:
    name = "Łukasz Wróbel" if "wrobel" in host else "Margaret Ellery"
    assert PersonName.parse(name).owns_host(host) == owned
