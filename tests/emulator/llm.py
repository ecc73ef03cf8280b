"""Helpers that drive the emulator through the real pydantic-ai + anthropic SDK stack."""

from __future__ import annotations

from typing import Any

from anthropic import AsyncAnthropic
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.settings import ModelSettings

from pipeline.core.prompting import prompt

JSON_MODE: ModelSettings = {
    "max_tokens": 4096
}  # below the SDK's non-streaming limit, so pydantic-ai does not stream


def agent[T](url: str, output_type: type[T], *, max_retries: int = 0) -> Agent[None, T]:
    """An agent on the emulator; the SDK's own retries are off unless asked for."""
    client = AsyncAnthropic(api_key="emulator-key", base_url=url, max_retries=max_retries)
    provider = AnthropicProvider(anthropic_client=client)
    return Agent(AnthropicModel("claude-haiku-4-5", provider=provider), output_type=output_type)


def run[T](url: str, output_type: type[T], *, stream: bool = True, **sections: Any) -> T:
    """One agent run on a prompt made of fenced sections; returns the validated output."""
    settings = None if stream else JSON_MODE
    return agent(url, output_type).run_sync(prompt(**sections), model_settings=settings).output
