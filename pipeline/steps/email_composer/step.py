"""Step 4: fill the template from the verified research, check the draft in code, retry once."""

from __future__ import annotations

import logging

from pydantic_ai import Agent

from config.settings import get_settings
from pipeline.core.step import Step
from pipeline.models import PipelineData, StepResult, Verification, VerificationCheck
from pipeline.namesakes import screen_papers
from pipeline.steps.email_composer.output import ComposedEmail
from pipeline.steps.email_composer.prompt import INSTRUCTIONS, build_prompt
from pipeline.template_fit import PLACEHOLDER, TEMPLATE_KEPT, check_template_kept, rebuild
from pipeline.verification import (
    Evidence,
    check_ai_tells,
    check_links,
    check_titles,
    verify,
    worth_retrying,
)
from services.llm import AgentOutcome, ProviderError, build_agent, run_agent

log = logging.getLogger(__name__)

# Failures a repair in code can remove: text outside the template, and bad or missing placeholder values.
REPAIRABLE = frozenset(
    {TEMPLATE_KEPT, "placeholders_filled", "titles_verified", "links_verified", "no_ai_tells"}
)


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
        problems=[*data.scraping.warnings, *data.warnings],
    )


def repair(email: str, evidence: Evidence) -> tuple[str, list[str]]:
    """The template refilled with the draft's acceptable values; anything else filled in code."""

    def acceptable(value: str) -> bool:
        checks = [check_titles(value, evidence), check_links(value, evidence)]
        checks.append(check_ai_tells(value, evidence.template))
        return all(check.passed for check in checks) and not PLACEHOLDER.search(value)

    kept = check_template_kept(email, evidence.template)
    rebuilt, notes = rebuild(
        email,
        evidence.template,
        recipient_name=evidence.recipient_name,
        recipient_interest=evidence.recipient_interest,
        acceptable=acceptable,
    )
    if not kept.passed:
        notes.insert(0, "removed text that is not in the template")
    return rebuilt, notes


class EmailComposerStep(Step):
    name = "email_composer"

    async def run(self, data: PipelineData) -> StepResult:
        # Web and arXiv ran side by side; only now can the web's findings judge arXiv's namesakes.
        data.arxiv_papers, data.paper_screening = screen_papers(
            data.arxiv_papers,
            sources=data.sources,
            facts=data.facts,
            name=data.recipient_name,
            interest=data.recipient_interest,
        )
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
        email = draft.email.strip()
        if any(check.name in REPAIRABLE for check in checks if not check.passed):
            # What the retry did not fix is not sent as the model wrote it: the student's template,
            # refilled with the values that pass, is (never confident).
            failed = describe_failures(checks)
            email, repairs = repair(email, evidence)
            checks = verify(
                email,
                used_paper_ids=draft.used_paper_ids,
                used_source_urls=draft.used_source_urls,
                evidence=evidence,
            )
            detail = "; ".join([f"draft failed {item}" for item in failed] + repairs)
            checks.append(VerificationCheck(name="draft_repaired", passed=False, detail=detail))
        data.email_message = email
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
