"""Request dependencies: database session, the caller (from a verified token), admin, paging."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from functools import lru_cache, partial
from typing import Annotated, Any

import anyio
from fastapi import Depends, Header, Query
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from config.settings import get_settings
from database.engine import get_sessionmaker
from models import User
from services.auth import AuthError, AuthUnavailable, KeysNotCached, TokenClaims, get_token_verifier
from services.errors import Forbidden, NotInitialised, ServiceUnavailable, Unauthorized
from services.events import take_stream_slot

bearer = HTTPBearer(auto_error=False, description="Supabase access token")


@lru_cache
def _cleanup_limiter() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(8)


async def get_db() -> AsyncIterator[Session]:
    """One session per request; the route commits, anything unhandled rolls back.

    Closing a session returns its connection to the pool. It runs on a thread limiter of its own
    and shielded from cancellation: if it shared FastAPI's threadpool, threads waiting for a pool
    connection could hold every token while the sessions holding those connections wait for a
    token to close (a deadlock seen under load), and a cancelled request would leak its connection.
    """
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.close, limiter=_cleanup_limiter())


SessionDep = Annotated[Session, Depends(get_db)]


@lru_cache
def _reads_limiter() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(max(1, get_settings().db_pool_size))


async def run_read[T](read: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a polling read (one pooled connection, a statement or two) in a thread, no more of them
    at once than the pool holds connections.

    On FastAPI's 40 threads a burst of polls checked out more connections than the pool keeps, and
    each one past it was opened and closed again for a single poll (a new server process each
    time): a saturated API spent its CPU on connections and fell further behind. Queued here, a
    poll waits for a pooled connection instead.
    """
    return await anyio.to_thread.run_sync(partial(read, **kwargs), limiter=_reads_limiter())


async def get_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenClaims:
    """The caller's verified claims. Verification is CPU-only and runs on the loop; the rare JWKS
    fetch (new or rotated key) goes to a thread so it never blocks other requests."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "Missing bearer token", message="You are not signed in; please sign in and try again."
        )
    verifier = get_token_verifier()
    try:
        try:
            return verifier.verify(credentials.credentials, allow_fetch=False)
        except KeysNotCached:
            return await run_in_threadpool(verifier.verify, credentials.credentials)
    except AuthUnavailable as exc:
        raise ServiceUnavailable(
            "Token verification is temporarily unavailable",
            message="Scribe cannot check your sign-in right now; please try again in a minute.",
        ) from exc
    except AuthError as exc:
        expired = "Your session has expired; please sign in again."
        raise Unauthorized(str(exc), message=expired if exc.reason == "token expired" else None) from exc


ClaimsDep = Annotated[TokenClaims, Depends(get_claims)]


def get_current_user(session: SessionDep, claims: ClaimsDep) -> User:
    user = session.get(User, claims.user_id)
    if user is None:
        raise NotInitialised()
    # End the read transaction: no pooled connection is held while this request waits for its next
    # threadpool hop (the route). The user stays loaded (expire_on_commit=False).
    session.commit()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin(claims: ClaimsDep) -> TokenClaims:
    admins = {address.lower() for address in get_settings().admin_emails}
    if not claims.email or claims.email.lower() not in admins:
        raise Forbidden(
            "Admin access required", message="This page is for administrators; sign in with an admin account."
        )
    return claims


AdminDep = Annotated[TokenClaims, Depends(get_admin)]


class Page:
    """limit/offset paging for list routes."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PageDep = Annotated[Page, Depends()]


IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255, description="Repeat-safe retries"),
]

LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)]


class EventStream(StreamingResponse):
    """An SSE response that proxies (Cloudflare, nginx) pass through unbuffered, holding one of its
    user's stream slots until it ends, however it ends (finished, lifetime over, client gone)."""

    def __init__(self, events: AsyncIterator[str], *, release: Callable[[], None]) -> None:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(events, media_type="text/event-stream", headers=headers)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def event_stream(user_id: uuid.UUID, events: AsyncIterator[str]) -> EventStream:
    """Take one of the user's stream slots (429 when all are in use) for this stream's life."""
    return EventStream(events, release=take_stream_slot(user_id))
