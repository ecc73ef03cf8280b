"""The code checks on a composed email, on plain inputs."""

from __future__ import annotations

from pipeline.models import Source, TemplateType, VerificationCheck
from pipeline.verification import Evidence, verify, worth_retrying
from tests.pipeline.helpers import FACT, PROFILE, paper

TEMPLATE = "Dear {{name}},\n\nI enjoyed your paper {{research}}.\n\nBest,\nSam (sam@student.example.edu)"
PAPER = paper("Sparse Attention for Long Documents: A Study", arxiv_id="2401.12345")
BOOKS = Source(
    url="https://jane-books.example.com/books",
    title="Books by Jane Smith",
    text='Books by Jane Smith. "The Quiet Index" (2019) A novel about librarians.',
)


def evidence(**overrides: object) -> Evidence:
    values: dict[str, object] = {
        "template": TEMPLATE,
        "recipient_name": "Dr. Jane Smith",
        "recipient_interest": "sparse attention",
        "template_type": TemplateType.RESEARCH,
        "sources": [PROFILE, BOOKS],
        "facts": [FACT],
        "papers": [PAPER],
    }
    values.update(overrides)
    return Evidence(**values)  # type: ignore[arg-type]


def checks_of(
    email: str, *, papers: list[str] | None = None, urls: list[str] | None = None, **kw: object
) -> dict[str, VerificationCheck]:
    found = verify(email, used_paper_ids=papers or [], used_source_urls=urls or [], evidence=evidence(**kw))
    return {check.name: check for check in found}


GOOD = (
    'Dear Jane Smith,\n\nI enjoyed your paper "Sparse Attention for Long Documents: A Study".'
    "\n\nBest,\nSam (sam@student.example.edu)"
)


def test_a_faithful_email_passes_every_check() -> None:
    checks = checks_of(GOOD, papers=["2401.12345v1"])
    assert all(check.passed for check in checks.values()), checks


def test_a_left_placeholder_fails() -> None:
    check = checks_of(GOOD.replace("Jane Smith", "{{ name }}"))["placeholders_filled"]
    assert not check.passed and "{{ name }}" in check.detail


def test_the_recipient_must_be_named() -> None:
    assert not checks_of(GOOD.replace("Jane Smith", "Professor"))["recipient_named"].passed
    assert checks_of(GOOD.replace("Jane Smith", "Professor Smith"))["recipient_named"].passed


def test_an_invented_quoted_title_is_unverified() -> None:
    email = GOOD.replace(
        "Sparse Attention for Long Documents: A Study", "Toward a Unified Theory of Attention"
    )
    check = checks_of(email)["titles_verified"]
    assert not check.passed and "unverified title 'Toward a Unified Theory of Attention'" in check.detail


def test_titles_match_despite_case_punctuation_and_a_missing_subtitle() -> None:
    for variant in ("sparse attention for long documents a study", "Sparse Attention for Long Documents"):
        assert checks_of(GOOD.replace("Sparse Attention for Long Documents: A Study", variant))[
            "titles_verified"
        ].passed


def test_a_book_title_quoted_on_a_source_page_is_verified() -> None:
    email = 'Dear Jane Smith, I loved "The Quiet Index".'
    assert checks_of(email, template_type=TemplateType.BOOK)["titles_verified"].passed


def test_an_unquoted_title_cased_invention_is_unverified() -> None:
    email = "Dear Jane Smith, your work on Quantum Gravitational Origami Methods inspired me."
    assert not checks_of(email)["titles_verified"].passed


def test_title_cased_names_and_places_from_the_sources_pass() -> None:
    email = "Dear Professor Jane Smith, the Sparse Systems Lab at Example University inspired me."
    assert checks_of(email)["titles_verified"].passed


def test_links_must_come_from_the_sources_papers_or_template() -> None:
    assert checks_of(GOOD + " https://arxiv.org/abs/2401.12345v2")["links_verified"].passed
    assert checks_of(GOOD + f" See {PROFILE.url}/.")["links_verified"].passed
    bad = checks_of(GOOD + " Visit https://free-prize.example.net/claim or mail x@evil.example.net")
    assert not bad["links_verified"].passed
    assert (
        "free-prize" in bad["links_verified"].detail and "x@evil.example.net" in bad["links_verified"].detail
    )


def test_cited_papers_and_sources_must_have_been_found() -> None:
    checks = checks_of(GOOD, papers=["9999.99999"], urls=["https://elsewhere.example.org/"])
    assert not checks["cited_papers_found"].passed
    assert not checks["cited_sources_found"].passed


def test_ai_tells_fail_unless_the_template_uses_them() -> None:
    email = GOOD.replace("I enjoyed", "I hope this email finds you well. I delved into")
    check = checks_of(email)["no_ai_tells"]
    assert not check.passed and "delve" in check.detail and "I hope this email finds you well" in check.detail
    assert not checks_of(GOOD + " Thanks \u2014 Sam")["no_ai_tells"].passed
    assert checks_of(GOOD + " leverage", template=TEMPLATE + " leverage")["no_ai_tells"].passed


def test_a_research_email_is_grounded_by_naming_a_found_paper_or_using_a_cited_fact() -> None:
    assert checks_of(GOOD)["grounded"].passed
    vague = "Dear Jane Smith, I enjoyed your work. Best, Sam (sam@student.example.edu)"
    assert not checks_of(vague)["grounded"].passed
    with_fact = "Dear Jane Smith, I admire how you lead the Sparse Systems Lab."
    assert checks_of(with_fact, urls=[PROFILE.url])["grounded"].passed


def test_general_templates_need_no_grounding() -> None:
    assert "grounded" not in checks_of("Dear Jane Smith, hello.", template_type=TemplateType.GENERAL)


def test_retry_is_pointless_when_only_grounding_failed_and_nothing_was_found() -> None:
    empty = evidence(sources=[], facts=[], papers=[])
    only_grounding = [VerificationCheck(name="grounded", passed=False)]
    assert not worth_retrying(only_grounding, empty)
    assert worth_retrying(only_grounding, evidence())
    assert worth_retrying([VerificationCheck(name="placeholders_filled", passed=False)], empty)
