"""A claim's outcome is written once, by the claim that owns the row, whatever its task id."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from models import QueueItem, QueueStatus, User
from services import queue
from tests.db.test_fair_queue import add_user, submit


def complete(session: Session, item: QueueItem) -> bool:
    email = queue.complete(
        session=session,
        item=item,
        email_message="Dear Ada, ...",
        template_type="research",
        metadata={},
        is_confident=True,
        step_timings={"template_parser": 1.2},
    )
    return email is not None


@pytest.mark.parametrize("task_id", ["task-1", None])
def test_the_owning_claim_completes_once_and_counts_once(empty_db: Session, task_id: str | None) -> None:
    ada = add_user(empty_db, "ada")
    [item_id] = submit(empty_db, ada, 1, "A")
    item = queue.claim_next(session=empty_db, task_id=task_id)
    assert item is not None and item.celery_task_id == task_id

    assert complete(empty_db, item) is True
    assert complete(empty_db, item) is False  # a redelivery of the same claim writes nothing

    row = empty_db.get(QueueItem, item_id, populate_existing=True)
    assert row is not None and (row.status, row.step_status) == (QueueStatus.COMPLETED, "completed")
    assert row.step_timings == {"template_parser": 1.2}
    user = empty_db.get(User, ada.id, populate_existing=True)
    assert user is not None and user.generation_count == 1


def test_an_older_claim_writes_nothing_once_the_row_was_claimed_again(empty_db: Session) -> None:
    ada = add_user(empty_db, "ada")
    submit(empty_db, ada, 1, "A")
    old = queue.claim_next(session=empty_db, task_id=None)
    assert old is not None
    empty_db.expunge(old)  # the first worker's copy of the row, as it was when claimed
    queue.requeue(session=empty_db, item_id=old.id, include_processing=True)
    new = queue.claim_next(session=empty_db, task_id="task-2")
    assert new is not None and new.id == old.id

    assert complete(empty_db, old) is False
    assert queue.fail(session=empty_db, item=old, message="late", error_type="x", failed_step=None) is False
    assert complete(empty_db, new) is True
