"""Injected faults rendered the way each real provider reports them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Literal

from starlette.responses import JSONResponse, PlainTextResponse, Response

from services.emulator.faults import FaultKind, FaultRule

Provider = Literal["anthropic", "exa", "arxiv"]
_ANTHROPIC_TYPES = {
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
    400: "invalid_request_error",
    401: "authentication_error",
}
_MESSAGES = {
    429: "Number of request tokens has exceeded your per-minute rate limit (emulated)",
    500: "Internal server error (emulated)",
    504: "Request timed out (emulated)",
    529: "Overloaded (emulated)",
}


def error_response(
    provider: Provider, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error body in the provider's own shape."""
    headers = {**(headers or {}), "request-id": f"req_emu_{uuid.uuid4().hex[:20]}"}
    if provider == "anthropic":
        body = {
            "type": "error",
            "error": {"type": _ANTHROPIC_TYPES.get(status, "api_error"), "message": message},
            "request_id": headers["request-id"],
        }
        return JSONResponse(body, status_code=status, headers=headers)
    if provider == "exa":
        return JSONResponse(
            {"requestId": headers["request-id"], "error": message, "tag": f"EMULATED_{status}"},
            status_code=status,
            headers=headers,
        )
    return PlainTextResponse(message, status_code=status, headers=headers)


async def fault_response(provider: Provider, kind: FaultKind, rule: FaultRule) -> Response:
    """Answer with an injected fault; a timeout hangs first, then gives up with a 504."""
    if kind == "timeout":
        # The client should have given up by now; a client without a timeout sees a gateway timeout.
        await asyncio.sleep(rule.timeout_seconds)
        return error_response(provider, 504, _MESSAGES[504])
    status = int(kind)
    headers = {"retry-after": f"{rule.retry_after:g}"} if status == 429 else {}
    if status == 529 and provider != "anthropic":
        status = 503
    return error_response(provider, status, _MESSAGES.get(status, "Service unavailable (emulated)"), headers)
