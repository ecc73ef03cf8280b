"""The whole pipeline through the real SDKs (pydantic-ai + anthropic, exa-py, arxiv) against the emulator."""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.providers.anthropic import AnthropicProvider

from config.settings import get_settings
from pipeline.core.runner import PipelineError, run_pipeline, warm_up
from pipeline.models import PipelineData, ProgressEvent, TemplateType
from pipeline.steps.email_composer import composer_agent
from services.emulator import EmulatorHandle
from services.emulator.roster import ROSTER, Person, by_key

RESEARCH = (
    "Dear {{name}},\n\nI recently read your paper {{research}} and would love to learn more "
    "about your lab.\n\nBest regards,\nSam"
)
BOOK = "Dear {{name}},\n\nI loved your book {{book}}.\n\nWarm wishes,\nSam"
PLAIN_RESEARCHERS = [p for p in ROSTER if p.kind == "researcher" and p.papers and not p.flags]


def run(
    person: Person | None = None, *, name: str = "", interest: str = "", template: str = RESEARCH
) -> PipelineData:
    data = PipelineData(
        recipient_name=person.request_name if person else name,
        recipient_interest=person.interest if person else interest,
        email_template=template,
    )
    return asyncio.run(run_pipeline(data))


@pytest.mark.parametrize("person", PLAIN_RESEARCHERS, ids=lambda p: p.key)
def test_a_research_email_names_one_of_the_researchers_papers_and_is_confident(
    emulator_config: EmulatorHandle, person: Person
) -> None:
    result = run(person)
    assert result.template_type is TemplateType.RESEARCH
    assert any(paper.title in result.email_message for paper in person.papers), result.email_message
    assert result.is_confident, result.verification.failed


def test_web_search_and_arxiv_run_concurrently(emulator_config: EmulatorHandle) -> None:
    warm_up()
    stamps: dict[str, float] = {}

    def note(event: ProgressEvent) -> None:
        stamps[f"{event.step}:{event.status}"] = time.perf_counter()

    emulator_config.configure(latency={"exa_search": 0.4, "arxiv": 0.4})
    data = PipelineData(
        recipient_name="Henrik Lindqvist",
        recipient_interest="quantum error correction",
        email_template=RESEARCH,
    )
    result = asyncio.run(run_pipeline(data, note))
    research_phase = stamps["email_composer:started"] - stamps["template_parser:completed"]
    # One after another, the two searches and the arXiv query would take 1.2 s, the searches alone 0.8 s.
    assert 0.4 <= research_phase < 0.8
    assert 0.4 <= result.step_timings["web_scraper"] < 0.75
    assert emulator_config.stats()["calls"]["exa_search"] == 2


def test_an_unknown_person_gets_an_honest_email_that_is_not_confident(
    emulator_config: EmulatorHandle,
) -> None:
    result = run(name="Quentin Nobody", interest="quantum knitting")
    assert result.sources == [] and result.arxiv_papers == [] and result.facts == []
    assert result.email_message and "{{" not in result.email_message
    assert not result.is_confident
    grounded = next(check for check in result.verification.checks if check.name == "grounded")
    assert grounded.detail == "no verified facts or papers were found about the recipient"


def test_a_namesakes_papers_are_not_used(emulator_config: EmulatorHandle) -> None:
    person = by_key("michael-chen-marine")
    other = by_key("michael-chen-vision")
    result = run(person)
    assert {p.title for p in result.arxiv_papers} == {p.title for p in person.papers}
    assert not any(p.title in result.email_message for p in other.papers)


def test_a_book_email_uses_a_book_title_from_the_web_and_skips_arxiv(emulator_config: EmulatorHandle) -> None:
    person = by_key("margaret-ellery")
    result = run(person, template=BOOK)
    assert result.template_type is TemplateType.BOOK
    assert result.step_timings["arxiv_helper"] == 0.0 and "skipped" in result.step_notes["arxiv_helper"]
    assert any(title in result.email_message for title in person.books), result.email_message
    assert result.is_confident, result.verification.failed


def test_an_invented_title_is_caught_retried_filled_in_code_and_not_confident(
    emulator_config: EmulatorHandle,
) -> None:
    person = by_key("victor-langridge")
    result = run(person)
    assert result.verification.retried and not result.is_confident
    failed = {check.name: check.detail for check in result.verification.failed}
    assert (
        "{{research}}: unverified title 'Toward a Unified Theory of Graph Neural Networks'"
        in failed["titles_verified"]
    )
    assert failed["values_filled_in_code"].endswith("{{research}}")
    assert "Unified Theory" not in result.email_message
    assert f"your paper {person.papers[0].title} and" in result.email_message
    assert emulator_config.stats()["calls"]["composer"] == 2


def test_a_left_placeholder_is_caught_filled_in_code_and_not_confident(
    emulator_config: EmulatorHandle,
) -> None:
    person = by_key("harriet-quill")
    result = run(person)
    assert result.verification.retried and not result.is_confident
    failed = {check.name: check.detail for check in result.verification.failed}
    assert "{{research}}: the value holds a placeholder" in failed["placeholders_filled"]
    assert "{{" not in result.email_message and person.papers[0].title in result.email_message


