"""services/llm: agents built once per role, runs bounded in time, failures named transient or permanent."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.exceptions import ModelHTTPError, UnexpectedModelBehavior, UserError
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from config.settings import get_settings
from services.limits.gate import MAX_IN_FLIGHT, ProviderGate
from services.llm import (
    GatedModel,
    ProviderError,
    backoff_delay,
    build_agent,
    build_model,
    classify_error,
    run_agent,
)


class Answer(BaseModel):
    value: str


def test_an_agent_is_built_once_per_model_and_role() -> None:
    first = build_agent("anthropic:claude-haiku-4-5", Answer, "role A")
    assert build_agent("anthropic:claude-haiku-4-5", Answer, "role A") is first
    assert build_agent("anthropic:claude-haiku-4-5", Answer, "role B") is not first


def test_anthropic_models_use_the_configured_base_url() -> None:
    from config.settings import get_settings

    model = build_model("anthropic:claude-haiku-4-5")
    assert model.model_name == "claude-haiku-4-5"
    assert model.base_url is not None
    assert model.base_url.rstrip("/") == get_settings().anthropic_base_url


def test_every_anthropic_model_shares_one_client() -> None:
    from pydantic_ai.models.anthropic import AnthropicModel

    haiku = build_model("anthropic:claude-haiku-4-5")
    sonnet = build_model("anthropic:claude-sonnet-4-5")
    assert isinstance(haiku, GatedModel) and isinstance(sonnet, GatedModel)
    assert isinstance(haiku.wrapped, AnthropicModel) and isinstance(sonnet.wrapped, AnthropicModel)
    assert haiku.wrapped.client is sonnet.wrapped.client
    assert haiku.gate is sonnet.gate  # one account, one gate


def test_other_model_strings_go_through_pydantic_ai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    assert build_model("openai-chat:gpt-4o-mini").system == "openai"
    assert build_model("test").model_name == "test"


def test_a_missing_key_is_a_permanent_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIREWORKS_API_KEY", raising=False)
    with pytest.raises(ProviderError) as caught:
        build_agent("fireworks:accounts/fireworks/models/x", Answer, "role")
    assert caught.value.kind == "configuration" and not caught.value.transient
    assert "FIREWORKS_API_KEY" in caught.value.message


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (529, True),
        (400, False),
        (401, False),
        (403, False),
    ],
)
def test_http_failures_are_transient_only_when_retrying_can_help(status: int, transient: bool) -> None:
    error = classify_error(ModelHTTPError(status, "claude", body={"error": "x"}), model="anthropic:claude")
    assert error.transient is transient
    assert error.status_code == status
    assert f"status {status}" in error.message


def test_timeouts_are_transient_and_bad_output_is_permanent() -> None:
    assert classify_error(TimeoutError(), model="m", timeout=5).transient
    assert "no answer within 5 s" in classify_error(TimeoutError(), model="m", timeout=5).message
    assert not classify_error(UnexpectedModelBehavior("bad tool args"), model="m").transient
    assert classify_error(UserError("no key"), model="m").kind == "configuration"


def test_messages_never_carry_the_api_key() -> None:
    error = classify_error(ModelHTTPError(401, "m", body="invalid x-api-key sk-ant-abcdefghijkl"), model="m")
    assert "sk-ant-abcdefghijkl" not in error.message and "***" in error.message


def test_run_agent_returns_output_usage_and_model() -> None:
    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"value": "ok"})])

    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "usage test")
    with agent.override(model=FunctionModel(answer, model_name="scripted")):
        outcome = asyncio.run(run_agent(agent, "hello"))
    assert outcome.output == Answer(value="ok")
    assert outcome.usage.requests == 1 and outcome.usage.input_tokens > 0
    assert "scripted" in outcome.model


def test_a_run_past_its_deadline_is_a_transient_timeout() -> None:
    async def slow(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.sleep(5)
        raise AssertionError("unreachable")

    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "timeout test")
    with agent.override(model=FunctionModel(slow)), pytest.raises(ProviderError) as caught:
        asyncio.run(run_agent(agent, "hello", timeout=0.05))
    assert caught.value.kind == "timeout" and caught.value.transient


def flaky(failures: list[int]) -> tuple[FunctionModel, list[int]]:
    """A model that answers with the given HTTP statuses first, then succeeds; records each call."""
    calls: list[int] = []

    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        if len(calls) <= len(failures):
            raise ModelHTTPError(status_code=failures[len(calls) - 1], model_name="scripted", body="boom")
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"value": "ok"})])

    return FunctionModel(answer, model_name="scripted"), calls


def test_transient_failures_are_retried_until_an_answer() -> None:
    model, calls = flaky([529, 500, 429])
    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "retry test")
    with agent.override(model=model):
        outcome = asyncio.run(run_agent(agent, "hello"))
    assert outcome.output == Answer(value="ok")
    assert len(calls) == 4


def test_permanent_failures_are_not_retried() -> None:
    model, calls = flaky([401])
    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "permanent test")
    with agent.override(model=model), pytest.raises(ProviderError) as caught:
        asyncio.run(run_agent(agent, "hello"))
    assert not caught.value.transient
    assert len(calls) == 1


def test_retries_stop_after_the_configured_attempts() -> None:
    model, calls = flaky([503] * 10)
    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "exhausted test")
    with agent.override(model=model), pytest.raises(ProviderError) as caught:
        asyncio.run(run_agent(agent, "hello"))
    assert caught.value.transient and caught.value.status_code == 503
    assert len(calls) == get_settings().provider_max_attempts


def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after() -> None:
    settings = get_settings()
    for attempt in range(1, 6):
        ceiling = min(
            settings.provider_backoff_cap_seconds, settings.provider_backoff_base_seconds * 2 ** (attempt - 1)
        )
        delays = {backoff_delay(attempt) for _ in range(50)}
        assert all(0 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered
    assert backoff_delay(1, retry_after=0.5) >= 0.5


def refusing(times: int, retry_after: str = "0") -> tuple[FunctionModel, list[int]]:
    """A model refused for the rate limit `times` times (429 with retry-after), then answering."""
    calls: list[int] = []

    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        if len(calls) <= times:
            raise ModelHTTPError(
                429, "scripted", body="rate_limit_error", headers={"retry-after": retry_after}
            )
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"value": "ok"})])

    return FunctionModel(answer, model_name="scripted"), calls


def test_refusals_for_the_rate_limit_do_not_use_up_the_attempts() -> None:
    times = get_settings().provider_max_attempts + 3
    model, calls = refusing(times)
    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "patient test")
    with agent.override(model=model):
        outcome = asyncio.run(run_agent(agent, "hello"))
    assert outcome.output == Answer(value="ok") and len(calls) == times + 1


def test_a_provider_refusing_past_the_rate_limit_wait_fails_as_rate_limited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "rate_limit_wait_seconds", 0.3)
    model, _ = refusing(10_000)
    agent = build_agent("anthropic:claude-haiku-4-5", Answer, "bounded test")
    with agent.override(model=model), pytest.raises(ProviderError) as caught:
        asyncio.run(run_agent(agent, "hello"))
    assert caught.value.kind == "rate_limited" and caught.value.transient


def test_a_refusal_seen_by_the_gated_model_holds_the_next_call_back_as_told() -> None:
    model, calls = refusing(1, retry_after="1")
    gate = ProviderGate("gated-model-test")
    agent = Agent(GatedModel(model, gate), output_type=Answer)

    async def scenario() -> tuple[float, float]:
        started = time.monotonic()
        outcome = await run_agent(agent, "hello")
        assert outcome.output == Answer(value="ok")
        return time.monotonic() - started, gate.limit().limit

    waited, limit = asyncio.run(scenario())
    assert len(calls) == 2 and waited >= 1.0  # retry-after: 1 s
    assert limit < MAX_IN_FLIGHT  # fewer calls in flight after the refusal
