"""Run every evaluation case through the real pipeline against the emulator, a few at a time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pipeline.core.runner import PipelineError, PipelineSteps, run_pipeline
from pipeline.models import PipelineData
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


def eval_steps(emulator_url: str) -> PipelineSteps:
    """The production steps; only the page fetcher's resolver maps the roster's hosts to the emulator.

    No browser: the evaluation is the same with or without Chromium (tests/pipeline cover rendering).
    """
    return PipelineSteps(
        TemplateParserStep(),
        WebScraperStep(page_fetcher=emulator_page_fetcher(emulator_url)),
        ArxivHelperStep(),
        EmailComposerStep(),
    )


async def run_cases(emulator_url: str, cases: tuple[EvalCase, ...] = CASES) -> list[Run]:
    steps = eval_steps(emulator_url)
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


def run_behaviours(
    emulator: EmulatorHandle, cases: tuple[EvalCase, ...] = CASES, behaviours: tuple[str, ...] = BEHAVIOURS
) -> dict[str, list[Run]]:
    """The whole set once per composer behaviour (the emulator is left as it was found: verbatim)."""
    runs: dict[str, list[Run]] = {}
    try:
        for behaviour in behaviours:
            emulator.configure(composer=behaviour)
            runs[behaviour] = asyncio.run(run_cases(emulator.url, cases))
    finally:
        emulator.configure(composer="verbatim")
    return runs
