"""The queue list's fast serialisation gives the bytes its response model would (GET and SSE)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json, to_jsonable_python

from schemas.queue import QueueItemOut, queue_entries
from services import queue

QUEUE_LIST = TypeAdapter(list[QueueItemOut])
TEXTS = [
    "Professor Ada Lovelace",
    'quotes " and \\ backslashes',
    "new\nline\ttab\x01control",
    "Zoë Ångström 张伟 🎓",
    "</script><script>alert(1)</script>",
    "\u2028line separator",
    "",
]
TIMES = [
    datetime(2026, 12, 1, 21, 33, 0, 123456, tzinfo=UTC),
    datetime(2026, 12, 1, 22, 33, 0, tzinfo=timezone(timedelta(hours=1))),  # another offset
    datetime(2026, 12, 1, 21, 33, 0, 999999),  # naive, as SQLite returns it
]


def random_rows(rng: random.Random, count: int) -> list[tuple[Any, ...]]:
    rows = []
    for _ in range(count):
        status = rng.choice(["pending", "processing", "completed", "failed"])
        row = SimpleNamespace(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            recipient_name=rng.choice(TEXTS),
            status=status,
            position=rng.randint(1, 10_000) if status == "pending" else None,
            email_id=uuid.uuid4() if status == "completed" else None,
            error_message=rng.choice(TEXTS) if status == "failed" else None,
            current_step=rng.choice([None, "research", "generate"]),
            created_at=rng.choice(TIMES),
        )
        rows.append(tuple(getattr(row, name) for name in QueueItemOut.model_fields))
    return rows


def as_models(rows: list[tuple[Any, ...]]) -> list[QueueItemOut]:
    return [QueueItemOut(**dict(zip(QueueItemOut.model_fields, row, strict=True))) for row in rows]


def test_the_list_body_is_the_bytes_of_its_response_model() -> None:
    rows = random_rows(random.Random(13), 400)
    assert to_json(queue_entries(rows)) == QUEUE_LIST.dump_json(as_models(rows))


def test_the_stream_snapshot_is_the_models_json_dump() -> None:
    rows = random_rows(random.Random(7), 100)
    expected = [model.model_dump(mode="json") for model in as_models(rows)]
    assert to_jsonable_python(queue_entries(rows)) == expected


def test_the_list_statement_selects_the_models_fields_in_order() -> None:
    assert list(queue._recent_items("postgresql").selected_columns.keys()) == list(QueueItemOut.model_fields)


def test_an_empty_list_is_an_empty_array() -> None:
    assert to_json(queue_entries([])) == QUEUE_LIST.dump_json([]) == b"[]"
