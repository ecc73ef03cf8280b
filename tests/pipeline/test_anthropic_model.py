"""The Anthropic model rewrites each of an agent's tool schemas once, and sends what pydantic-ai would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.anthropic import AnthropicModel

from config.settings import get_settings
from services.anthropic_model import AnthropicModelWithKeptSchemas
from services.emulator import EmulatorHandle
from services.llm import GatedModel, ProviderError, build_agent, run_agent


class Found(BaseModel):
    """A value found."""

    value: str
    confidence: float = 0.5


class Steps(BaseModel):
    """A plan."""

    steps: list[Found]
    note: str | None = None


def runs_of(output_type: type[BaseModel], prompt: str, times: int) -> AnthropicModelWithKeptSchemas:
    # A new agent (not the cached one of earlier tests), so its model starts with nothing kept.
    build = build_agent.__wrapped__
    agent: Any = build("anthropic:claude-haiku-4-5", output_type, "Answer briefly.")
    for _ in range(times):
        asyncio.run(run_agent(agent, prompt))
    model = agent.model
    assert isinstance(model, GatedModel) and isinstance(model.wrapped, AnthropicModelWithKeptSchemas)
    return model.wrapped


@pytest.mark.parametrize("output_type", [Found, Steps])
def test_each_schema_is_rewritten_once_and_as_pydantic_ai_would(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, output_type: type[BaseModel]
) -> None:
    rewrites: list[ModelRequestParameters] = []
    sent: list[tuple[ModelRequestParameters, ModelRequestParameters]] = []
    rewrite: Callable[[Any, ModelRequestParameters], ModelRequestParameters] = (
        Model.customize_request_parameters
    )
    kept = AnthropicModelWithKeptSchemas.customize_request_parameters

    def counted(self: Any, params: ModelRequestParameters) -> ModelRequestParameters:
        rewrites.append(params)
        return rewrite(self, params)

    def compared(self: Any, params: ModelRequestParameters) -> ModelRequestParameters:
        customized = kept(self, params)
        sent.append((customized, rewrite(self, params)))
        return customized

    monkeypatch.setattr(AnthropicModel, "customize_request_parameters", counted, raising=False)
    monkeypatch.setattr(AnthropicModelWithKeptSchemas, "customize_request_parameters", compared)

    runs_of(output_type, "Find the value.", times=3)

    assert len(rewrites) == 1  # the first run's first request; every later one reuses it
    assert len(sent) >= 6  # each run settles its output mode, then requests
    for customized, by_pydantic_ai in sent:
        assert customized == by_pydantic_ai
        [tool], [expected] = customized.output_tools, by_pydantic_ai.output_tools
        assert tool.parameters_json_schema == expected.parameters_json_schema


def test_requests_go_through_the_one_client_with_the_sdk_retries_off(
    emulator_config: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anthropic import AsyncAnthropic

    copies: list[object] = []
    copy = AsyncAnthropic.copy

    def copied(self: AsyncAnthropic, **options: Any) -> AsyncAnthropic:
        copies.append(options)
        return copy(self, **options)

    monkeypatch.setattr(AsyncAnthropic, "copy", copied)
    monkeypatch.setattr(AsyncAnthropic, "with_options", copied)
    model = runs_of(Found, "Find the value.", times=2)
    assert copies == []  # a copy per request resolved the platform headers again, in a thread
    assert model.client.max_retries == 0


def test_a_failing_request_is_sent_once_per_attempt_of_run_agent(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"llm_other": {"rate": 1.0, "kinds": ["500"]}})
    build = build_agent.__wrapped__
    agent: Any = build("anthropic:claude-haiku-4-5", Found, "Answer briefly.")
    with pytest.raises(ProviderError):
        asyncio.run(run_agent(agent, "Find the value."))
    # Exactly one layer retries (run_agent); the SDK's own retries would multiply the attempts.
    assert emulator_config.stats()["calls"]["llm_other"] == get_settings().provider_max_attempts
