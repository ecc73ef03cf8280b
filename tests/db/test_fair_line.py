"""The fast queries equal the definition: on random queues, every user's `positions` and the claim
path's `next_candidates` give exactly what ranking the whole line with `line()` gives."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from models import QueueItem, QueueStatus, QueueTemplate, User
from models.base import utcnow
from services import fair_queue, queue

CONFIGURATIONS = 120
STATUSES = [QueueStatus.PENDING] * 6 + [
    QueueStatus.PROCESSING,
    QueueStatus.PROCESSING,
    QueueStatus.COMPLETED,
    QueueStatus.FAILED,
    QueueStatus.CANCELLED,
]


def random_queue(session: Session, rng: random.Random) -> list[uuid.UUID]:
    """Users with interleaved single items and batches, shared timestamps, items in every state."""
    session.execute(delete(QueueItem))
    session.execute(delete(QueueTemplate))
    session.execute(delete(User))
    users = [uuid.uuid4() for _ in range(rng.randint(1, 7))]
    session.execute(insert(User), [{"id": u, "email": f"{u}@uni.test"} for u in users])
    templates = {u: uuid.uuid4() for u in users}
    session.execute(
        insert(QueueTemplate), [{"id": t, "user_id": u, "text": "Hi {{name}}"} for u, t in templates.items()]
    )
    start = utcnow() - timedelta(hours=1)
    rows = []
    for user_id in users:
        for _ in range(rng.randint(0, 4)):
            # Few distinct instants, so batches of different users often share created_at.
            created_at = start + timedelta(seconds=rng.randint(0, 6))
            size = rng.choice([1, 1, 2, 3, 5, 8])
            status_mix = rng.choice([STATUSES, [QueueStatus.PENDING], [QueueStatus.PROCESSING]])
            rows += [
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "batch_index": index,
                    "recipient_name": "Prof Example",
                    "recipient_interest": "graphs",
                    "template_id": templates[user_id],
                    "status": rng.choice(status_mix),
                    "created_at": created_at,
                }
                for index in range(size)
            ]
    if rows:
        session.execute(insert(QueueItem), rows)
    session.flush()  # one open transaction for the whole test: no commit per configuration
    return users


def whole_line(session: Session) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    return [(item_id, user_id, position) for item_id, user_id, position in session.execute(fair_queue.line())]


def test_positions_and_candidates_equal_the_whole_line(empty_db: Session) -> None:
    rng = random.Random(13)
    dialect = empty_db.get_bind().dialect.name
    compared = 0
    for configuration in range(CONFIGURATIONS):
        users = random_queue(empty_db, rng)
        line = whole_line(empty_db)
        assert [position for _, _, position in line] == list(range(1, len(line) + 1))
        for user_id in users:
            expected = {item_id: position for item_id, owner, position in line if owner == user_id}
            found = {
                item_id: position
                for item_id, position in empty_db.execute(fair_queue.positions(dialect), {"user_id": user_id})
            }
            assert found == expected, f"configuration {configuration}, user {user_id}"
            assert all(type(position) is int for position in found.values())
            compared += len(expected)
        for limit in (1, 2, 3, 8):
            head = [item_id for item_id, _, _ in line[:limit]]
            assert fair_queue.next_candidates(empty_db, limit) == head, f"configuration {configuration}"
    assert compared > 1000  # the random queues really had pending work to place


def test_the_queue_list_shows_the_line_positions(empty_db: Session) -> None:
    rng = random.Random(7)
    for _ in range(20):
        users = random_queue(empty_db, rng)
        line = {item_id: position for item_id, _, position in whole_line(empty_db)}
        for user_id in users:
            for row in queue.list_recent(session=empty_db, user_id=user_id):
                assert row.position == line.get(row.id)
                assert (row.position is not None) == (row.status == QueueStatus.PENDING)
