"""The one place that turns model strings into pydantic-ai agents, runs them and names their failures."""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic_ai import Agent
from pydantic_ai.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelHTTPError,
    ModelOverloadedError,
    ModelQuotaExceededError,
    ModelRateLimitError,
    ModelRequestRejectedError,
    ModelRequestTimeout,
    ModelServerError,
    ModelTimeoutError,
    ModelUnavailableError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    UserError,
)
from pydantic_ai.models import Model, infer_model
from pydantic_ai.settings import ModelSettings

from config.settings import get_settings
from observability.tracing import instrument_agents
from pipeline.models.usage import Usage

if TYPE_CHECKING:
    from pydantic_ai.providers.anthropic import AnthropicProvider

# Statuses worth another attempt later: request timeout, conflict, too early, rate limit, and every 5xx
# (Anthropic's 529 "overloaded" included).
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
# Exactly one layer retries (SPEC §6): `run_agent`, with exponential backoff, full jitter and the
# provider's Retry-After. The SDK's own retries are off so attempts never multiply.
SDK_MAX_RETRIES = 0
_SECRET_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9._\-]{6,})")


class ProviderError(Exception):
    """A model provider call failed; `transient` says whether trying again later can help."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        transient: bool,
        model: str,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.transient = transient
        self.model = model
        self.status_code = status_code
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class AgentOutcome[OutputT]:
    output: OutputT
    usage: Usage
    model: str


def build_model(model_string: str) -> Model:
    """A pydantic-ai model for a model string; Anthropic uses the configured key and base URL."""
    if model_string.startswith("anthropic:"):
        from pydantic_ai.models.anthropic import AnthropicModel

        settings = get_settings()
        provider = _anthropic_provider(settings.anthropic_api_key, settings.anthropic_base_url)
        return AnthropicModel(model_string.removeprefix("anthropic:"), provider=provider)
    # Every other provider is configuration only: pydantic-ai reads its own environment variables.
    return infer_model(model_string)


@lru_cache(maxsize=4)
def _anthropic_provider(api_key: str | None, base_url: str | None) -> AnthropicProvider:
    """One provider (one connection pool) for every Anthropic model: each new event loop (one per
    Celery task) makes the provider build a fresh HTTP client, and that costs milliseconds of blocking."""
    # Imported here: the anthropic SDK takes seconds to import, and only Anthropic models need it.
    from pydantic_ai.providers.anthropic import AnthropicProvider

    return AnthropicProvider(api_key=api_key, base_url=base_url)


@lru_cache(maxsize=32)
def build_agent[OutputT](
    model_string: str, output_type: type[OutputT], instructions: str, *, max_tokens: int = 4096
) -> Agent[None, OutputT]:
    """One agent per (model string, role), built on first use and reused by every request."""
    try:
        model = build_model(model_string)
    except UserError as exc:  # a missing key or an unknown provider: nothing to retry
        raise ProviderError(
            _scrub(str(exc)), kind="configuration", transient=False, model=model_string
        ) from exc
    settings: ModelSettings = {
        # A bounded max_tokens also keeps the Anthropic SDK on plain JSON rather than streaming.
        "max_tokens": max_tokens,
        "timeout": get_settings().agent_timeout_seconds,
        "max_retries": SDK_MAX_RETRIES,
    }
    instrument_agents()
    return Agent(
        model, output_type=output_type, instructions=instructions, model_settings=settings, retries=1
    )


async def run_agent[OutputT](
    agent: Agent[None, OutputT], prompt: str, *, timeout: float | None = None
) -> AgentOutcome[OutputT]:
    """Run an agent, each attempt under a wall-clock deadline; transient failures are retried with
    exponential backoff and full jitter (honouring Retry-After); the last failure becomes `ProviderError`."""
    settings = get_settings()
    limit = settings.agent_timeout_seconds if timeout is None else timeout
    model_name = _model_label(agent.model)
    attempt = 1
    while True:
        try:
            async with asyncio.timeout(limit):
                result = await agent.run(prompt)
            break
        except Exception as exc:
            error = classify_error(exc, model=model_name, timeout=limit)
            if not error.transient or attempt >= settings.provider_max_attempts:
                raise error from exc
            await asyncio.sleep(backoff_delay(attempt, error.retry_after))
            attempt += 1
    usage = result.usage
    response = result.response
    ran = f"{response.provider_name}:{response.model_name}" if response.provider_name else response.model_name
    return AgentOutcome(
        output=result.output,
        usage=Usage(
            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens, requests=usage.requests
        ),
        model=ran or model_name,
    )


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt `attempt + 1`: full jitter over an exponential cap, never less
    than the provider's Retry-After (bounded, so a bad header cannot stall a worker)."""
    settings = get_settings()
    ceiling = min(
        settings.provider_backoff_cap_seconds, settings.provider_backoff_base_seconds * 2 ** (attempt - 1)
    )
    delay = random.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.provider_backoff_cap_seconds * 4))
    return delay


