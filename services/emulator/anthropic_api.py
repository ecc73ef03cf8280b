"""Anthropic Messages API: `POST /v1/messages` (JSON and SSE) and `POST /v1/messages/count_tokens`."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from services.emulator.errors import error_response, fault_response
from services.emulator.faults import EmulatorState
from services.emulator.limits import Refusal
from services.emulator.roles import answer, detect_role, plain_text
from services.emulator.schema import conform

_CHUNK = 48


def _block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    if not isinstance(block, dict):
        return ""
    if block.get("type") == "text":
        return str(block.get("text", ""))
    if block.get("type") == "tool_result":
        content = block.get("content", "")
        return content if isinstance(content, str) else "\n".join(_block_text(b) for b in content)
    return ""


def _content_text(content: Any) -> str:
    return content if isinstance(content, str) else "\n".join(_block_text(b) for b in content or [])


def prompt_text(body: dict[str, Any]) -> str:
    """All user text, newest message first (so the latest section wins), then the system prompt."""
    user_texts = [
        _content_text(m.get("content")) for m in body.get("messages", []) if m.get("role") == "user"
    ]
    return "\n\n".join([*reversed(user_texts), _content_text(body.get("system", ""))])


def output_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool the model must answer with: pydantic-ai's final_result*, or the one tool_choice names."""
    tools = [t for t in body.get("tools", []) if isinstance(t, dict) and "input_schema" in t]
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        return next((t for t in tools if t.get("name") == choice.get("name")), None)
    finals = [t for t in tools if str(t.get("name", "")).startswith("final_result")]
    if finals:
        return finals[0]
    return tools[0] if choice.get("type") == "any" and tools else None


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "service_tier": "standard",
    }


async def count_tokens(request: Request) -> Response:
    """Rough token count: characters / 4."""
    try:
        body = await request.json()
    except ValueError:
        return error_response("anthropic", 400, "body must be JSON")
    return JSONResponse({"input_tokens": _tokens(prompt_text(body) + json.dumps(body.get("tools", [])))})


async def create_message(request: Request) -> Response:
    """Answer a Messages request in the role its output tool implies, as JSON or as an SSE stream."""
    state: EmulatorState = request.app.state.emulator
    if not (request.headers.get("x-api-key") or request.headers.get("authorization")):
        return error_response("anthropic", 401, "x-api-key header is required")
    try:
        body = await request.json()
    except ValueError:
        return error_response("anthropic", 400, "body must be JSON")
    if not isinstance(body, dict) or not body.get("model") or not isinstance(body.get("messages"), list):
        return error_response("anthropic", 400, "model and messages are required")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return error_response("anthropic", 400, "max_tokens: Field required (a positive integer)")
    prompt = prompt_text(body)
    tool = output_tool(body)
    schema: dict[str, Any] = tool["input_schema"] if tool else {}
    role = detect_role(set(schema.get("properties", {}))) if tool else "llm_other"
    index = state.record(role)
    input_tokens = _tokens(prompt + json.dumps(body.get("tools", [])))
    refusal = state.admit_anthropic(input_tokens)
    if refusal is not None:
        return rate_limited(refusal)
    fault = state.pick_fault(role, index)
    if fault:
        return await fault_response("anthropic", *fault)
    await state.delay(role)
    if tool:
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": f"toolu_emu_{uuid.uuid4().hex[:20]}",
            "name": tool["name"],
            "input": conform(answer(role, prompt, composer=state.composer), schema),
        }
        output = json.dumps(block["input"], ensure_ascii=False)
    else:
        output = plain_text(prompt)
        block = {"type": "text", "text": output}
    message = {
        "id": f"msg_emu_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [block],
        "stop_reason": "tool_use" if tool else "end_turn",
        "stop_sequence": None,
        "usage": _usage(input_tokens, _tokens(output)),
    }
    headers = {"request-id": f"req_emu_{uuid.uuid4().hex[:20]}"}
    state.count("llm_streamed" if body.get("stream") else "llm_json")
    if body.get("stream"):
        return StreamingResponse(_events(message, output), media_type="text/event-stream", headers=headers)
    return JSONResponse(message, headers=headers)


def rate_limited(refusal: Refusal) -> Response:
    """Anthropic's 429: a rate_limit_error naming the limit, and how long to wait."""
    limit = "input tokens" if refusal.rule == "anthropic_itpm" else "requests"
    message = f"This request would exceed your organization's rate limit of {limit} per minute (emulated)"
    return error_response("anthropic", 429, message, {"retry-after": str(refusal.retry_after)})


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def _events(message: dict[str, Any], output: str) -> AsyncIterator[bytes]:
    """The real event sequence: start, ping, one content block in deltas, message_delta, stop."""
    block = message["content"][0]
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    yield _sse("message_start", {"type": "message_start", "message": start})
    yield _sse("ping", {"type": "ping"})
    if block["type"] == "tool_use":
        empty: dict[str, Any] = {**block, "input": {}}
        delta_type, key = "input_json_delta", "partial_json"
    else:
        empty, delta_type, key = {"type": "text", "text": ""}, "text_delta", "text"
    yield _sse("content_block_start", {"type": "content_block_start", "index": 0, "content_block": empty})
    for offset in range(0, len(output), _CHUNK):
        delta = {"type": delta_type, key: output[offset : offset + _CHUNK]}
        yield _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
    yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    yield _sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": usage["output_tokens"], "input_tokens": usage["input_tokens"]},
        },
    )
    yield _sse("message_stop", {"type": "message_stop"})
