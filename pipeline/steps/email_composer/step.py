"""Step 4: the model chooses a value per placeholder, code puts them into the student's template and
checks each one; failed values get one corrective retry that names them, and what still fails is
filled in code with a true value and leaves the email not confident, with the reason."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import Agent

from config.settings import get_settings
from pipeline.core.step import Step
from pipeline.models import FilledValue, PipelineData, StepResult, Verification, VerificationCheck
from pipeline.steps.email_composer.assembly import Assembled, assemble
from pipeline.steps.email_composer.checks import check_value, known_works
from pipeline.steps.email_composer.output import ComposedValues
from pipeline.steps.email_composer.prompt import INSTRUCTIONS, build_prompt
from pipeline.template_fit import Placeholder, placeholder_key, template_placeholders
from pipeline.text import fold, normalise_name
from pipeline.verification import (
    Evidence,
    check_cited_papers,
    check_cited_sources,
    check_grounded,
    check_placeholders,
    check_research_found,
)
from services.llm import AgentOutcome, ProviderError, build_agent, run_agent

log = logging.getLogger(__name__)

_LOWERCASE_WORD = re.compile(r"(?<![\w'])[a-z][a-z'-]*")
FILLED_IN_CODE = "values_filled_in_code"


def composer_agent() -> Agent[None, ComposedValues]:
    return build_agent(get_settings().email_composer_model, ComposedValues, INSTRUCTIONS, max_tokens=4096)


def evidence_of(data: PipelineData) -> Evidence:
    return Evidence(
        template=data.email_template,
        recipient_name=data.recipient_name,
        recipient_interest=data.recipient_interest,
        template_type=data.template_type,
        sources=data.recipient_sources,
        facts=data.facts,
        papers=data.arxiv_papers,
        problems=[*data.scraping.warnings, *data.warnings],
    )


def lowercase_words(evidence: Evidence) -> set[str]:
    """Words the research and the student write in lower case: plain words, not names."""
    texts = [evidence.template, evidence.recipient_interest, *(fact.text for fact in evidence.facts)]
    texts += [paper.summary for paper in evidence.papers]
    return {fold(word) for text in texts for word in _LOWERCASE_WORD.findall(text)}


def read_values(output: ComposedValues, placeholders: list[Placeholder]) -> dict[str, str]:
    """The model's value per placeholder key; unknown names are ignored, the first value of a name wins."""
    wanted = {placeholder.key for placeholder in placeholders}
    values: dict[str, str] = {}
    for item in output.values:
        key = placeholder_key(item.placeholder)
        if key in wanted:
            values.setdefault(key, item.value)
    return values


def fallback_value(placeholder: Placeholder, evidence: Evidence) -> str:
    """A true value for a placeholder the model could not fill: the name, a found title, a fact or
    the interest."""
    name = normalise_name(evidence.recipient_name).split() or [evidence.recipient_name.strip()]
    if placeholder.kind == "first_name":
        return name[0]
    if placeholder.kind == "last_name":
        return name[-1]
    if placeholder.kind == "name":
        return " ".join(name)
    if placeholder.kind in ("title", "work") and evidence.papers:
        return evidence.papers[0].title
    if placeholder.kind == "sentence" and evidence.facts:
        return evidence.facts[0].text
    return evidence.recipient_interest.strip()


@dataclass
class _Draft:
    """The values so far, where each came from, the email they make, and what fails."""

    values: dict[str, str]
    origins: dict[str, str]
    used_paper_ids: list[str] = field(default_factory=list)
    used_source_urls: list[str] = field(default_factory=list)
    assembled: Assembled = field(default_factory=lambda: Assembled(email=""))
    failures: dict[str, list[VerificationCheck]] = field(default_factory=dict)
    email_checks: list[VerificationCheck] = field(default_factory=list)

    @property
    def failed_keys(self) -> list[str]:
        return [key for key, failed in self.failures.items() if failed]


class EmailComposerStep(Step):
    name = "email_composer"

    async def run(self, data: PipelineData) -> StepResult:
        evidence = evidence_of(data)
        placeholders = template_placeholders(data.email_template)
        words = lowercase_words(evidence)
        first = await self._compose(data, placeholders, failed_values=None)
        draft = _Draft(values=read_values(first.output, placeholders), origins={})
        draft.origins = {key: "model" for key in draft.values}
        draft.used_paper_ids, draft.used_source_urls = (
            first.output.used_paper_ids,
            first.output.used_source_urls,
        )
        _check(draft, placeholders, evidence, words)
        usage, retried, note = first.usage, False, None
        retry = _to_retry(draft, placeholders, evidence)
        if retry:
            retried = True
            try:
                second = await self._compose(data, placeholders, failed_values=_describe(draft, retry))
            except ProviderError as exc:
                # The first values stand (the failed ones are filled in code); a blip on the retry
                # should not discard them.
                log.warning("corrective retry failed: %s", exc.kind)
                note = f"corrective retry failed ({exc.kind}); first values kept"
                data.warn(note)
            else:
                usage = usage + second.usage
                _take_retry(draft, read_values(second.output, placeholders), retry, second.output)
                _check(draft, placeholders, evidence, words)
        checks = _finish(draft, placeholders, evidence, words)
        data.email_message = draft.assembled.email
        data.used_source_urls = draft.used_source_urls
        data.used_paper_ids = draft.used_paper_ids
        data.verification = Verification(
            checks=checks,
            retried=retried,
            values=[
                FilledValue(
                    placeholder=p.text,
                    value=draft.assembled.values.get(p.key, ""),
                    origin=draft.origins[p.key],
                )
                for p in placeholders
            ],
            seams=draft.assembled.notes,
        )
        data.is_confident = data.verification.passed
        return StepResult(model=first.model, usage=usage, note=note)

    async def _compose(
        self,
        data: PipelineData,
        placeholders: list[Placeholder],
        *,
        failed_values: list[dict[str, Any]] | None,
    ) -> AgentOutcome[ComposedValues]:
        return await run_agent(
            composer_agent(),
            build_prompt(
                template=data.email_template,
                placeholders=placeholders,
                recipient_name=data.recipient_name,
                recipient_interest=data.recipient_interest,
                template_type=data.template_type,
                facts=data.facts,
                papers=data.arxiv_papers,
                sources=data.recipient_sources,
                failed_values=failed_values,
            ),
        )


