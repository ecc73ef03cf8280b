"""User rules: initialisation (idempotent), profile edits."""

from __future__ import annotations

import re
import uuid
from typing import cast

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import User
from services.errors import BadRequest, Forbidden, NotFound, NotInitialised

# The frontend parses UserProfile.email with zod's `.email()` ("practical" rule: plain ASCII local
# part not starting or ending with a dot, no "..", dotted host names, a letters-only TLD).
# A profile with any other address would be an error screen on every page, so init refuses it.
EMAIL_ADDRESS = re.compile(
    r"(?!\.)(?!.*\.\.)[A-Za-z0-9_'+.-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}"
)


class NoEmailAddress(Forbidden):
    detail = "The token carries no usable e-mail address"
    message = "Scribe needs an account with an e-mail address; sign in with your e-mail account."


def init_user(*, session: Session, user_id: uuid.UUID, email: str | None, display_name: str | None) -> User:
    """Create the caller's row once; a repeated or concurrent call returns the existing row."""
    if email is None or not EMAIL_ADDRESS.fullmatch(email):
        raise NoEmailAddress()
    values = {"id": user_id, "email": email, "display_name": display_name}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(User).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    user = session.scalars(
        select(User).where(User.id == user_id).execution_options(populate_existing=True)
    ).one()
    return user


def count_generation(*, session: Session, user_id: uuid.UUID) -> None:
    """Atomic increment: concurrent workers never lose a count."""
    session.execute(_COUNT_GENERATION, {"counted_user": user_id})


# Once per email: built once, on the table (the ORM's bulk-update bookkeeping costs more than the
# statement); `updated_at` keeps its on-update default.
_USERS = cast(Table, User.__table__)
_COUNT_GENERATION = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("counted_user"))
    .values(generation_count=_USERS.c.generation_count + 1)
)


def require_initialised(*, session: Session | Connection, user_id: uuid.UUID) -> None:
    """403 unless the caller has called POST /api/user/init."""
    if session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise NotInitialised()


def find_user(*, session: Session, who: str) -> User:
    """A user by id or e-mail address (case-insensitive); 404 when none, 400 when several share it."""
    try:
        user = session.get(User, uuid.UUID(who))
    except ValueError:
        found = list(
            session.scalars(select(User).where(func.lower(User.email) == who.strip().lower()).limit(2))
        )
        if len(found) > 1:
            raise BadRequest(f"Several users have the address {who}; use the user's id") from None
        user = found[0] if found else None
    if user is None:
        raise NotFound(f"No user {who}")
    return user
