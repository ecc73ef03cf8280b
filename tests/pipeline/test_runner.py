"""run_pipeline's orchestration with stand-in steps: order, concurrency, timings, progress, failures."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from pipeline.core.runner import PipelineError, PipelineSteps, run_pipeline
from pipeline.core.step import Step
from pipeline.metadata import build_email_metadata
from pipeline.models import PipelineData, ProgressEvent, StepName, StepResult, TemplateType
from pipeline.models.usage import Usage
from pipeline.steps.arxiv_helper import ArxivHelperStep
from services.llm import ProviderError


class FakeStep(Step):
    def __init__(self, name: StepName, *, seconds: float = 0.0, error: Exception | None = None) -> None:
        self.name = name  # type: ignore[misc]
        self._seconds = seconds
        self._error = error

    async def run(self, data: PipelineData) -> StepResult:
        await asyncio.sleep(self._seconds)
        if self._error is not None:
            raise self._error
        if self.name == "template_parser":
            data.template_type = TemplateType.RESEARCH
        if self.name == "email_composer":
            data.email_message = "Dear Jane Smith"
        return StepResult(
            model=f"test:{self.name}", usage=Usage(input_tokens=10, output_tokens=5, requests=1)
        )


class SkippedArxiv(ArxivHelperStep):
    def skip_reason(self, data: PipelineData) -> str | None:
        return "skipped: not a research template"


def steps(**overrides: Step) -> PipelineSteps:
    chosen: dict[str, Step] = {
        "template_parser": FakeStep("template_parser"),
        "web_scraper": FakeStep("web_scraper"),
        "arxiv_helper": FakeStep("arxiv_helper"),
        "email_composer": FakeStep("email_composer"),
    }
    chosen.update(overrides)
    return PipelineSteps(**chosen)


def item() -> PipelineData:
    return PipelineData(recipient_name="Jane Smith", recipient_interest="x", email_template="Dear {{name}}")


def test_steps_run_in_order_and_report_progress_with_timings() -> None:
    events: list[ProgressEvent] = []
    result = asyncio.run(run_pipeline(item(), events.append, steps=steps()))
    assert [(e.step, e.status) for e in events][:2] == [
        ("template_parser", "started"),
        ("template_parser", "completed"),
    ]
    assert [(e.step, e.status) for e in events][-2:] == [
        ("email_composer", "started"),
        ("email_composer", "completed"),
    ]
    assert len(events) == 8
    assert set(events[1].step_timings) == {"template_parser"}
    assert list(result.step_timings) == ["template_parser", "web_scraper", "arxiv_helper", "email_composer"]
    assert result.models["email_composer"] == "test:email_composer"


def test_web_scraper_and_arxiv_run_at_the_same_time() -> None:
    slow = {name: FakeStep(name, seconds=0.3) for name in ("web_scraper", "arxiv_helper")}
    started = time.perf_counter()
    result = asyncio.run(run_pipeline(item(), steps=steps(**slow)))
    elapsed = time.perf_counter() - started
    assert result.step_timings["web_scraper"] >= 0.3 and result.step_timings["arxiv_helper"] >= 0.3
    assert elapsed < 0.55


def test_a_skipped_arxiv_step_records_zero_and_a_note() -> None:
    events: list[ProgressEvent] = []
    result = asyncio.run(run_pipeline(item(), events.append, steps=steps(arxiv_helper=SkippedArxiv())))
    assert result.step_timings["arxiv_helper"] == 0.0
    assert result.step_notes["arxiv_helper"].startswith("skipped")
    assert all(event.step != "arxiv_helper" for event in events)


def test_an_async_progress_callback_is_awaited() -> None:
    seen: list[str] = []

    async def publish(event: ProgressEvent) -> None:
        await asyncio.sleep(0)
        seen.append(f"{event.step}:{event.status}")

    asyncio.run(run_pipeline(item(), publish, steps=steps()))
    assert seen[0] == "template_parser:started" and len(seen) == 8


@pytest.mark.parametrize("transient", [True, False])
def test_a_provider_failure_names_the_step_and_whether_to_retry(transient: bool) -> None:
    failure = ProviderError("composer failed (status 529)", kind="overloaded", transient=transient, model="m")
    events: list[ProgressEvent] = []
    with pytest.raises(PipelineError) as caught:
        asyncio.run(
            run_pipeline(
                item(), events.append, steps=steps(email_composer=FakeStep("email_composer", error=failure))
            )
        )
    error = caught.value
    assert (error.failed_step, error.error_type, error.transient) == (
        "email_composer",
        "overloaded",
        transient,
    )
    assert error.as_dict()["message"] == "composer failed (status 529)"
    assert events[-1].status == "failed" and events[-1].error == error.message


def test_a_failure_in_a_parallel_step_stops_the_run() -> None:
    failure = ProviderError("summariser down", kind="server_error", transient=True, model="m")
    composer = FakeStep("email_composer")
    with pytest.raises(PipelineError) as caught:
        asyncio.run(
            run_pipeline(
                item(),
                steps=steps(web_scraper=FakeStep("web_scraper", error=failure), email_composer=composer),
            )
        )
    assert caught.value.failed_step == "web_scraper" and caught.value.transient


def test_an_unexpected_bug_is_a_permanent_internal_error() -> None:
    with pytest.raises(PipelineError) as caught:
        asyncio.run(
            run_pipeline(
                item(), steps=steps(template_parser=FakeStep("template_parser", error=KeyError("k")))
            )
        )
    assert caught.value.error_type == "internal_error" and not caught.value.transient
    assert "KeyError" in caught.value.message


def test_metadata_has_every_documented_key_and_is_json() -> None:
    result = asyncio.run(run_pipeline(item(), steps=steps(arxiv_helper=SkippedArxiv())))
    metadata = build_email_metadata(result)
    json.dumps(metadata)
    for key in (
        "search_terms",
        "template_type",
        "scraped_urls",
        "sources",
        "arxiv_papers",
        "step_timings",
        "model",
        "usage",
        "verification",
        "scraping_metadata",
    ):
        assert key in metadata
    assert set(metadata["step_timings"]) == {
        "template_parser",
        "web_scraper",
        "arxiv_helper",
        "email_composer",
    }
    assert metadata["usage"]["total"] == {"input_tokens": 30, "output_tokens": 15, "requests": 3}
    assert set(metadata["verification"]) >= {"checks", "failed", "retried"}
    assert set(metadata["scraping_metadata"]) == {"queries", "result_counts", "fetched_pages", "warnings"}