def _check(draft: _Draft, placeholders: list[Placeholder], evidence: Evidence, words: set[str]) -> None:
    draft.assembled = assemble(evidence.template, placeholders, draft.values, lowercase_words=words)
    draft.failures = {
        p.key: check_value(
            p, draft.assembled.values.get(p.key, ""), evidence, cut=draft.assembled.cut.get(p.key, "")
        )
        for p in placeholders
    }
    values_text = "\n".join(draft.assembled.values.values())
    fact_urls = [fact.source_url for fact in evidence.facts]
    draft.email_checks = [
        check_cited_papers(draft.used_paper_ids, evidence.papers),
        check_cited_sources(draft.used_source_urls, evidence),
        check_research_found(evidence),
    ]
    if evidence.template_type in ("research", "book"):
        draft.email_checks.append(check_grounded(values_text, fact_urls, evidence))


def _to_retry(draft: _Draft, placeholders: list[Placeholder], evidence: Evidence) -> list[str]:
    """Placeholders worth a corrective retry: the failed values, and, when the email cites none of the
    research found, every value that could carry it."""
    by_key = {p.key: p for p in placeholders}
    # A title nobody found cannot be named on a second try either.
    nothing_to_name = not known_works(evidence)
    keys = [
        key
        for key in draft.failed_keys
        if not (nothing_to_name and by_key[key].kind == "title" and _only_titles(draft.failures[key]))
    ]
    ungrounded = any(c.name == "grounded" and not c.passed for c in draft.email_checks)
    if ungrounded and (evidence.facts or evidence.papers):
        keys += [p.key for p in placeholders if p.kind not in ("name", "first_name", "last_name")]
    if any(c.name.startswith("cited_") and not c.passed for c in draft.email_checks) and not keys:
        keys = [p.key for p in placeholders]
    return list(dict.fromkeys(keys))


def _only_titles(failures: list[VerificationCheck]) -> bool:
    return all(check.name in ("titles_verified", "grounded") for check in failures)


def _describe(draft: _Draft, keys: list[str]) -> list[dict[str, Any]]:
    by_key = {key: failures for key, failures in draft.failures.items()}
    problems = [
        f"{c.name}: {c.detail}" for c in draft.email_checks if not c.passed and c.name != "research_found"
    ]
    return [
        {
            "placeholder": key,
            "value": draft.assembled.values.get(key, ""),
            "failed": [f"{c.name}: {c.detail}" for c in by_key.get(key, [])] or problems,
        }
        for key in keys
    ]


def _take_retry(draft: _Draft, values: dict[str, str], keys: list[str], output: ComposedValues) -> None:
    for key in keys:
        if key in values:
            draft.values[key] = values[key]
            draft.origins[key] = "corrective retry"
    draft.used_paper_ids = list(dict.fromkeys([*draft.used_paper_ids, *output.used_paper_ids]))
    draft.used_source_urls = list(dict.fromkeys([*draft.used_source_urls, *output.used_source_urls]))


def _finish(
    draft: _Draft, placeholders: list[Placeholder], evidence: Evidence, words: set[str]
) -> list[VerificationCheck]:
    """Fill what still fails in code and return every check: the model's failures stay failed."""
    failed = [check for key in draft.failed_keys for check in draft.failures[key]]
    filled = []
    for placeholder in placeholders:
        if draft.failures.get(placeholder.key):
            draft.values[placeholder.key] = fallback_value(placeholder, evidence)
            draft.origins[placeholder.key] = "filled in code"
            filled.append(placeholder.text)
    if filled:
        draft.assembled = assemble(evidence.template, placeholders, draft.values, lowercase_words=words)
    names = ["placeholders_filled", "recipient_named", "titles_verified", "links_verified", "no_ai_tells"]
    names += ["no_instructions"]
    checks = [
        VerificationCheck(
            name=name,
            passed=not any(c.name == name for c in failed),
            detail="; ".join(c.detail for c in failed if c.name == name),
        )
        for name in names
    ]
    value_grounding = [c for c in failed if c.name == "grounded"]
    email_level = draft.email_checks
    if value_grounding:
        email_level = [c for c in email_level if c.name != "grounded"]
        email_level.append(
            VerificationCheck(
                name="grounded", passed=False, detail="; ".join(c.detail for c in value_grounding)
            )
        )
    checks += email_level
    placeholders_left = check_placeholders(draft.assembled.email)
    if not placeholders_left.passed:
        checks.append(placeholders_left)
    if filled:
        detail = "the model's values failed the checks above; filled in code: " + ", ".join(filled)
        checks.append(VerificationCheck(name=FILLED_IN_CODE, passed=False, detail=detail))
    return checks
