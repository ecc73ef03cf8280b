"""Creating work: idempotency, rate limit, room in the user's line, durable rows, then the broker —
in that order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import get_settings
from models import QueueItem, User
from services import changes, queue, request_guard


def submit(
    *,
    session: Session,
    user: User,
    route: str,
    items: Sequence[queue.NewItem],
    email_template: str,
    idempotency_key: str | None,
    status_code: int,
    respond: Callable[[list[QueueItem]], BaseModel],
) -> tuple[int, dict[str, Any]]:
    """Queue the items once per idempotency key; returns (status, body) of the first response."""
    digest = request_hash(items, email_template)
    if idempotency_key:
        stored = request_guard.replay(
            session=session, user_id=user.id, key=idempotency_key, route=route, digest=digest
        )
        if stored is not None:
            return stored
    limits = get_settings()
    limit = limits.rate_limit_batch_per_minute if route == "batch" else limits.rate_limit_generate_per_minute
    request_guard.hit_rate_limit(session=session, user_id=user.id, bucket=route, limit=limit)
    request_guard.hold_pending_room(
        session=session, user_id=user.id, adding=len(items), cap=limits.max_pending_per_user
    )
    rows = queue.create_items(session=session, user=user, items=items, email_template=email_template)
    body = respond(rows).model_dump(mode="json")
    if idempotency_key:
        request_guard.remember(
            session=session,
            user_id=user.id,
            key=idempotency_key,
            route=route,
            digest=digest,
            status_code=status_code,
            response=body,
        )
    try:
        session.commit()
    except IntegrityError:
        # The same key committed first in a concurrent request: answer with its response.
        session.rollback()
        if idempotency_key:
            stored = request_guard.replay(
                session=session, user_id=user.id, key=idempotency_key, route=route, digest=digest
            )
            if stored is not None:
                return stored
        raise
    # Live streams first: the rows are committed, whatever the broker does next.
    changes.announce(user.id, line_moved=True)
    queue.enqueue(session=session, item_ids=[row.id for row in rows])
    return status_code, body


def request_hash(items: Sequence[queue.NewItem], email_template: str) -> str:
    return request_guard.request_hash(
        {"items": [(i.recipient_name, i.recipient_interest) for i in items], "template": email_template}
    )
