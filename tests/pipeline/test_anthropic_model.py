"""The Anthropic model rewrites each of an agent's tool schemas once, and sends what pydantic-ai would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.anthropic import AnthropicModel

from services.anthropic_model import AnthropicModelWithKeptSchemas
from services.emulator import EmulatorHandle
from services.llm import GatedModel, build_agent, run_agent


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
