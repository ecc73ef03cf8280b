"""Polling routes answer 304 while nothing changed and a new ETag as soon as the body would change."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from config.settings import get_settings
from database.engine import session_scope
from models import QueueItem, QueueStatus
from tests.api.test_queue import batch
from tests.fixtures.api import Caller


def change(item_id: str, **values: object) -> None:
    with session_scope() as session:
        session.execute(update(QueueItem).where(QueueItem.id == uuid.UUID(item_id)).values(**values))
        session.commit()


def revalidate(client: TestClient, caller: Caller, path: str, tag: str) -> int:
    return client.get(path, headers=caller.headers | {"If-None-Match": tag}).status_code


def test_an_unchanged_status_is_304_with_no_body(client: TestClient, caller: Caller) -> None:
    _, body = batch(client, caller, 1)
    path = f"/api/email/status/{body['queue_item_ids'][0]}"
    first = client.get(path, headers=caller.headers)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')  # strong: derived from the exact bytes
    assert first.headers["cache-control"] == "private, no-cache"
    assert "authorization" in first.headers["vary"].lower()

    again = client.get(path, headers=caller.headers | {"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert "content-type" not in again.headers


def test_the_status_tag_changes_with_every_change_of_the_body(client: TestClient, caller: Caller) -> None:
    _, body = batch(client, caller, 1)
    item_id = body["queue_item_ids"][0]
    path = f"/api/email/status/{item_id}"
    seen = {client.get(path, headers=caller.headers).headers["etag"]}
    steps: list[dict[str, Any]] = [
        {"status": QueueStatus.PROCESSING},
        {"current_step": "template_parser", "step_status": "running"},
        {"step_timings": {"template_parser": 1.2}},
        {"current_step": "web_scraper"},
        {"status": QueueStatus.FAILED, "error_message": "Exa is down", "error_type": "provider"},
    ]
    for values in steps:
        previous = client.get(path, headers=caller.headers).headers["etag"]
        change(item_id, **values)
        assert revalidate(client, caller, path, previous) == 200
        now = client.get(path, headers=caller.headers)
        assert now.headers["etag"] not in seen
        seen.add(now.headers["etag"])
        assert revalidate(client, caller, path, now.headers["etag"]) == 304


def test_the_queue_list_tag_follows_positions_moved_by_other_users(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller]
) -> None:
    batch(client, caller, 2)
    first = client.get("/api/queue/", headers=caller.headers)
    tag = first.headers["etag"]
    assert revalidate(client, caller, "/api/queue/", tag) == 304

    # Someone else's item ahead in line leaves it: only a position of ours changes.
    other = new_caller()
    _, theirs = batch(client, other, 1)
    after_theirs = client.get("/api/queue/", headers=caller.headers)
    change(theirs["queue_item_ids"][0], status=QueueStatus.CANCELLED)
    moved = client.get("/api/queue/", headers=caller.headers)
    assert [i["id"] for i in moved.json()] == [i["id"] for i in first.json()]
    assert moved.json() != after_theirs.json()  # their rank-1 item was ahead of our rank-2 item
    assert revalidate(client, caller, "/api/queue/", after_theirs.headers["etag"]) == 200
    assert revalidate(client, caller, "/api/queue/", moved.headers["etag"]) == 304


def test_the_queue_list_tag_changes_when_an_item_starts(client: TestClient, caller: Caller) -> None:
    _, body = batch(client, caller, 2)
    tag = client.get("/api/queue/", headers=caller.headers).headers["etag"]
    change(body["queue_item_ids"][0], status=QueueStatus.PROCESSING, current_step="template_parser")
    assert revalidate(client, caller, "/api/queue/", tag) == 200


def test_weak_and_listed_tags_match_as_rfc_9110_says(client: TestClient, caller: Caller) -> None:
    batch(client, caller, 1)
    tag = client.get("/api/queue/", headers=caller.headers).headers["etag"]
    assert revalidate(client, caller, "/api/queue/", f"W/{tag}") == 304
    assert revalidate(client, caller, "/api/queue/", f'"stale", {tag}') == 304
    assert revalidate(client, caller, "/api/queue/", "*") == 304
    assert revalidate(client, caller, "/api/queue/", '"stale"') == 200


def test_a_matching_tag_never_turns_another_users_task_into_a_304(
    client: TestClient, caller: Caller, new_caller: Callable[..., Caller]
) -> None:
    _, body = batch(client, caller, 1)
    path = f"/api/email/status/{body['queue_item_ids'][0]}"
    tag = client.get(path, headers=caller.headers).headers["etag"]
    intruder = new_caller()
    response = client.get(path, headers=intruder.headers | {"If-None-Match": tag})
    assert response.status_code == 404
    assert "etag" not in response.headers


def test_errors_and_writes_carry_no_tag(client: TestClient, caller: Caller) -> None:
    missing = client.get(f"/api/email/status/{uuid.uuid4()}", headers=caller.headers)
    assert missing.status_code == 404 and "etag" not in missing.headers
    code, _ = batch(client, caller, 1)
    assert code == 201
    created = client.post("/api/queue/batch", json={"items": []}, headers=caller.headers)
    assert "etag" not in created.headers


def test_the_frontend_may_send_if_none_match_and_read_the_tag(client: TestClient, caller: Caller) -> None:
    origin = get_settings().allowed_origins[0]
    preflight = client.options(
        "/api/queue/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()
    response = client.get("/api/queue/", headers=caller.headers | {"Origin": origin})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "retry-after" in exposed
    not_modified = client.get(
        "/api/queue/", headers=caller.headers | {"Origin": origin, "If-None-Match": response.headers["etag"]}
    )
    assert not_modified.status_code == 304
    assert not_modified.headers["access-control-allow-origin"] == origin
