"""The contract models read JSON the way zod 4 reads it (frontend_schemas.py's table).

If these models were looser than the frontend, the contract suite could pass while the real
frontend shows an error screen; these cases pin each modifier and format to zod's behaviour.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tests.contract import frontend_schemas as fs

TASK = TypeAdapter(fs.TaskStatusResponse)
PROFILE = TypeAdapter(fs.UserProfile)
QUEUE_ITEM = TypeAdapter(fs.QueueItem)
ADMIN_TEMPLATE = TypeAdapter(fs.AdminTemplate)
ADMIN_EMAIL = TypeAdapter(fs.AdminEmail)
EMAIL = TypeAdapter(fs.EmailResponse)

TASK_ID = "6f1c2b9e-3c4d-4e5f-9a7b-1c2d3e4f5a6b"
PROFILE_BODY = {
    "id": TASK_ID,
    "email": "ada.quill@uni.example.edu",
    "display_name": None,
    "generation_count": 0,
    "onboarded": False,
    "email_template": None,
    "created_at": "2026-01-24T10:30:00.123Z",
}


def parses(adapter: TypeAdapter[Any], body: Any) -> bool:
    try:
        adapter.validate_json(json.dumps(body))
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("result", "error", "accepted"),
    [
        ({"email_id": TASK_ID, "step_timings": {"template_parser": 1.2}}, None, True),
        ({"email_id": TASK_ID, "step_timings": {}, "current_step": None}, None, False),  # the defect
        ({"current_step": "web_scraper", "step_status": "running", "step_timings": {}}, None, True),
        ({"step_timings": {}}, None, True),
        ({"current_step": None, "step_status": None, "step_timings": {}}, None, False),
        ({"step_timings": None}, None, False),
        ({"step_timings": {"web_scraper": "fast"}}, None, False),
        (None, None, True),
        (None, {"message": "The composer failed", "type": "provider_error", "failed_step": "composer"}, True),
        (None, {"message": "Took too long", "type": "timeout"}, True),
        (None, {"message": "Took too long", "type": "timeout", "failed_step": None}, False),
        (None, {"message": "Took too long"}, False),
        (None, "A plain message", True),
        ({"email_id": "not-a-uuid"}, None, False),
    ],
)
def test_task_status_optional_means_absent_never_null(result: Any, error: Any, accepted: bool) -> None:
    body = {"task_id": TASK_ID, "status": "SUCCESS", "result": result, "error": error}
    assert parses(TASK, body) is accepted


def test_task_status_result_and_error_are_nullish() -> None:
    assert parses(TASK, {"task_id": TASK_ID, "status": "PENDING"})
    assert parses(TASK, {"task_id": TASK_ID, "status": "PENDING", "result": None, "error": None})
    assert not parses(TASK, {"task_id": TASK_ID, "status": "QUEUED"})
    assert not parses(TASK, {"task_id": None, "status": "PENDING"})


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({}, True),
        ({"display_name": "Ada"}, True),
        ({"email_template": "Dear {{name}}"}, True),
        ({"display_name": "absent"}, True),
        ({"email": ""}, False),
        ({"email": "ada"}, False),
        ({"email": "ada@localhost"}, False),
        ({"email": ".ada@uni.edu"}, False),
        ({"email": "ada..quill@uni.edu"}, False),
        ({"email": "ada.@uni.edu"}, False),
        ({"email": "ada@uni.e"}, False),
        ({"email": "ada@-uni.edu"}, False),
        ({"email": "o'neil+scribe@uni-x.ac.uk"}, True),
        ({"generation_count": -1}, False),
        ({"generation_count": 1.5}, False),
        ({"generation_count": 2**53}, False),
        ({"created_at": "2026-01-24T10:30:00Z"}, True),
        ({"created_at": "2026-01-24T10:30:00.123456789Z"}, True),
        ({"created_at": "2026-01-24T10:30:00+00:00"}, False),
        ({"created_at": "2026-01-24T10:30Z"}, False),
        ({"created_at": "2026-02-30T10:30:00Z"}, False),
        ({"created_at": "2026-01-24 10:30:00Z"}, False),
        ({"id": "6f1c2b9e-3c4d-0e5f-9a7b-1c2d3e4f5a6b"}, False),  # version 0
        ({"id": "6f1c2b9e-3c4d-4e5f-7a7b-1c2d3e4f5a6b"}, False),  # variant 7
        ({"id": "00000000-0000-0000-0000-000000000000"}, True),
        ({"onboarded": "false"}, False),
        ({"unexpected": 1}, False),
    ],
)
def test_user_profile_formats(change: dict[str, Any], accepted: bool) -> None:
    body = {**PROFILE_BODY, **change}
    if change.get("display_name") == "absent":
        del body["display_name"]  # `.nullable()`: the key must be present
        accepted = False
    assert parses(PROFILE, body) is accepted


def test_nullable_fields_must_be_present() -> None:
    item = {
        "id": TASK_ID,
        "recipient_name": "Ada Quill",
        "status": "pending",
        "position": 1,
        "email_id": None,
        "error_message": None,
        "current_step": None,
        "created_at": "2026-01-24T10:30:00.123Z",
    }
    assert parses(QUEUE_ITEM, item)
    assert not parses(QUEUE_ITEM, {key: value for key, value in item.items() if key != "current_step"})
    assert not parses(QUEUE_ITEM, {**item, "position": 0})
    assert not parses(QUEUE_ITEM, {**item, "status": "cancelled"})


def test_admin_views_allow_what_the_user_views_do_not() -> None:
    template = {"id": TASK_ID, "template_text": "Dear {{name}}", "created_at": "anything"}
    assert parses(ADMIN_TEMPLATE, {**template, "user_instructions": None, "pdf_url": None})
    email = {
        "id": TASK_ID,
        "recipient_name": "Ada",
        "recipient_interest": "graphs",
        "email_message": "Dear Ada",
        "template_type": None,
        "is_confident": True,
        "metadata": None,
        "created_at": "2026-01-24",
    }
    assert parses(ADMIN_EMAIL, email)
    user_view = {**email, "user_id": TASK_ID, "created_at": "2026-01-24T10:30:00Z", "displayed": True}
    assert not parses(EMAIL, user_view)  # template_type is a plain string for the user's own emails
    assert parses(EMAIL, {**user_view, "template_type": "research"})
    assert parses(
        EMAIL,
        {key: value for key, value in user_view.items() if key != "displayed"} | {"template_type": "book"},
    )
    assert not parses(EMAIL, {**user_view, "template_type": "book", "displayed": None})
