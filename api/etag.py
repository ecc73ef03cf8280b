"""Conditional GETs: a strong ETag on every 200 JSON answer, 304 Not Modified when it still matches.

The tag is a hash of the exact bytes the route produced for this caller, so it changes whenever
the body would and never otherwise; being derived from the bytes, it may be strong (RFC 9110
§8.8.1). The route always runs — authentication, ownership and the database read happen as for a
200 — and only the body is spared: a poll whose answer did not change costs no transfer and no
parsing on the client. `Cache-Control: private, no-cache` lets the browser keep the answer and
revalidate it on every fetch by itself, so the frontend's plain `fetch` gets 304s with no code of
its own; `Vary: Authorization` keeps one user's cached answer from being offered for another's.
Streams and error answers pass through untouched.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = "private, no-cache"
# Headers a 304 must not carry: it has no body (RFC 9110 §15.4.5).
BODY_HEADERS = frozenset({"content-length", "content-type", "content-encoding"})


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str, tag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`, so a
    proxy that weakened the tag while compressing still gets its 304."""
    candidates = [candidate.strip() for candidate in if_none_match.split(",")]
    return any(candidate == "*" or candidate.removeprefix("W/") == tag for candidate in candidates)


class ETagMiddleware:
    """Adds ETag, Cache-Control and Vary to 200 JSON answers to GET; answers 304 on a match."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_tagged(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                is_json = headers.get("content-type", "").startswith("application/json")
                if message["status"] == 200 and is_json and "etag" not in headers:
                    start = message  # held until the whole body is known
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await _answer(send, start, b"".join(chunks), if_none_match)
                return
            await send(message)

        await self.app(scope, receive, send_tagged)


async def _answer(send: Send, start: Message, body: bytes, if_none_match: str | None) -> None:
    tag = entity_tag(body)
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    headers["etag"] = tag
    headers["cache-control"] = CACHE_CONTROL
    headers.add_vary_header("Authorization")
    if if_none_match is not None and matches(if_none_match, tag):
        kept = [(name, value) for name, value in headers.raw if name.decode("latin-1") not in BODY_HEADERS]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({**start, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body})
