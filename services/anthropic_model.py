"""pydantic-ai's Anthropic model, with each tool schema rewritten for Anthropic once per process.

pydantic-ai rewrites every tool's JSON schema for the provider (a deep copy and a walk of the whole
schema) on each request, and once more per agent run to settle the output mode: about a tenth of a
pipeline's CPU, although an agent's schemas never change (build_agent builds each agent once, and
its runs hand over the same schema objects). The rewrite is a function of the schema and its
`strict` flag, so its result is kept per schema object and reused; the tool definitions around it
are still rebuilt per request, as pydantic-ai does.

Also: the SDK's response models, built at a worker's start rather than at its first answer.

Imported by services/llm.py only when an Anthropic model is built (the SDK takes seconds to import).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.output import OutputObjectDefinition
from pydantic_ai.tools import ToolDefinition

# Each agent has one or two schemas; a bound keeps a model that is handed new ones per run from
# holding them all.
MAX_KEPT = 64

type SchemaKey = tuple[int, bool | None]

# A Messages API answer as Anthropic documents it: a tool call (structured output) and the usage.
_RESPONSE: dict[str, Any] = {
    "id": "msg_warm_up",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [
        {"type": "text", "text": ""},
        {"type": "tool_use", "id": "toolu_warm_up", "name": "final_result", "input": {}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 1,
        "output_tokens": 1,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "service_tier": "standard",
    },
}


def build_response_models() -> None:
    """Have the SDK build its response models now. It builds them when it reads its first answer
    (a deferred model build and a validator per union field: ~40 ms of CPU here, most of a second on
    a Pi, inside the first email and with every pipeline on the loop waiting); reading a documented
    answer the way it reads one from the wire builds the same ones."""
    from anthropic.types.beta import BetaMessage

    BetaMessage.construct(**_RESPONSE)


class AnthropicModelWithKeptSchemas(AnthropicModel):
    """`AnthropicModel` whose `customize_request_parameters` reuses its rewrite of a schema it has seen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (id of a schema, strict) -> (the schema, held so the id stays its own; its rewrite; strict after)
        self._tools: dict[SchemaKey, tuple[dict[str, Any], dict[str, Any], bool | None]] = {}
        self._outputs: dict[int, tuple[OutputObjectDefinition, OutputObjectDefinition | None]] = {}

    def customize_request_parameters(
        self, model_request_parameters: ModelRequestParameters
    ) -> ModelRequestParameters:
        params = model_request_parameters
        kept = self._kept(params)
        if kept is not None:
            return kept
        customized = super().customize_request_parameters(params)
        if len(self._tools) > MAX_KEPT or len(self._outputs) > MAX_KEPT:
            self._tools.clear()
            self._outputs.clear()
        before = [*params.function_tools, *params.output_tools]
        after = [*customized.function_tools, *customized.output_tools]
        for tool, rewritten in zip(before, after, strict=True):
            schema = tool.parameters_json_schema
            rewrite = (schema, rewritten.parameters_json_schema, rewritten.strict)
            self._tools[(id(schema), tool.strict)] = rewrite
        if params.output_object is not None:
            self._outputs[id(params.output_object)] = (params.output_object, customized.output_object)
        return customized

    def _kept(self, params: ModelRequestParameters) -> ModelRequestParameters | None:
        """The parameters with every schema's kept rewrite, or None if one of them is new."""
        function_tools = [self._kept_tool(tool) for tool in params.function_tools]
        output_tools = [self._kept_tool(tool) for tool in params.output_tools]
        output_object = params.output_object
        if output_object is not None:
            found = self._outputs.get(id(output_object))
            if found is None or found[0] is not output_object:
                return None
            output_object = found[1]
        if None in function_tools or None in output_tools:
            return None
        return replace(
            params,
            function_tools=[tool for tool in function_tools if tool is not None],
            output_tools=[tool for tool in output_tools if tool is not None],
            output_object=output_object,
        )

    def _kept_tool(self, tool: ToolDefinition) -> ToolDefinition | None:
        schema = tool.parameters_json_schema
        found = self._tools.get((id(schema), tool.strict))
        if found is None or found[0] is not schema:
            return None
        return replace(tool, parameters_json_schema=found[1], strict=found[2])
