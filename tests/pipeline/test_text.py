import unicodedata

import pytest

from pipeline.text import _FOLD_PAIRS, fold, last_name, normalise_arxiv_id, normalise_name, normalise_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dr. Jane Smith", "Jane Smith"),
        ("Prof.  Jane   Smith", "Jane Smith"),
        ("Professor Jane Smith, PhD", "Jane Smith"),
        ("Jane Smith Ph.D.", "Jane Smith"),
        ("Smith, Jane", "Jane Smith"),
        ("Smith, Jane, PhD", "Jane Smith"),
        ("José Ángel Núñez", "José Ángel Núñez"),
        ("Martin King Jr.", "Martin King"),
    ],
)
def test_names_lose_honorifics_and_put_the_family_name_last(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jane SMITH",
        "José Ángel Núñez",
        "Łukasz Øster-Æbelø",
        "Straße",
        "\ufb01nal",
        "Zoë  Pérez",
        "",
        "İstanbul",
    ],
)
def test_fold_matches_decomposing_every_string(text: str) -> None:
    # The ASCII shortcuts give what full decomposition gives.
    assert fold(text) == decomposed_without_marks(text)


def decomposed_without_marks(text: str) -> str:
    folds: dict[str, str | int | None] = dict(_FOLD_PAIRS)
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(str.maketrans(folds)))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_fold_equals_full_decomposition_on_every_character() -> None:
    # Every character of the Basic Multilingual Plane, in runs, each after a base letter so marks
    # have something to combine with.
    characters = [chr(point) for point in range(0x80, 0x10000) if not 0xD800 <= point < 0xE000]
    for start in range(0, len(characters), 512):
        text = "".join(f"a{ch}" for ch in characters[start : start + 512])
        assert fold(text) == decomposed_without_marks(text)


def test_last_name_of_a_last_first_name() -> None:
    assert last_name("Okafor, Amara") == "Okafor"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.edu/a/",
        "http://example.edu/a",
        "https://EXAMPLE.edu/a#top",
        "https://example.edu/a.",
    ],
)
def test_urls_compare_without_scheme_www_fragment_or_trailing_punctuation(url: str) -> None:
    assert normalise_url(url) == "example.edu/a"


def test_arxiv_urls_compare_without_version_or_pdf() -> None:
    assert normalise_url("http://arxiv.org/abs/2401.12345v1") == normalise_url(
        "https://arxiv.org/pdf/2401.12345"
    )


@pytest.mark.parametrize("raw", ["2401.12345v2", "arXiv:2401.12345", "http://arxiv.org/abs/2401.12345v1"])
def test_arxiv_ids_are_normalised(raw: str) -> None:
    assert normalise_arxiv_id(raw) == "2401.12345"