def classify_error(exc: BaseException, *, model: str, timeout: float | None = None) -> ProviderError:
    """Name a provider failure and decide whether it is transient (retry later) or permanent."""
    kind, transient = _kind_of(exc)
    status = exc.status_code if isinstance(exc, ModelHTTPError) else None
    if isinstance(exc, TimeoutError) and not str(exc):
        detail = f"no answer within {timeout:g} s" if timeout is not None else "timed out"
    else:
        detail = _scrub(str(exc)) or type(exc).__name__
    status_text = f"status {status}, " if status is not None else ""
    message = f"{model} failed ({status_text}{kind}): {detail}"
    retry_after = getattr(exc, "retry_after", None)
    return ProviderError(
        message,
        kind=kind,
        transient=transient,
        model=model,
        status_code=status,
        retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
    )


def _kind_of(exc: BaseException) -> tuple[str, bool]:
    # Order matters: categories subclass one another (overloaded < unavailable, timeout < connection).
    categories: list[tuple[type[BaseException], str, bool]] = [
        (ModelRequestTimeout, "timeout", True),
        (ModelTimeoutError, "timeout", True),
        (TimeoutError, "timeout", True),
        (ModelRateLimitError, "rate_limited", True),
        (ModelOverloadedError, "overloaded", True),
        (ModelUnavailableError, "unavailable", True),
        (ModelServerError, "server_error", True),
        (ModelConnectionError, "connection", True),
        (ModelQuotaExceededError, "quota_exceeded", False),
        (ModelAuthenticationError, "authentication", False),
        (ModelRequestRejectedError, "rejected", False),
    ]
    for cls, kind, transient in categories:
        if isinstance(exc, cls):
            return kind, transient
    if isinstance(exc, ModelHTTPError):
        status = exc.status_code
        transient = status in TRANSIENT_STATUSES or status >= 500
        return ("server_error" if status >= 500 else "http_error"), transient
    if isinstance(exc, ModelAPIError):
        return "provider_error", True
    if isinstance(exc, UnexpectedModelBehavior | UsageLimitExceeded):
        return "invalid_output", False
    if isinstance(exc, UserError):
        return "configuration", False
    return _sdk_kind(exc)


def _sdk_kind(exc: BaseException) -> tuple[str, bool]:
    """Anthropic SDK errors that reached us unwrapped (pydantic-ai normally wraps them)."""
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return "timeout", True
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection", True
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        return "http_error", status in TRANSIENT_STATUSES or status >= 500
    return "unexpected", False


def _model_label(model: Any) -> str:
    if isinstance(model, Model):
        return f"{model.system}:{model.model_name}"
    return str(model)


def _scrub(text: str) -> str:
    """Keep provider messages readable without ever echoing a credential."""
    settings = get_settings()
    for secret in (settings.anthropic_api_key, settings.exa_api_key):
        if secret and len(secret) >= 8:
            text = text.replace(secret, "***")
    return _SECRET_PATTERN.sub("***", text)
