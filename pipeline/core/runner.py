"""run_pipeline: parser, then web scraper alongside arXiv, then composer; each step timed and reported."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from config.settings import get_settings
from observability.tracing import span
from pipeline.core.errors import PipelineError
from pipeline.core.step import Step
from pipeline.identity import screen_research
from pipeline.models import STEP_NAMES, PipelineData, ProgressCallback, ProgressEvent, StepName
from pipeline.steps.arxiv_helper import ArxivHelperStep
from pipeline.steps.arxiv_helper import client as arxiv_client
from pipeline.steps.email_composer import EmailComposerStep, composer_agent
from pipeline.steps.template_parser import TemplateParserStep, parser_agent
from pipeline.steps.web_scraper import WebScraperStep, summarizer_agent
from pipeline.steps.web_scraper import search as web_search
from services import llm
from services.llm import ProviderError

log = logging.getLogger(__name__)

__all__ = ["PipelineError", "PipelineSteps", "run_pipeline", "warm_up"]


@dataclass(frozen=True, slots=True)
class PipelineSteps:
    template_parser: Step
    web_scraper: Step
    arxiv_helper: Step
    email_composer: Step


@lru_cache(maxsize=1)
def default_steps() -> PipelineSteps:
    return PipelineSteps(TemplateParserStep(), WebScraperStep(), ArxivHelperStep(), EmailComposerStep())


def warm_up() -> None:
    """Build the agents now (a worker calls this at start-up): the first build imports the provider SDKs,
    seconds of blocking work that would otherwise land inside the first email's parser step; and what
    their first requests and the first search would build (services/llm.py, web_scraper/search.py)."""
    default_steps()
    arxiv_client.warm_up()
    llm.warm_up([parser_agent(), summarizer_agent(), composer_agent()])
    web_search.warm_up()


async def run_pipeline(
    data: PipelineData, on_progress: ProgressCallback | None = None, *, steps: PipelineSteps | None = None
) -> PipelineData:
    """Write one email into `data`; raises `PipelineError` naming the failed step and whether to retry.

    `on_progress` (sync or async) gets a `ProgressEvent` whenever a step starts, completes or fails;
    an exception it raises stops the run.
    """
    steps = steps or default_steps()
    runner = _Runner(data, on_progress)
    await runner.run_step(steps.template_parser)
    if get_settings().pipeline_concurrent_steps:
        try:
            # The two research steps are independent: the critical path is max(web, arXiv), not their sum.
            async with asyncio.TaskGroup() as group:
                group.create_task(runner.run_step(steps.web_scraper))
                group.create_task(runner.run_step(steps.arxiv_helper))
        except ExceptionGroup as errors:
            raise errors.exceptions[0] from None
    else:  # the original's design, kept as the benchmark's baseline
        await runner.run_step(steps.web_scraper)
        await runner.run_step(steps.arxiv_helper)
    # Web and arXiv ran side by side; only now can their findings be judged together.
    screen_research(data)
    await runner.run_step(steps.email_composer)
    data.step_timings = {name: data.step_timings.get(name, 0.0) for name in STEP_NAMES}
    return data


class _Runner:
    def __init__(self, data: PipelineData, on_progress: ProgressCallback | None) -> None:
        self._data = data
        self._on_progress = on_progress

    async def run_step(self, step: Step) -> None:
        data = self._data
        reason = step.skip_reason(data)
        if reason is not None:
            data.step_timings[step.name] = 0.0
            data.step_notes[step.name] = reason
            return
        await self._emit(step.name, "started")
        started = time.perf_counter()
        cause: BaseException | None = None
        try:
            # One span per step (ids only, never content): the task's trace shows each step's time.
            with span("pipeline step {step}", step=step.name, queue_item_id=str(data.queue_item_id)):
                result = await step.run(data)
        except PipelineError as exc:
            error = exc
        except ProviderError as exc:
            cause = exc
            error = PipelineError(
                exc.message, failed_step=step.name, error_type=exc.kind, transient=exc.transient
            )
        except Exception as exc:
            cause = exc
            log.exception("step %s failed unexpectedly (queue item %s)", step.name, data.queue_item_id)
            error = PipelineError(
                f"{step.name} failed unexpectedly: {type(exc).__name__}: {exc}",
                failed_step=step.name,
                error_type="internal_error",
                transient=False,
            )
        else:
            data.record(step.name, result, time.perf_counter() - started)
            log.info(
                "step %s completed in %.2fs (queue item %s)",
                step.name,
                data.step_timings[step.name],
                data.queue_item_id,
            )
            await self._emit(step.name, "completed")
            return
        data.step_timings[step.name] = round(time.perf_counter() - started, 3)
        log.warning("step %s failed (%s, transient=%s)", step.name, error.error_type, error.transient)
        await self._emit(step.name, "failed", error=error.message)
        raise error from cause

    async def _emit(self, step: StepName, status: str, *, error: str | None = None) -> None:
        if self._on_progress is None:
            return
        event = ProgressEvent.model_validate(
            {"step": step, "status": status, "step_timings": dict(self._data.step_timings), "error": error}
        )
        outcome = self._on_progress(event)
        if inspect.isawaitable(outcome):
            await outcome
