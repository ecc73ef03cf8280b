"""/api/email: ask for one email, follow it, read and hide emails."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.dependencies import (
    ClaimsDep,
    CurrentUser,
    IdempotencyKey,
    LastEventId,
    PageDep,
    SessionDep,
    event_stream,
    run_read,
)
from models import Email
from schemas.email import EmailOut, EmailUpdate, GenerateRequest, TaskAccepted, TaskStatus
from services import emails, events, queue
from services.errors import Conflict, NotFound, NotInitialised, RateLimited, Unauthorized, responses
from services.submission import submit
from services.task_status import read_task_status

router = APIRouter(prefix="/api/email", tags=["email"], responses=responses(Unauthorized, NotInitialised))


@router.post(
    "/generate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=responses(RateLimited, Conflict),
)
def generate_email(
    session: SessionDep, user: CurrentUser, body: GenerateRequest, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Queue one email; poll GET /api/email/status/{task_id} for progress."""
    code, payload = submit(
        session=session,
        user=user,
        route="generate",
        items=[queue.NewItem(body.recipient_name, body.recipient_interest)],
        email_template=body.email_template,
        idempotency_key=idempotency_key,
        status_code=status.HTTP_202_ACCEPTED,
        respond=lambda rows: TaskAccepted(task_id=rows[0].id),
    )
    return JSONResponse(payload, status_code=code)


@router.get("/status/{task_id}", response_model=TaskStatus, responses=responses(NotFound))
async def read_status(claims: ClaimsDep, task_id: uuid.UUID) -> TaskStatus:
    """The task's state, read from its queue item (correct for as long as the item exists)."""
    # Polled every second or two by every open tab: one thread hop and one query.
    return await run_read(read_task_status, user_id=claims.user_id, item_id=task_id)


@router.get(
    "/status/{task_id}/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **responses(NotFound, RateLimited)},
)
async def stream_status(
    claims: ClaimsDep, task_id: uuid.UUID, last_event_id: LastEventId = None
) -> StreamingResponse:
    """Server-Sent Events: a `status` event per change (same body as the status route); ends on
    SUCCESS or FAILURE or after SSE_MAX_SECONDS (reconnect with Last-Event-ID); `: keep-alive`
    comments while idle; at most SSE_STREAMS_PER_USER open at once (429 beyond)."""
    # A short session of its own: the stream itself holds no database connection. The mark, taken
    # before the read, tells the stream whether a change notice came in while it was read.
    mark = events.mark()
    first = await run_in_threadpool(read_task_status, user_id=claims.user_id, item_id=task_id)
    return event_stream(
        claims.user_id,
        events.task_events(
            user_id=claims.user_id,
            item_id=task_id,
            first=first.model_dump(mode="json"),
            last_event_id=last_event_id,
            mark=mark,
        ),
    )


@router.get("/", response_model=list[EmailOut])
def list_emails(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    include_discarded: Annotated[bool, Query()] = False,
) -> list[Email]:
    """The caller's emails, newest first."""
    return emails.list_emails(
        session=session,
        user_id=user.id,
        limit=page.limit,
        offset=page.offset,
        include_discarded=include_discarded,
    )


@router.get("/{email_id}", response_model=EmailOut, responses=responses(NotFound))
def read_email(session: SessionDep, user: CurrentUser, email_id: uuid.UUID) -> Email:
    return emails.get_email(session=session, user_id=user.id, email_id=email_id)


@router.patch("/{email_id}", response_model=EmailOut, responses=responses(NotFound))
def update_email(session: SessionDep, user: CurrentUser, email_id: uuid.UUID, body: EmailUpdate) -> Email:
    """Hide (displayed=false) or restore an email."""
    email = emails.get_email(session=session, user_id=user.id, email_id=email_id)
    email.displayed = body.displayed
    session.commit()
    return email
