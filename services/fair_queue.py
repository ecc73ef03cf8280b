"""Who goes next: round-robin between users over the pending rows.

The line is ordered by each item's rank inside its owner's own pending items, then by
how many items that owner already has in flight, then by age. A 100-item batch therefore
interleaves with everyone else's work instead of blocking it, and when only one user has
work every free worker slot still takes their next item (work-conserving).

Celery messages are interchangeable work tokens: a worker that receives one claims the
item at the head of this line, whatever id the message carried. Positions shown to users
come from the same ordering, so what they see is what will happen.

`line()` is the definition. Claims and polls never rank the whole line: a claim reads the
first few items of each user (`next_candidates`), and a user's positions are counted from
per-user figures (`positions`). Their cost follows the caller's own items and the number of
users with pending work, not everyone else's backlog; tests/db/test_fair_line.py proves both
equal to `line()` on random queues, on PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from models import QueueItem, QueueStatus

ITEMS = QueueItem.__table__


def constant(value: str | int) -> ColumnElement[Any]:
    """A constant of this module written into the SQL instead of bound as a parameter.

    The line's statements run as prepared statements. With their constants bound, PostgreSQL
    could not use the partial index of pending rows in a generic plan, so it planned every poll
    anew (~0.7 ms of the server's CPU each); written in, one generic plan serves every poll.
    """
    if isinstance(value, int):
        return literal_column(str(int(value)), Integer())
    if not value.isidentifier():
        raise ValueError(f"not a constant of the code: {value!r}")
    return literal_column(f"'{value}'", String())


PENDING = constant(QueueStatus.PENDING)
PROCESSING = constant(QueueStatus.PROCESSING)
ZERO, ONE = constant(0), constant(1)


def _age(rows: FromClause) -> ColumnElement[Any]:
    """An item's age inside its owner's queue: ranks a user's items and breaks ties in the line."""
    return tuple_(rows.c.created_at, rows.c.batch_index, rows.c.id)


def _in_flight() -> CTE:
    """(user_id, n): items each user has processing right now (few: bounded by the workers)."""
    return (
        select(ITEMS.c.user_id, func.count().label("n"))
        .where(ITEMS.c.status == PROCESSING)
        .group_by(ITEMS.c.user_id)
        .cte("in_flight")
    )


def _ranked(rows: FromClause) -> ColumnElement[int]:
    return func.row_number().over(partition_by=rows.c.user_id, order_by=_age(rows).clauses)


def _ranked_pending(rows: FromClause) -> Select[tuple[Any, ...]]:
    """(id, user_id, created_at, batch_index, user_rank) of the pending items among `rows`."""
    columns = (rows.c.id, rows.c.user_id, rows.c.created_at, rows.c.batch_index)
    return select(*columns, _ranked(rows).label("user_rank")).where(rows.c.status == PENDING)


def line(pending: FromClause | None = None) -> Select[tuple[uuid.UUID, uuid.UUID, int]]:
    """(id, user_id, position) for every pending item, position 1 being the next to start.

    `pending` (id, user_id, created_at, batch_index, user_rank) defaults to every pending item.
    Given each user's first k pending items only, it yields exactly the line's first k
    positions: an item of rank r comes after every item of rank < r.
    """
    if pending is None:
        pending = _ranked_pending(ITEMS.alias("pending")).subquery("ranked")
    flight = _in_flight()
    order = (pending.c.user_rank, func.coalesce(flight.c.n, ZERO), *_age(pending).clauses)
    position = func.row_number().over(order_by=order).label("position")
    return (
        select(pending.c.id, pending.c.user_id, position)
        .join_from(pending, flight, flight.c.user_id == pending.c.user_id, isouter=True)
        .order_by(*order)
    )


def _pending_users() -> FromClause:
    """(user_id) of every user with pending work: one index probe per user, no pending row counted
    (a skip scan written as a recursive CTE, which PostgreSQL and SQLite both run)."""
    probe = ITEMS.alias("probe")

    def first_after(user_id: ColumnElement[uuid.UUID] | None) -> ColumnElement[uuid.UUID]:
        query = select(probe.c.user_id).where(probe.c.status == PENDING)
        if user_id is not None:
            query = query.where(probe.c.user_id > user_id)
        return query.order_by(probe.c.user_id).limit(ONE).scalar_subquery()

    walk = select(first_after(None).label("user_id")).cte("pending_users", recursive=True)
    walk = walk.union_all(select(first_after(walk.c.user_id)).where(walk.c.user_id.is_not(None)))
    return select(walk.c.user_id).where(walk.c.user_id.is_not(None)).subquery("users")


def _heads(dialect: str, users: FromClause, depth: ColumnElement[int] | int) -> Select[tuple[Any, ...]]:
    """(id, user_id, created_at, batch_index, user_rank) of the first `depth` pending items of each
    user in `users`, ranked among that user's pending items."""
    if dialect == "postgresql":
        # One index range scan per user, stopping after `depth` rows.
        rows = ITEMS.alias("theirs")
        first = (
            select(rows.c.id, rows.c.user_id, rows.c.created_at, rows.c.batch_index)
            .where(rows.c.user_id == users.c.user_id, rows.c.status == PENDING)
            .order_by(*_age(rows).clauses)
            .limit(constant(depth) if isinstance(depth, int) else depth)
            .lateral("first")
        )
        return select(first, _ranked(first).label("user_rank")).join_from(users, first, true())
    # SQLite has no LATERAL: it ranks these users' whole queues (the embedded, one-machine case).
    rows = ITEMS.alias("theirs")
    ranked = _ranked_pending(rows).join_from(rows, users, users.c.user_id == rows.c.user_id).subquery()
    return select(ranked).where(ranked.c.user_rank <= (constant(depth) if isinstance(depth, int) else depth))


@lru_cache
def _candidates(dialect: str, limit: int) -> Select[tuple[uuid.UUID]]:
    head = line(_heads(dialect, _pending_users(), limit).subquery("heads")).subquery()
    return select(head.c.id).order_by(head.c.position).limit(constant(limit))


def next_candidates(session: Session, limit: int = 8) -> list[uuid.UUID]:
    """The first `limit` items of the line, read from the first `limit` pending items of each user."""
    return list(session.scalars(_candidates(session.get_bind().dialect.name, limit)))


def _none_of(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """No row matches: a LIMIT 1 probe per outer row, one index lookup. (As NOT EXISTS, PostgreSQL
    may turn it into a hashed scan of every pending row, which is what this module avoids.)"""
    return select(ONE).where(*conditions).limit(ONE).scalar_subquery().is_(None)


@lru_cache
def positions(dialect: str) -> Select[tuple[uuid.UUID, int]]:
    """(id, position) of the pending items of the user bound as `user_id`, equal to `line()`'s.

    The caller's item of rank r starts after their r - 1 earlier items and, from each other user
    with n pending items, after min(n, r - 1) of them, plus that user's rank-r item when it sorts
    first (fewer in flight, or as many and older). When all of a user's pending items sort before
    all of the caller's, or all after, that last term is the same at every r, so only the count
    min(n, depth) is read; only users whose work interleaves with the caller's are read item by item.
    Built once per dialect (the statement is large; the polls that run it are many).
    """
    user_id = bindparam("user_id", type_=Uuid())
    flight = _in_flight()
    own = ITEMS.alias("own")
    mine = (
        select(own.c.id, own.c.created_at, own.c.batch_index, _ranked(own).label("user_rank"))
        .where(own.c.user_id == user_id, own.c.status == PENDING)
        .cte("mine")
    )
    depth = select(func.count()).select_from(mine).scalar_subquery()
    my_flight = func.coalesce(select(flight.c.n).where(flight.c.user_id == user_id).scalar_subquery(), ZERO)

    def key_of(rank: ColumnElement[Any]) -> list[ColumnElement[Any]]:
        return [
            select(column).where(mine.c.user_rank == rank).scalar_subquery() for column in _age(mine).clauses
        ]

    # The caller's figures, read once: in-flight count, first and last pending item's age.
    me = select(my_flight.label("flight"), *key_of(ONE), *key_of(depth)).cte("me")
    first, last = tuple_(*list(me.c)[1:4]), tuple_(*list(me.c)[4:7])

    users = _pending_users()
    rows = ITEMS.alias("theirs")
    theirs = and_(rows.c.user_id == users.c.user_id, rows.c.status == PENDING)
    all_older = _none_of(theirs, _age(rows) >= first)
    all_newer = _none_of(theirs, _age(rows) <= last)
    their_flight = func.coalesce(flight.c.n, ZERO)
    # min(n, depth): counts index entries and stops at the caller's depth.
    backlog = (
        select(func.count())
        .select_from(select(ONE).where(theirs).limit(depth).correlate(users).subquery())
        .scalar_subquery()
    )
    ahead, behind, interleaving = constant("ahead"), constant("behind"), constant("interleaved")
    standing = case(
        (or_(their_flight < me.c.flight, and_(their_flight == me.c.flight, all_older)), ahead),
        (or_(their_flight > me.c.flight, and_(their_flight == me.c.flight, all_newer)), behind),
        else_=interleaving,
    )
    others = (
        select(users.c.user_id, backlog.label("backlog"), standing.label("standing"))
        .join_from(users, flight, flight.c.user_id == users.c.user_id, isouter=True)
        .join(me, true())
        .where(users.c.user_id != user_id)
        .cte("others")
    )
    # Users alike in backlog and standing count alike: sum over these groups, not over users.
    # Both are read once per caller item: MATERIALIZED computes each once (a CTE read in one place
    # would otherwise be inlined, and computed again for every item).
    groups = (
        select(others.c.backlog, others.c.standing, func.count().label("users"))
        .group_by(others.c.backlog, others.c.standing)
        .cte("groups")
        .prefix_with("MATERIALIZED")
    )
    reach = mine.c.user_rank - case((groups.c.standing == ahead, ZERO), else_=ONE)
    ahead_of_rank = case((groups.c.backlog < reach, groups.c.backlog), else_=reach)
    before = select(func.coalesce(func.sum(groups.c.users * ahead_of_rank), ZERO)).scalar_subquery()

    interleaved = select(others.c.user_id).where(others.c.standing == interleaving).subquery()
    heads = _heads(dialect, interleaved, depth).cte("heads").prefix_with("MATERIALIZED")
    same_rank_first = (
        select(func.count())
        .where(heads.c.user_rank == mine.c.user_rank, _age(heads) < _age(mine))
        .scalar_subquery()
    )
    # sum() is NUMERIC on PostgreSQL: the position goes out as the integer it is.
    position = cast(mine.c.user_rank + before + same_rank_first, Integer)
    return select(mine.c.id, position.label("position"))
