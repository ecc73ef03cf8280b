"""Provider budgets and 429s through the real SDKs against the emulator's rate rules.

With a budget set to the account's limit, nothing is refused; without one, refusals slow the
callers down and every call still ends with an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis
from exa_py import AsyncExa
from pydantic_ai import Agent

from config.settings import get_settings
from pipeline.steps.web_scraper.search import search_sources
from services.emulator import EmulatorHandle
from services.limits.gate import gate_for
from services.limits.shared import PREFIX
from services.llm import build_model, run_agent
from tests.conftest import TEST_REDIS_URL
from tests.emulator.models import ParsedTemplate

PARSER_PROMPT = "<template>\nHi {{name}}, I loved {{research}}\n</template>"
RPM_RULE = {"anthropic": {"requests_per_minute": 240, "burst_seconds": 2}}
ITPM_RULE = {"anthropic": {"input_tokens_per_minute": 12_000, "burst_seconds": 4}}


@pytest.fixture
def fresh_gates() -> Iterator[None]:
    """Gates built from this test's settings, with no budget or cool-down left by another test."""

    def forget() -> None:
        gate_for.cache_clear()
        if TEST_REDIS_URL:
            with redis.Redis.from_url(TEST_REDIS_URL) as client:
                for pattern in (f"{PREFIX}:spacing:*", f"{PREFIX}:cooldown:*"):
                    for key in client.scan_iter(match=pattern, count=500):
                        client.delete(key)

    forget()
    yield
    forget()


def parse_templates(count: int) -> list[object]:
    async def all_at_once() -> list[object]:
        agent = Agent(build_model("anthropic:claude-haiku-4-5"), output_type=ParsedTemplate)
        runs = [run_agent(agent, PARSER_PROMPT) for _ in range(count)]
        return [outcome.output for outcome in await asyncio.gather(*runs)]

    return asyncio.run(all_at_once())


def two_searches(url: str) -> tuple[int, list[str]]:
    async def search() -> tuple[int, list[str]]:
        async with AsyncExa("k", api_base=url) as exa:
            _ = exa.client  # built before the first search, as the scraper's exa_client() does
            queries = {"background": "Amara Okafor position", "publications": "Amara Okafor papers"}
            sources, _, warnings = await search_sources(exa, queries)
            return len(sources), warnings

    return asyncio.run(search())


@pytest.mark.usefixtures("fresh_gates")
def test_with_the_accounts_rpm_set_no_call_is_refused(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 240 a minute, the bucket holding 2 s of it (8 requests): 16 calls at once would overflow it.
    emulator_config.configure(rules=RPM_RULE)
    monkeypatch.setattr(get_settings(), "anthropic_rpm", 240)
    assert len(parse_templates(16)) == 16
    assert emulator_config.stats()["breaches"] == {}


@pytest.mark.usefixtures("fresh_gates")
def test_without_a_budget_refusals_slow_the_calls_down_and_none_fails(
    emulator_config: EmulatorHandle,
) -> None:
    emulator_config.configure(rules=RPM_RULE)
    assert len(parse_templates(16)) == 16
    stats = emulator_config.stats()
    refused = stats["breaches"].get("anthropic_rpm", 0)
    assert 1 <= refused < stats["calls"]["parser"]  # refused, waited, answered: no storm of retries


@pytest.mark.usefixtures("fresh_gates")
def test_an_input_token_budget_keeps_big_prompts_under_the_limit(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 12 000 input tokens a minute, 4 s of it in the bucket (800 tokens): a parser prompt is ~130
    # tokens, so 12 calls at once overflow it.
    emulator_config.configure(rules=ITPM_RULE)
    monkeypatch.setattr(get_settings(), "anthropic_input_tpm", 12_000)
    assert len(parse_templates(12)) == 12
    assert emulator_config.stats()["breaches"] == {}


@pytest.mark.usefixtures("fresh_gates")
def test_exa_refusals_are_waited_out_and_searched_again(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(rules={"exa": {"requests_per_second": 1}})
    found, warnings = two_searches(emulator_config.url)
    assert found and warnings == []
    assert emulator_config.stats()["breaches"] == {"exa_rps": 1}


@pytest.mark.usefixtures("fresh_gates")
def test_with_exa_rps_set_no_search_is_refused(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator_config.configure(rules={"exa": {"requests_per_second": 1}})
    monkeypatch.setattr(get_settings(), "exa_rps", 1)
    found, warnings = two_searches(emulator_config.url)
    assert found and warnings == []
    assert emulator_config.stats()["breaches"] == {}
