"""Run every evaluation case through the real pipeline against the emulator, a few at a time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from pipeline.core.runner import PipelineError, PipelineSteps, run_pipeline
from pipeline.core.step import Step
from pipeline.models import PipelineData, StepResult
from pipeline.steps.arxiv_helper import ArxivHelperStep
from pipeline.steps.email_composer import EmailComposerStep
from pipeline.steps.template_parser import TemplateParserStep
from pipeline.steps.web_scraper import WebScraperStep
from services.emulator import EmulatorHandle
from services.emulator.rephrase import BEHAVIOURS
from tests.eval.cases import CASES, EvalCase
from tests.eval.scoring import Outcome, judge
from tests.pipeline.web import emulator_page_fetcher

CONCURRENCY = 8


@dataclass
class Run:
    case: EvalCase
    result: PipelineData
    outcome: Outcome


@dataclass
class _Snapshots(Step):
    """The composer step, keeping a copy of what it was given (the research, screened) per case."""

    composer: Step
    before: dict[int, PipelineData] = field(default_factory=dict)
    name = "email_composer"

    async def run(self, data: PipelineData) -> StepResult:
        self.before[id(data)] = data.model_copy(deep=True)
        return await self.composer.run(data)


def eval_steps(emulator_url: str, composer: Step | None = None) -> PipelineSteps:
    """The production steps; only the page fetcher's resolver maps the roster's hosts to the emulator.

    No browser: the evaluation is the same with or without Chromium (tests/pipeline cover rendering).
    """
    return PipelineSteps(
        TemplateParserStep(),
        WebScraperStep(page_fetcher=emulator_page_fetcher(emulator_url)),
        ArxivHelperStep(),
        composer or EmailComposerStep(),
    )


async def run_cases(
    emulator_url: str, cases: tuple[EvalCase, ...] = CASES, *, keep: _Snapshots | None = None
) -> list[Run]:
    steps = eval_steps(emulator_url, keep)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(case: EvalCase) -> Run:
        data = PipelineData(
            recipient_name=case.recipient_name,
            recipient_interest=case.recipient_interest,
            email_template=case.template,
        )
        async with gate:
            try:
                result = await run_pipeline(data, steps=steps)
            except PipelineError as error:  # a failed item is an evaluation failure, not a crash
                raise RuntimeError(f"{case.label}: {error.message}") from error
        return Run(case, result, judge(case, result))

    return list(await asyncio.gather(*(one(case) for case in cases)))


async def _compose_again(runs: list[Run], keep: _Snapshots) -> list[Run]:
    """Each case's email written again from the same research (the knob changes only the composer)."""
    gate = asyncio.Semaphore(CONCURRENCY)
    composer = EmailComposerStep()

    async def one(run: Run) -> Run:
        data = keep.before[id(run.result)].model_copy(deep=True)
        async with gate:
            started = time.perf_counter()
            result = await composer.run(data)
        data.record(composer.name, result, time.perf_counter() - started)
        return Run(run.case, data, judge(run.case, data))

    return list(await asyncio.gather(*(one(run) for run in runs)))


def run_behaviours(
    emulator: EmulatorHandle, cases: tuple[EvalCase, ...] = CASES, behaviours: tuple[str, ...] = BEHAVIOURS
) -> dict[str, list[Run]]:
    """The set once per composer behaviour: the whole pipeline for the first, then the composer again
    from the same research for the others (their parser, search, arXiv and summariser answers are the
    same: the knob only changes the composer). The emulator is left as it was found: verbatim."""
    runs: dict[str, list[Run]] = {}
    keep = _Snapshots(EmailComposerStep())
    try:
        for behaviour in behaviours:
            emulator.configure(composer=behaviour)
            if not runs:
                runs[behaviour] = asyncio.run(run_cases(emulator.url, cases, keep=keep))
            else:
                runs[behaviour] = asyncio.run(_compose_again(next(iter(runs.values())), keep))
    finally:
        emulator.configure(composer="verbatim")
    return runs
