"""Step 4: fill the template from the verified research, check the draft in code, retry once."""

from __future__ import annotations

import logging

from pydantic_ai import Agent

from config.settings import get_settings
from pipeline.core.step import Step
from pipeline.models import PipelineData, StepResult, Verification, VerificationCheck
from pipeline.steps.email_composer.output import ComposedEmail
from pipeline.steps.email_composer.prompt import INSTRUCTIONS, build_prompt
from pipeline.verification import Evidence, verify, worth_retrying
from services.llm import AgentOutcome, ProviderError, build_agent, run_agent

log = logging.getLogger(__name__)


def composer_agent() -> Agent[None, ComposedEmail]:
    return build_agent(get_settings().email_composer_model, ComposedEmail, INSTRUCTIONS, max_tokens=4096)


def describe_failures(checks: list[VerificationCheck]) -> list[str]:
    return [
        f"{check.name}: {check.detail}" if check.detail else check.name
        for check in checks
        if not check.passed
    ]


def evidence_of(data: PipelineData) -> Evidence:
    return Evidence(
        template=data.email_template,
        recipient_name=data.recipient_name,
        recipient_interest=data.recipient_interest,
        template_type=data.template_type,
        sources=data.sources,
        facts=data.facts,
        papers=data.arxiv_papers,
    )


class EmailComposerStep(Step):
    name = "email_composer"

    async def run(self, data: PipelineData) -> StepResult:
        evidence = evidence_of(data)
        first = await self._compose(data, failed_checks=None)
        draft, checks = first.output, self._verify(first.output, evidence)
        usage, retried, note = first.usage, False, None
        if worth_retrying(checks, evidence):
            retried = True
            try:
                second = await self._compose(data, failed_checks=describe_failures(checks))
            except ProviderError as exc:
                # The first draft stands (not confident); a blip on the retry should not discard it.
                log.warning("corrective retry failed: %s", exc.kind)
                note = f"corrective retry failed ({exc.kind}); first draft kept"
                data.warn(note)
            else:
                usage = usage + second.usage
                second_checks = self._verify(second.output, evidence)
                if _failures(second_checks) <= _failures(checks):
                    draft, checks = second.output, second_checks
        data.email_message = draft.email.strip()
        data.used_source_urls = draft.used_source_urls
        data.used_paper_ids = draft.used_paper_ids
        data.verification = Verification(checks=checks, retried=retried)
        data.is_confident = data.verification.passed
        return StepResult(model=first.model, usage=usage, note=note)

    async def _compose(
        self, data: PipelineData, *, failed_checks: list[str] | None
    ) -> AgentOutcome[ComposedEmail]:
        return await run_agent(
            composer_agent(),
            build_prompt(
                template=data.email_template,
                recipient_name=data.recipient_name,
                recipient_interest=data.recipient_interest,
                template_type=data.template_type,
                facts=data.facts,
                papers=data.arxiv_papers,
                sources=data.sources,
                failed_checks=failed_checks,
            ),
        )

    @staticmethod
    def _verify(draft: ComposedEmail, evidence: Evidence) -> list[VerificationCheck]:
        return verify(
            draft.email,
            used_paper_ids=draft.used_paper_ids,
            used_source_urls=draft.used_source_urls,
            evidence=evidence,
        )


def _failures(checks: list[VerificationCheck]) -> int:
    return sum(not check.passed for check in checks)
