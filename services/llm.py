"""The one place that turns model strings into pydantic-ai agents, runs them and names their failures."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
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
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse, infer_model
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import RunContext

from config.settings import get_settings
from observability.tracing import instrument_agents
from pipeline.models.usage import Usage
from services.limits import deadline
from services.limits.gate import ProviderGate, gate_for

if TYPE_CHECKING:
    from pydantic_ai.providers.anthropic import AnthropicProvider

# Statuses worth another attempt later: request timeout, conflict, too early, rate limit, and every 5xx
# (Anthropic's 529 "overloaded" included).
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
# Exactly one layer retries (SPEC §6): `run_agent`, with exponential backoff, full jitter and the
# provider's Retry-After. The SDK's own retries are off so attempts never multiply.
SDK_MAX_RETRIES = 0
# Rough characters per token, to charge an input-token budget before the provider counts for real.
CHARS_PER_TOKEN = 4
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
    """A pydantic-ai model for a model string, behind its provider's gate (services/limits/gate.py);
    Anthropic uses the configured key and base URL, and rewrites each tool schema once
    (services/anthropic_model.py)."""
    if model_string.startswith("anthropic:"):
        from services.anthropic_model import AnthropicModelWithKeptSchemas

        settings = get_settings()
        provider = _anthropic_provider(settings.anthropic_api_key, settings.anthropic_base_url)
        name = model_string.removeprefix("anthropic:")
        model: Model = AnthropicModelWithKeptSchemas(name, provider=provider)
    else:
        # Every other provider is configuration only: pydantic-ai reads its own environment variables.
        model = infer_model(model_string)
    return GatedModel(model, gate_for(model.system))


class GatedModel(WrapperModel):
    """Each request waits at its provider's gate; a refusal (429) tells the gate to slow down.

    Here, not around `agent.run`, because one run can make several requests (an output retry).
    """

    def __init__(self, wrapped: Model, gate: ProviderGate) -> None:
        super().__init__(wrapped)
        self.gate = gate

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        estimate = estimate_input_tokens(messages, model_request_parameters)
        async with self.gate.call(requests=1, input_tokens=estimate) as call:
            try:
                response = await self.wrapped.request(messages, model_settings, model_request_parameters)
            except ModelAPIError as exc:
                if is_rate_limit(exc):
                    call.refuse(exc.retry_after)
                raise
            call.accept()
        await self.gate.charge("input_tokens", (response.usage.input_tokens or 0) - estimate)
        return response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: RunContext[Any] | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        estimate = estimate_input_tokens(messages, model_request_parameters)
        async with self.gate.call(requests=1, input_tokens=estimate) as call:
            try:
                async with self.wrapped.request_stream(
                    messages, model_settings, model_request_parameters, run_context
                ) as stream:
                    call.accept()
                    yield stream
            except ModelAPIError as exc:
                if is_rate_limit(exc):
                    call.refuse(exc.retry_after)
                raise


def is_rate_limit(exc: BaseException) -> bool:
    """A refusal for the account's rate limit: waiting helps, and calling less often helps more."""
    if isinstance(exc, ModelQuotaExceededError):  # out of credit: waiting does not help
        return False
    return isinstance(exc, ModelRateLimitError) or (
        isinstance(exc, ModelHTTPError) and exc.status_code == 429
    )