def test_an_instruction_injected_into_a_web_page_never_reaches_the_email(
    emulator_config: EmulatorHandle,
) -> None:
    person = by_key("boris-kettleworth")
    result = run(person)
    assert "example.net" not in result.email_message
    assert not any("ignore previous" in fact.text.lower() for fact in result.facts)


def test_a_search_outage_degrades_to_an_email_without_web_sources(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"exa_search": {"rate": 1.0, "kinds": ["500"]}})
    person = by_key("amara-okafor")
    result = run(person)
    assert result.sources == [] and result.email_message
    assert any("failed" in warning for warning in result.scraping.warnings)
    assert result.arxiv_papers, "arXiv still answers"


def test_an_arxiv_outage_degrades_to_an_email_without_papers(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"arxiv": {"rate": 1.0, "kinds": ["500"]}})
    result = run(by_key("amara-okafor"))
    assert result.arxiv_papers == [] and result.sources and result.email_message
    assert any("arXiv" in warning for warning in result.warnings)


@pytest.mark.parametrize("kind", ["500", "529"])
def test_a_composer_server_fault_fails_the_step_as_transient(
    emulator_config: EmulatorHandle, kind: str
) -> None:
    emulator_config.configure(faults={"composer": {"rate": 1.0, "kinds": [kind], "retry_after": 0.1}})
    with pytest.raises(PipelineError) as caught:
        run(by_key("amara-okafor"))
    assert caught.value.failed_step == "email_composer" and caught.value.transient
    assert f"status {kind}" in caught.value.message


def test_a_composer_refused_longer_than_the_rate_limit_wait_fails_as_rate_limited(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 429 uses up no attempt: the email waits, for as long as RATE_LIMIT_WAIT_SECONDS allows.
    monkeypatch.setattr(get_settings(), "rate_limit_wait_seconds", 2.0)
    emulator_config.configure(faults={"composer": {"rate": 1.0, "kinds": ["429"], "retry_after": 1}})
    with pytest.raises(PipelineError) as caught:
        run(by_key("amara-okafor"))
    assert caught.value.failed_step == "email_composer" and caught.value.transient
    assert caught.value.error_type == "rate_limited" and "status 429" in caught.value.message


def test_a_composer_refused_a_few_times_still_writes_the_email(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"composer": {"rate": 0.6, "kinds": ["429"], "retry_after": 1}}, seed=5)
    result = run(by_key("amara-okafor"))
    assert result.email_message and emulator_config.stats()["faults_injected"]["composer:429"] >= 1


def test_a_rejected_key_fails_the_step_as_permanent(emulator_config: EmulatorHandle) -> None:
    async def drop_credentials(request: httpx2.Request) -> None:
        for header in ("x-api-key", "authorization"):
            request.headers.pop(header, None)

    client = httpx2.AsyncClient(event_hooks={"request": [drop_credentials]})
    provider = AnthropicProvider(api_key="unused", base_url=emulator_config.url, http_client=client)
    model = AnthropicModel("claude-sonnet-4-5", provider=provider)
    with composer_agent().override(model=model), pytest.raises(PipelineError) as caught:
        run(by_key("amara-okafor"))
    assert caught.value.failed_step == "email_composer" and not caught.value.transient
    assert caught.value.error_type == "authentication" and "status 401" in caught.value.message


def test_seed_latency_end_to_end_is_the_critical_path_plus_little(emulator_config: EmulatorHandle) -> None:
    warm_up()
    emulator_config.configure(latency="seed")
    started = time.perf_counter()
    result = run(by_key("amara-okafor"))
    elapsed = time.perf_counter() - started
    critical_path = 1.2 + max(2.5 + 2.8, 0.8) + 3.1
    # Generous for a busy 2-core machine; running the searches one after another would add 2.5 s.
    assert critical_path <= elapsed < critical_path + 1.2, result.step_timings


def test_a_lab_site_on_another_domain_keeps_her_papers_and_the_title_placeholder_gets_one(
    emulator_config: EmulatorHandle,
) -> None:
    """The issue's case: department profile on cs.<university>, publications on the lab's own domain."""
    person = by_key("ines-carvalho")
    template = 'Hello Professor {{last_name}},\n\nYour paper "{{paper_title}}" is why I want to join.\n\nSam'
    result = run(person, template=template)
    titles = {paper.title for paper in person.papers}
    assert result.arxiv_papers and {paper.title for paper in result.arxiv_papers} <= titles
    assert "https://polyglot-lab.example.org/publications" in result.paper_screening.recipient_sources
    assert any(f'"{title}"' in result.email_message for title in titles), result.email_message
    assert result.is_confident, result.verification.failed


def test_a_same_field_namesakes_papers_and_pages_are_not_used(emulator_config: EmulatorHandle) -> None:
    person, other = by_key("daniel-okonkwo-privacy"), by_key("daniel-okonkwo-molecules")
    result = run(person)
    assert {p.arxiv_id for p in result.arxiv_papers} <= {p.arxiv_id for p in person.papers}
    verdicts = {v.url: v.about_recipient for v in result.paper_screening.sources}
    assert all(verdicts.get(page.url, "no") == "no" for page in other.pages)
    assert not any(fact.source_url in {page.url for page in other.pages} for fact in result.facts)
