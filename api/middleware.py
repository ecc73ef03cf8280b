"""Request hardening as pure ASGI: a cap on request bodies (SPEC §9) and security headers on responses.

Pure ASGI rather than BaseHTTPMiddleware so SSE streams pass through unbuffered and the body is
counted as it arrives, before anything reads it whole.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import too_large_message

TOO_LARGE = "Request body too large"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the cap; FastAPI re-raises HTTPExceptions
    from body reading, so the HTTP error handler answers 413 with the usual `{"detail", "message"}`."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


class RequestLimitsMiddleware:
    """413 for bodies over `max_body_bytes` (declared or streamed); security headers on every response."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [header for header in SECURITY_HEADERS if header[0] not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if _declared_length(scope) > self.max_body_bytes:
            # Refused before the app runs: nothing is read, parsed or written.
            await _too_large(send_with_headers, self.max_body_bytes)
            return

        received = 0

        async def receive_with_cap() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, receive_with_cap, send_with_headers)
        except BodyTooLarge:
            # Reached when the body was read outside FastAPI's request parsing (which answers itself).
            if started:
                raise
            await _too_large(send_with_headers, self.max_body_bytes)


def _declared_length(scope: Scope) -> int:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0  # the server rejects a malformed Content-Length itself; the streamed count still applies


async def _too_large(send: Send, max_body_bytes: int) -> None:
    body = json.dumps({"detail": TOO_LARGE, "message": too_large_message(max_body_bytes)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    # Close the connection: the rest of the oversized body is never read.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
