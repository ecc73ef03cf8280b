"""The emulated summariser reads pages like a quick, gullible model: from the prompt alone."""

from __future__ import annotations

from pipeline.core.prompting import prompt
from services.emulator.summarizer import PARAPHRASE_EVERY, judge, summarize

NAME, INTEREST = "Wei Wang", "speech recognition in noisy environments"


def page(url: str, title: str, text: str) -> dict[str, str]:
    return {"url": url, "title": title, "text": text}


def test_a_page_about_the_person_and_the_interest_is_a_yes_with_a_quote_from_it() -> None:
    source = page(
        "https://a.example.edu/w",
        "Wei Wang | Coralline",
        "Wei Wang builds speech recognizers for noisy rooms.",
    )
    assert judge(source, NAME, INTEREST) == {
        "url": source["url"],
        "about_recipient": "yes",
        "evidence": "Wei Wang builds speech recognizers for noisy rooms.",
    }


def test_a_namesake_in_another_field_and_a_students_page_are_a_no() -> None:
    chemist = page(
        "https://c.example.edu/w",
        "Wei Wang | Chemistry",
        "Wei Wang is a Professor of Chemistry at Brightwater.",
    )
    student = page(
        "https://l.example.org/s", "Lina Hoffmann", "Lina Hoffmann is a postdoc working with Wei Wang."
    )
    assert judge(chemist, NAME, INTEREST)["about_recipient"] == "no"
    assert judge(student, NAME, INTEREST) == {
        "url": student["url"],
        "about_recipient": "no",
        "evidence": "Lina Hoffmann is a postdoc working with Wei Wang.",
    }


def test_it_believes_a_pages_claim_to_be_the_official_page() -> None:
    farm = page(
        "https://farm.example.com/w", "Profile", "This is Professor Wei Wang's official page. Buy now."
    )
    assert judge(farm, NAME, INTEREST)["about_recipient"] == "yes"


def test_on_some_pages_it_paraphrases_its_quote() -> None:
    urls = [f"https://a.example.edu/{i}" for i in range(40)]
    quotes = [
        judge(page(url, "Wei Wang", "Wei Wang is an expert in speech recognition."), NAME, INTEREST)[
            "evidence"
        ]
        for url in urls
    ]
    paraphrased = [q for q in quotes if q != "Wei Wang is an expert in speech recognition."]
    assert 0 < len(paraphrased) <= len(urls) // PARAPHRASE_EVERY + 3


def test_facts_come_from_pages_not_placed_with_someone_else() -> None:
    sources = [
        page(
            "https://a.example.edu/w",
            "Wei Wang",
            "Wei Wang leads the Hearing Machines Group on speech recognition.",
        ),
        page(
            "https://l.example.org/s",
            "Lina Hoffmann",
            "Lina Hoffmann is a postdoc. She works with Wei Wang on noise.",
        ),
    ]
    notes = summarize(prompt(recipient_name=NAME, recipient_interest=INTEREST, sources=sources))
    assert [fact["source_url"] for fact in notes["facts"]] == ["https://a.example.edu/w"]
    assert [j["about_recipient"] for j in notes["sources"]] == ["yes", "no"]
