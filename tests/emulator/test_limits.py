"""The providers' rate rules in the emulator: enforced as each provider does, breaches counted."""

from __future__ import annotations

import asyncio

import anthropic
import httpx
import pytest
from exa_py import AsyncExa
from pydantic_ai.exceptions import ModelRateLimitError

from services.emulator import EmulatorHandle
from services.emulator.limits import ProviderRules, TokenBucket
from tests.emulator.llm import JSON_MODE, agent
from tests.emulator.models import ParsedTemplate

PARSER_PROMPT = "<template>\nHi {{name}}\n</template>"


def _message(client: anthropic.Anthropic) -> anthropic.types.Message:
    return client.messages.create(
        model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": "hello"}]
    )


def test_a_bucket_refills_continuously_and_says_how_long_to_wait() -> None:
    bucket = TokenBucket(rate=0.5, capacity=2, now=0.0)
    assert bucket.wait(1, now=0.0) == 0
    bucket.take(1)
    bucket.take(1)
    assert bucket.wait(1, now=0.0) == pytest.approx(2.0)
    assert bucket.wait(1, now=1.0) == pytest.approx(1.0)  # half a token came back in a second
    assert bucket.wait(1, now=100.0) == 0 and bucket.tokens == 2  # never above capacity


@pytest.mark.parametrize(
    "raw",
    [
        {"openai": {}},
        {"arxiv": {"interval": 3}},
        {"anthropic": {"requests_per_minute": 0}},
        {"arxiv": {"connections": 0}},
    ],
)
def test_unknown_or_impossible_rules_are_refused(raw: dict[str, dict[str, float]]) -> None:
    with pytest.raises(ValueError):
        ProviderRules.parse(raw)


def test_arxiv_requests_closer_than_the_interval_are_counted_as_breaches(
    emulator_config: EmulatorHandle,
) -> None:
    emulator_config.configure(rules={"arxiv": {"interval_seconds": 60}})
    with httpx.Client(base_url=emulator_config.url) as client:
        for _ in range(3):
            assert client.get("/api/query", params={"search_query": "au:Okafor"}).status_code == 200
    stats = emulator_config.stats()
    assert stats["breaches"] == {"arxiv_interval": 2}  # served anyway, as arXiv does, but counted
    assert stats["rules"]["arxiv"]["interval_seconds"] == 60


def test_two_arxiv_connections_at_once_are_a_breach(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(latency={"arxiv": 0.3}, rules={"arxiv": {"connections": 1}})

    async def two_at_once() -> None:
        async with httpx.AsyncClient(base_url=emulator_config.url) as client:
            await asyncio.gather(
                *(client.get("/api/query", params={"search_query": "au:x"}) for _ in range(2))
            )

    asyncio.run(two_at_once())
    assert emulator_config.stats()["breaches"] == {"arxiv_connections": 1}


def test_anthropic_refuses_a_burst_beyond_the_bucket_with_429_and_retry_after(
    emulator_config: EmulatorHandle,
) -> None:
    # 6 requests/min with 20 s worth of burst: two requests pass, the third finds the bucket empty.
    emulator_config.configure(rules={"anthropic": {"requests_per_minute": 6, "burst_seconds": 20}})
    client = anthropic.Anthropic(api_key="k", base_url=emulator_config.url, max_retries=0)
    _message(client)
    _message(client)
    with pytest.raises(anthropic.RateLimitError) as refused:
        _message(client)
    assert refused.value.response.json()["error"]["type"] == "rate_limit_error"
    assert 1 <= int(refused.value.response.headers["retry-after"]) <= 10
    assert emulator_config.stats()["breaches"] == {"anthropic_rpm": 1}


def test_pydantic_ai_sees_the_refusal_as_a_rate_limit_with_its_retry_after(
    emulator_config: EmulatorHandle,
) -> None:
    emulator_config.configure(rules={"anthropic": {"requests_per_minute": 1, "burst_seconds": 60}})
    parser = agent(emulator_config.url, ParsedTemplate)
    parser.run_sync(PARSER_PROMPT, model_settings=JSON_MODE)
    with pytest.raises(ModelRateLimitError) as refused:
        parser.run_sync(PARSER_PROMPT, model_settings=JSON_MODE)
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1


def test_an_input_token_budget_refuses_a_prompt_it_cannot_cover(emulator_config: EmulatorHandle) -> None:
    # 6 input tokens per minute, 10 s worth (1 token): the first request empties it, the next is refused.
    emulator_config.configure(rules={"anthropic": {"input_tokens_per_minute": 6, "burst_seconds": 10}})
    client = anthropic.Anthropic(api_key="k", base_url=emulator_config.url, max_retries=0)
    _message(client)
    with pytest.raises(anthropic.RateLimitError):
        _message(client)
    assert emulator_config.stats()["breaches"] == {"anthropic_itpm": 1}


def test_exa_refuses_searches_over_its_rate(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(rules={"exa": {"requests_per_second": 1}})

    async def two_searches() -> None:
        async with AsyncExa("k", api_base=emulator_config.url) as exa:
            await exa.search("Amara Okafor")
            await exa.search("Amara Okafor")

    with pytest.raises(ValueError, match="429"):
        asyncio.run(two_searches())
    assert emulator_config.stats()["breaches"] == {"exa_rps": 1}


def test_rules_are_set_over_http_and_reset_with_the_breaches(emulator_config: EmulatorHandle) -> None:
    with httpx.Client(base_url=emulator_config.url) as client:
        bad = client.post("/_emulator/config", json={"rules": {"arxiv": {"interval_seconds": -1}}})
        assert bad.status_code == 400 and "interval_seconds" in bad.json()["detail"]
        configured = client.post("/_emulator/config", json={"rules": {"exa": {"requests_per_second": 0.001}}})
        assert configured.json()["rules"]["exa"]["requests_per_second"] == 0.001
        client.post("/search", json={"query": "Amara Okafor"}, headers={"x-api-key": "k"})
        client.post("/search", json={"query": "Amara Okafor"}, headers={"x-api-key": "k"})
        assert client.get("/_emulator/stats").json()["breaches"] == {"exa_rps": 1}
        reset = client.post("/_emulator/reset").json()
        assert reset["breaches"] == {} and reset["rules"]["exa"]["requests_per_second"] is None
