"""/api/queue: batches of emails, the caller's line, cancelling."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from api.dependencies import (
    ClaimsDep,
    CurrentUser,
    IdempotencyKey,
    LastEventId,
    SessionDep,
    event_stream,
    run_read,
)
from models import QueueItem
from schemas.common import Message
from schemas.queue import BatchCreated, BatchRequest, QueueItemOut, queue_entries
from services import events, queue
from services.errors import (
    BadRequest,
    Conflict,
    NotFound,
    NotInitialised,
    RateLimited,
    Unauthorized,
    responses,
)
from services.submission import submit

router = APIRouter(prefix="/api/queue", tags=["queue"], responses=responses(Unauthorized, NotInitialised))


@router.post(
    "/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchCreated,
    responses=responses(RateLimited, Conflict),
)
def create_batch(
    session: SessionDep, user: CurrentUser, body: BatchRequest, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Queue 1..100 emails with one template; a repeated Idempotency-Key returns the first answer."""

    def respond(rows: list[QueueItem]) -> BatchCreated:
        return BatchCreated(queue_item_ids=[r.id for r in rows], message=f"Queued {len(rows)} emails")

    code, payload = submit(
        session=session,
        user=user,
        route="batch",
        items=[queue.NewItem(i.recipient_name, i.recipient_interest) for i in body.items],
        email_template=body.email_template,
        idempotency_key=idempotency_key,
        status_code=status.HTTP_201_CREATED,
        respond=respond,
    )
    return JSONResponse(payload, status_code=code)


@router.get("/", response_model=list[QueueItemOut])
async def list_queue(claims: ClaimsDep) -> Response:
    """The caller's items of the last 24 h, oldest first; `position` is the real place in line."""
    rows = await run_read(queue.read_line, user_id=claims.user_id)
    # Polled every second by every open tab: the bytes response_model would produce, without a
    # model per row validated twice (see schemas.queue.queue_entries).
    return Response(to_json(queue_entries(rows)), media_type="application/json")


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **responses(RateLimited)},
)
async def stream_queue(claims: ClaimsDep, last_event_id: LastEventId = None) -> StreamingResponse:
    """Server-Sent Events: a `queue` event (same body as GET /api/queue/) whenever it changes;
    ends when nothing is pending or processing or after SSE_MAX_SECONDS (reconnect with
    Last-Event-ID); at most SSE_STREAMS_PER_USER open at once (429 beyond)."""
    # A short session of its own: the stream itself holds no database connection. The mark, taken
    # before the read, tells the stream whether a change notice came in while it was read.
    mark = events.mark()
    first = await run_in_threadpool(events.queue_snapshot, claims.user_id)
    return event_stream(
        claims.user_id,
        events.queue_events(user_id=claims.user_id, first=first, last_event_id=last_event_id, mark=mark),
    )


@router.delete("/{item_id}", response_model=Message, responses=responses(BadRequest, NotFound))
def cancel_item(session: SessionDep, user: CurrentUser, item_id: uuid.UUID) -> Message:
    """Cancel a pending item: it leaves the list and never produces an email."""
    queue.cancel(session=session, user_id=user.id, item_id=item_id)
    return Message(message="Queue item cancelled")