def estimate_input_tokens(messages: list[ModelMessage], parameters: ModelRequestParameters) -> int:
    """About how many input tokens a request carries: its text, instructions and tool schemas."""
    chars = 0
    for message in messages:
        if isinstance(message, ModelRequest):
            chars += len(message.instructions or "")
        for part in message.parts:
            content = getattr(part, "content", None) or getattr(part, "args", None)
            chars += len(content) if isinstance(content, str) else len(json.dumps(content, default=str))
    for tool in [*parameters.function_tools, *parameters.output_tools]:
        chars += len(json.dumps(tool.parameters_json_schema)) + len(tool.description or "")
    return max(1, chars // CHARS_PER_TOKEN)


def warm_up(agents: Iterable[Agent[None, Any]]) -> None:
    """What the agents' first requests would build inside an email: each model's profile (its first
    reading looks the model up in genai-prices' data, ~10 ms of CPU) and the Anthropic SDK's
    response models (services/anthropic_model.py)."""
    anthropic = False
    for agent in agents:
        if isinstance(agent.model, Model):
            _ = agent.model.profile
            anthropic = anthropic or agent.model.system == "anthropic"
    if anthropic:
        from services.anthropic_model import build_response_models

        build_response_models()


@lru_cache(maxsize=4)
def _anthropic_provider(api_key: str | None, base_url: str | None) -> AnthropicProvider:
    """One provider (one connection pool) for every Anthropic model: each new event loop (one per
    Celery task) makes the provider build a fresh HTTP client, and that costs milliseconds of blocking."""
    # Imported here: the anthropic SDK takes seconds to import, and only Anthropic models need it.
    from pydantic_ai.providers.anthropic import AnthropicProvider

    provider = AnthropicProvider(api_key=api_key, base_url=base_url)
    # On the client, not in the agents' ModelSettings: the SDK takes max_retries per client only, so
    # pydantic-ai sent each request with that setting through a copy of the client, and a copy
    # resolves the platform headers again in a thread (~1 ms of CPU per request).
    provider.client.max_retries = SDK_MAX_RETRIES
    return provider


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
    }
    if not model_string.startswith("anthropic:"):  # Anthropic's client has its retries off already
        settings["max_retries"] = SDK_MAX_RETRIES
    instrument_agents()
    return Agent(
        model, output_type=output_type, instructions=instructions, model_settings=settings, retries=1
    )


async def run_agent[OutputT](
    agent: Agent[None, OutputT], prompt: str, *, timeout: float | None = None
) -> AgentOutcome[OutputT]:
    """Run an agent, each attempt under a wall-clock deadline; transient failures are retried with
    exponential backoff and full jitter (honouring Retry-After); the last failure becomes `ProviderError`.

    A refusal for the account's rate limit (429) is not a failure of the call: the gate has been told
    to wait as the provider said and to slow down, and the next attempt waits there, so it does not
    use up an attempt. What bounds it is time: RATE_LIMIT_WAIT_SECONDS from the first refusal here,
    and the pipeline's own limit (services/limits/deadline.py).
    """
    settings = get_settings()
    limit = settings.agent_timeout_seconds if timeout is None else timeout
    model_name = _model_label(agent.model)
    loop = asyncio.get_running_loop()
    attempt = 1
    first_refusal: float | None = None
    refusals = 0
    while True:
        try:
            async with asyncio.timeout(limit) as attempt_limit:
                with deadline.pausable(attempt_limit, settings.rate_limit_wait_seconds):
                    result = await agent.run(prompt)
            break
        except Exception as exc:
            error = classify_error(exc, model=model_name, timeout=limit)
            if error.kind == "rate_limited":
                first_refusal = loop.time() if first_refusal is None else first_refusal
                if loop.time() - first_refusal >= settings.rate_limit_wait_seconds:
                    raise error from exc
                refusals += 1
                with deadline.queued():  # as told (else backing off); the gate holds every other caller too
                    await asyncio.sleep(error.retry_after or backoff_delay(refusals))
                continue
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
        (ModelQuotaExceededError, "quota_exceeded", False),
        (ModelOverloadedError, "overloaded", True),
        (ModelUnavailableError, "unavailable", True),
        (ModelServerError, "server_error", True),
        (ModelConnectionError, "connection", True),
        (ModelAuthenticationError, "authentication", False),
        (ModelRequestRejectedError, "rejected", False),
    ]
    for cls, kind, transient in categories:
        if isinstance(exc, cls):
            return kind, transient
    if isinstance(exc, ModelHTTPError):
        status = exc.status_code
        if status == 429:
            return "rate_limited", True
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
