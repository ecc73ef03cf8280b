"""The web step against the emulator's web: thin results fetched (static or with Chromium), search
outages and empty searches degrading to honest emails, arXiv outages to emails from web facts."""

from __future__ import annotations

import asyncio
import os

import pytest

from pipeline.core.runner import PipelineSteps, run_pipeline
from pipeline.metadata import build_email_metadata
from pipeline.models import PipelineData
from pipeline.steps.arxiv_helper import ArxivHelperStep
from pipeline.steps.email_composer import EmailComposerStep
from pipeline.steps.template_parser import TemplateParserStep
from pipeline.steps.web_scraper import WebScraperStep
from services.emulator import EmulatorHandle
from services.emulator.roster import Person, by_key
from services.page_fetch import SharedBrowser
from tests.pipeline.web import emulator_page_fetcher

RESEARCH = (
    "Dear {{name}},\n\nI recently read your paper {{research}} and would love to learn more "
    "about your lab.\n\nBest regards,\nSam"
)
GENERAL = "Hi {{name}},\n\nI am a student interested in {{interest}}. {{fact}}\n\nThanks,\nSam"
CHROMIUM = "/usr/bin/chromium"


def run(
    emulator: EmulatorHandle,
    person: Person,
    *,
    template: str = RESEARCH,
    browser: SharedBrowser | None = None,
) -> PipelineData:
    steps = PipelineSteps(
        TemplateParserStep(),
        WebScraperStep(page_fetcher=emulator_page_fetcher(emulator.url, browser=browser)),
        ArxivHelperStep(),
        EmailComposerStep(),
    )
    data = PipelineData(
        recipient_name=person.request_name, recipient_interest=person.interest, email_template=template
    )

    async def go() -> PipelineData:
        try:
            return await run_pipeline(data, steps=steps)
        finally:
            if browser is not None:
                await browser.aclose()

    return asyncio.run(go())


def uses_a_fact(result: PipelineData) -> bool:
    return any(fact.text.rstrip(".") in result.email_message for fact in result.facts)


def test_a_thin_search_result_is_fetched_and_its_facts_used(emulator_config: EmulatorHandle) -> None:
    person = by_key("aurelio-bianchi")
    result = run(emulator_config, person, template=GENERAL)
    fetched = [page for page in result.scraping.fetched_pages if page.outcome == "static"]
    assert fetched, result.scraping.fetched_pages
    assert any(fact.text in person.facts for fact in result.facts)
    assert uses_a_fact(result), result.email_message
    assert result.is_confident, result.verification.failed


@pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (CI: .ci/run installs it)"
)
def test_a_javascript_profile_is_rendered_by_chromium(emulator_config: EmulatorHandle) -> None:
    person = by_key("greta-sundberg")
    result = run(emulator_config, person, template=GENERAL, browser=SharedBrowser(CHROMIUM, timeout=20.0))
    assert "browser" in [page.outcome for page in result.scraping.fetched_pages]
    assert any(fact.text in person.facts for fact in result.facts)
    assert result.is_confident, result.verification.failed


def test_without_chromium_a_javascript_profile_still_gives_an_email(emulator_config: EmulatorHandle) -> None:
    person = by_key("greta-sundberg")
    browser = SharedBrowser("/nonexistent/chromium")
    result = run(emulator_config, person, browser=browser)
    assert "browser" not in [page.outcome for page in result.scraping.fetched_pages]
    assert any(paper.title in result.email_message for paper in person.papers)
    assert result.is_confident, result.verification.failed


def test_an_empty_search_gives_an_honest_general_email_that_is_not_confident(
    emulator_config: EmulatorHandle,
) -> None:
    result = run(emulator_config, by_key("quentin-vasquez-hale"))
    assert result.sources == [] and result.email_message and "{{" not in result.email_message
    assert not result.is_confident
    assert "web search found no sources about the recipient" in result.scraping.warnings
    verification = build_email_metadata(result)["verification"]
    assert "grounded" in verification["failed"]


def test_a_search_outage_gives_an_email_that_is_not_confident_and_says_why(
    emulator_config: EmulatorHandle,
) -> None:
    emulator_config.configure(faults={"exa_search": {"rate": 1.0, "kinds": ["500"]}})
    result = run(emulator_config, by_key("quentin-vasquez-hale"), template=GENERAL)
    assert result.email_message and "{{" not in result.email_message and not result.is_confident
    metadata = build_email_metadata(result)
    assert metadata["verification"]["failed"] == ["research_found"]
    reason = next(c["detail"] for c in metadata["verification"]["checks"] if c["name"] == "research_found")
    assert "web search 'background' failed" in reason


def test_an_arxiv_outage_gives_a_research_email_from_web_facts(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"arxiv": {"rate": 1.0, "kinds": ["500"]}})
    person = by_key("henrik-lindqvist")
    template = "Dear {{name}},\n\nI read about your research: {{research_highlight}}.\n\nBest,\nSam"
    result = run(emulator_config, person, template=template)
    assert result.template_type == "research" and result.arxiv_papers == []
    assert uses_a_fact(result), result.email_message
    assert result.is_confident, result.verification.failed
