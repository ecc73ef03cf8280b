"""Request dependencies: database session, the caller (from a verified token), admin, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Header, Query
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from config.settings import get_settings
from database.engine import get_sessionmaker
from models import User
from services.auth import AuthError, AuthUnavailable, TokenClaims, get_token_verifier
from services.errors import Forbidden, NotInitialised, ServiceUnavailable, Unauthorized

bearer = HTTPBearer(auto_error=False, description="Supabase access token")


def get_db() -> Iterator[Session]:
    """One session per request; the route commits, anything unhandled rolls back."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db)]


def get_claims(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> TokenClaims:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Missing bearer token")
    try:
        return get_token_verifier().verify(credentials.credentials)
    except AuthUnavailable as exc:
        raise ServiceUnavailable("Token verification is temporarily unavailable") from exc
    except AuthError as exc:
        raise Unauthorized(str(exc)) from exc


ClaimsDep = Annotated[TokenClaims, Depends(get_claims)]


def get_current_user(session: SessionDep, claims: ClaimsDep) -> User:
    user = session.get(User, claims.user_id)
    if user is None:
        raise NotInitialised()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin(claims: ClaimsDep) -> TokenClaims:
    admins = {address.lower() for address in get_settings().admin_emails}
    if not claims.email or claims.email.lower() not in admins:
        raise Forbidden("Admin access required")
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


def event_stream(events: AsyncIterator[str]) -> StreamingResponse:
    """An SSE response that proxies (Cloudflare, nginx) pass through unbuffered."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
