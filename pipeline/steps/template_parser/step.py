"""Step 1: classify the template, plan the searches, list the placeholders."""

from __future__ import annotations

import re

from pydantic_ai import Agent

from config.settings import get_settings
from pipeline.core.errors import PipelineError
from pipeline.core.step import Step
from pipeline.models import PipelineData, StepResult, TemplateType
from pipeline.steps.template_parser.output import ParsedTemplate
from pipeline.steps.template_parser.prompt import INSTRUCTIONS, build_prompt
from pipeline.template_fit import unsupported_placeholders, unsupported_placeholders_message
from services.llm import build_agent, run_agent

PLACEHOLDER = re.compile(r"{{\s*([^{}]*?)\s*}}")
MAX_QUERIES = 3
MAX_QUERY_CHARS = 200


def parser_agent() -> Agent[None, ParsedTemplate]:
    return build_agent(get_settings().template_parser_model, ParsedTemplate, INSTRUCTIONS, max_tokens=1024)


def template_placeholders(template: str) -> list[str]:
    """Placeholder names in order of first appearance: `{{ name }}` -> `name`."""
    return list(dict.fromkeys(name for name in PLACEHOLDER.findall(template) if name))


def clean_queries(queries: list[str], *, fallback: str) -> list[str]:
    """Trimmed, non-empty, unique, at most three queries; the fallback when the model gave none."""
    cleaned = [" ".join(query.split())[:MAX_QUERY_CHARS] for query in queries]
    unique = list(dict.fromkeys(query for query in cleaned if query))
    return unique[:MAX_QUERIES] or [" ".join(fallback.split())]


def merge_placeholders(template: str, from_model: list[str]) -> list[str]:
    """What the regex finds is always kept; the model's names are added (braces and spaces stripped)."""
    names = template_placeholders(template)
    extra = [name.strip().strip("{}").strip() for name in from_model]
    return list(dict.fromkeys([*names, *(name for name in extra if name)]))


class TemplateParserStep(Step):
    name = "template_parser"

    async def run(self, data: PipelineData) -> StepResult:
        unsupported = unsupported_placeholders(data.email_template)
        if unsupported:
            # Filling {{these}} but not [these] would send a half-filled email: refuse before any call.
            raise PipelineError(
                unsupported_placeholders_message(unsupported),
                failed_step=self.name,
                error_type="invalid_template",
                transient=False,
            )
        outcome = await run_agent(
            parser_agent(),
            build_prompt(
                template=data.email_template,
                recipient_name=data.recipient_name,
                recipient_interest=data.recipient_interest,
            ),
        )
        parsed = outcome.output
        data.template_type = TemplateType(parsed.template_type)
        data.search_queries = clean_queries(
            parsed.search_queries, fallback=f"{data.recipient_name} {data.recipient_interest}"
        )
        data.placeholders = merge_placeholders(data.email_template, parsed.placeholders)
        return StepResult(model=outcome.model, usage=outcome.usage)
