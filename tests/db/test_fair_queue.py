"""The line is round-robin between users and work-conserving; positions match claim order."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from models import QueueItem, QueueStatus, User
from services import queue


def add_user(session: Session, name: str) -> User:
    user = User(id=uuid.uuid4(), email=f"{name}@uni.test")
    session.add(user)
    session.commit()
    return user


def submit(session: Session, user: User, count: int, prefix: str) -> list[uuid.UUID]:
    items = [queue.NewItem(f"{prefix}{i}", "graphs") for i in range(count)]
    rows = queue.create_items(session=session, user=user, items=items, email_template="Hi {{name}}")
    session.commit()
    return [row.id for row in rows]


def positions(session: Session, user: User) -> dict[uuid.UUID, int]:
    rows = queue.list_recent(session=session, user_id=user.id)
    return {row.id: row.position for row in rows if row.position is not None}


def claim_names(session: Session, count: int) -> list[str]:
    names = []
    for _ in range(count):
        item = queue.claim_next(session=session, task_id=str(uuid.uuid4()))
        assert item is not None
        names.append(item.recipient_name)
    return names


def test_one_user_gets_every_slot_in_submitted_order(empty_db: Session) -> None:
    alice = add_user(empty_db, "alice")
    submit(empty_db, alice, 4, "A")
    assert claim_names(empty_db, 4) == ["A0", "A1", "A2", "A3"]
    assert queue.claim_next(session=empty_db, task_id="t") is None


def test_a_later_single_item_does_not_wait_behind_a_big_batch(empty_db: Session) -> None:
    alice, bob = add_user(empty_db, "alice"), add_user(empty_db, "bob")
    submit(empty_db, alice, 100, "A")
    assert claim_names(empty_db, 2) == ["A0", "A1"]  # two worker slots busy with Alice
    submit(empty_db, bob, 1, "B")
    assert claim_names(empty_db, 2) == ["B0", "A2"]


def test_users_alternate_while_both_have_work(empty_db: Session) -> None:
    alice, bob = add_user(empty_db, "alice"), add_user(empty_db, "bob")
    submit(empty_db, alice, 3, "A")
    submit(empty_db, bob, 3, "B")
    assert claim_names(empty_db, 6) == ["A0", "B0", "A1", "B1", "A2", "B2"]


def test_positions_predict_the_claim_order(empty_db: Session) -> None:
    alice, bob = add_user(empty_db, "alice"), add_user(empty_db, "bob")
    a_ids = submit(empty_db, alice, 5, "A")
    b_ids = submit(empty_db, bob, 2, "B")
    line = positions(empty_db, alice) | positions(empty_db, bob)
    predicted = sorted(line, key=lambda item_id: line[item_id])
    claimed = [queue.claim_next(session=empty_db, task_id="t") for _ in range(7)]
    assert [item.id for item in claimed if item] == predicted
    assert [line[i] for i in a_ids] == sorted(line[i] for i in a_ids)
    assert sorted(line.values()) == list(range(1, 8))
    assert b_ids[0] in predicted[:2]


def test_cancelled_items_leave_the_line(empty_db: Session) -> None:
    alice = add_user(empty_db, "alice")
    ids = submit(empty_db, alice, 3, "A")
    queue.cancel(session=empty_db, user_id=alice.id, item_id=ids[0])
    assert positions(empty_db, alice) == {ids[1]: 1, ids[2]: 2}
    assert claim_names(empty_db, 2) == ["A1", "A2"]


def test_a_cancel_wins_over_a_late_worker(empty_db: Session) -> None:
    alice = add_user(empty_db, "alice")
    [item_id] = submit(empty_db, alice, 1, "A")
    queue.cancel(session=empty_db, user_id=alice.id, item_id=item_id)
    assert queue.claim_next(session=empty_db, task_id="late") is None
    item = empty_db.get(QueueItem, item_id, populate_existing=True)
    assert item is not None and item.status == QueueStatus.CANCELLED


def test_workers_claiming_at_once_take_one_item_each_from_the_head_of_the_line(
    empty_db: Session,
) -> None:
    alice, bob = add_user(empty_db, "alice"), add_user(empty_db, "bob")
    submit(empty_db, alice, 12, "A")
    submit(empty_db, bob, 4, "B")
    line = positions(empty_db, alice) | positions(empty_db, bob)
    in_order = sorted(line, key=lambda item_id: line[item_id])
    engine = empty_db.get_bind()
    updates: list[str] = []

    def count_claims(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE queue_items"):
            updates.append(statement)

    event.listen(engine, "before_cursor_execute", count_claims)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    start = threading.Barrier(8)

    def worker(_: int) -> uuid.UUID:
        with sessions() as session:
            start.wait()
            item = queue.claim_next(session=session, task_id=str(uuid.uuid4()))
            assert item is not None
            return item.id

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            claimed = list(pool.map(worker, range(8)))
    finally:
        event.remove(engine, "before_cursor_execute", count_claims)

    # Eight different items from the head of the line. Not always exactly the first eight: a claim
    # not yet committed does not count as in flight for the others, so for a moment the line may
    # put the heavier user's next item ahead of the lighter user's (A5 before B4: 2 places of slack).
    assert len(set(claimed)) == 8
    assert set(claimed) <= set(in_order[:10])
    # About one UPDATE per claim (36 when each worker tried the same head and fell through).
    assert len(updates) <= 10
