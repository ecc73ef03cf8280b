"""What the student reads when a request fails.

The frontend (`lib/api/client.ts`, `handleResponse`) shows `errorData.message || errorData.detail`
and JSON-stringifies it when it is an object or a list. Every error body therefore carries a
`message` that is one human sentence naming the field and what to change, while `detail` keeps the
shape other clients parse. `ContractClient` holds every error body of the contract suite to that;
these tests walk each status the frontend can receive and pin the sentences it shows.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError

from api import dependencies
from main import app
from services import emails
from services.auth import AuthUnavailable
from services.errors import as_sentence
from tests.contract.client import ContractClient
from tests.contract.helpers import TEMPLATE, cancel_held, held_in_line
from tests.fixtures.api import Caller
from tests.fixtures.auth import mint

GENERATE = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graph learning"}


def frontend_shows(body: dict[str, Any]) -> str:
    """`handleResponse`: `message || detail`, JSON-stringified when it is not a string."""
    shown = body.get("message") or body.get("detail")
    return shown if isinstance(shown, str) else json.dumps(shown)


def shows(body: dict[str, Any], sentence: str) -> None:
    assert frontend_shows(body) == body["message"] == sentence, body


@pytest.fixture(scope="module")
def api(client: TestClient) -> ContractClient:
    return ContractClient(client)


@pytest.fixture
def unguarded() -> Iterator[ContractClient]:
    """A client that answers like the server on an unexpected exception instead of raising it."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield ContractClient(test_client)


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"recipient_name": "A"}, "Recipient name must be at least 2 characters."),
        ({"recipient_interest": None}, "Recipient interest is required."),
        ({"email_template": "no placeholder in this one"}, None),
        (
            {"email_template": "Dear {{name}},\x00 hello"},
            "Email template must not contain NUL (\\u0000) characters.",
        ),
        ({"recipient_name": 7}, "Recipient name must be text."),
        ({"surprise": True}, "Surprise is not an accepted field; remove it."),
    ],
)
def test_a_refused_field_is_named_with_what_to_change(
    api: ContractClient, caller: Caller, change: dict[str, Any], sentence: str | None
) -> None:
    body = {key: value for key, value in {**GENERATE, **change}.items() if value is not None}
    refused = api.call("POST", "/api/email/generate", expect=422, json=body, headers=caller.headers)
    assert isinstance(refused["detail"], list) and refused["detail"][0]["loc"][0] == "body"
    shows(refused, sentence or "Email template must contain at least one {{placeholder}}, e.g. {{name}}.")


def test_several_refused_fields_are_named_in_one_sentence(api: ContractClient, caller: Caller) -> None:
    body = {"email_template": "short", "recipient_name": "A", "recipient_interest": "graphs"}
    refused = api.call("POST", "/api/email/generate", expect=422, json=body, headers=caller.headers)
    assert len(refused["detail"]) == 2
    shows(
        refused,
        "Recipient name must be at least 2 characters; email template must be at least 10 characters.",
    )


def test_a_batch_row_is_named_by_its_place(api: ContractClient, caller: Caller) -> None:
    items = [{"recipient_name": "Ada Quill", "recipient_interest": "graphs"}]
    items.append({"recipient_name": "Bo Li", "recipient_interest": "x"})
    body = {"items": items, "email_template": TEMPLATE}
    refused = api.call("POST", "/api/queue/batch", expect=422, json=body, headers=caller.headers)
    shows(refused, "Recipient interest in row 2 must be at least 2 characters.")
    empty = api.call(
        "POST",
        "/api/queue/batch",
        expect=422,
        json={"items": [], "email_template": TEMPLATE},
        headers=caller.headers,
    )
    shows(empty, "The list of recipients must have at least 1 entry.")


def test_other_requests_name_their_field(api: ContractClient, caller: Caller) -> None:
    headers = caller.headers
    blank = api.call("PATCH", "/api/user/template", expect=422, json={"template": "   "}, headers=headers)
    shows(blank, "Template must not be empty.")
    short = {"pdf_url": "https://storage.example.com/cv.pdf", "user_instructions": "short"}
    shows(
        api.call("POST", "/api/templates/", expect=422, json=short, headers=headers),
        "Instructions must be at least 10 characters.",
    )
    shows(
        api.call("GET", "/api/email/?limit=500", expect=422, headers=headers),
        "The limit parameter must be at most 100.",
    )
    shows(
        api.refused("GET", "/api/email/status/not-a-task", expect=422, headers=headers),
        "The task id in the URL must be a valid id.",
    )
    not_json = api.refused(
        "POST",
        "/api/email/generate",
        expect=422,
        content=b'{"recipient_name": ',
        headers={**headers, "Content-Type": "application/json"},
    )
    shows(not_json, "The request body is not valid JSON.")


def test_sign_in_problems_say_to_sign_in(api: ContractClient, caller: Caller) -> None:
    shows(api.call("GET", "/api/user", expect=401), "You are not signed in; please sign in and try again.")
    expired = mint(
        sub=str(caller.id), email=caller.email, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600
    )
    shows(
        api.call("GET", "/api/user", expect=401, headers={"Authorization": f"Bearer {expired}"}),
        "Your session has expired; please sign in again.",
    )
    shows(
        api.call("GET", "/api/user", expect=401, headers={"Authorization": "Bearer not-a-token"}),
        "Your sign-in could not be verified; please sign in again.",
    )


def test_forbidden_says_why(api: ContractClient, caller: Caller, new_caller: Any) -> None:
    stranger = new_caller(init=False)
    body = api.call("GET", "/api/user", expect=403, headers=stranger.headers)
    assert "init" in body["detail"]
    shows(body, "Your profile is not set up yet; finish signing in (POST /api/user/init) and try again.")
    shows(
        api.call("GET", "/api/admin/overview", expect=403, headers=caller.headers),
        "This page is for administrators; sign in with an admin account.",
    )


def test_missing_things_and_wrong_addresses(api: ContractClient, caller: Caller) -> None:
    shows(
        api.call("GET", f"/api/email/{uuid.uuid4()}", expect=404, headers=caller.headers), "Email not found."
    )
    shows(
        api.call("GET", f"/api/email/status/{uuid.uuid4()}", expect=404, headers=caller.headers),
        "Task not found.",
    )
    shows(
        api.refused("GET", "/api/emails/everything", expect=404, headers=caller.headers),
        "Nothing exists at this address; check the URL.",
    )
    wrong_method = api.refused("PUT", "/api/user", expect=405, headers=caller.headers)
    assert wrong_method["detail"] == "Method Not Allowed"
    assert frontend_shows(wrong_method).startswith("This address does not accept PUT requests")


def test_a_reused_idempotency_key_is_a_conflict(api: ContractClient, caller: Caller) -> None:
    headers = {**caller.headers, "Idempotency-Key": f"key-{uuid.uuid4()}"}
    with held_in_line():
        first = api.call("POST", "/api/email/generate", expect=202, json=GENERATE, headers=headers)
    try:
        other = {**GENERATE, "recipient_name": "Bo Li"}
        shows(
            api.call("POST", "/api/email/generate", expect=409, json=other, headers=headers),
            "This Idempotency-Key was already used for a different request; send a new key.",
        )
    finally:
        cancel_held(api, caller, [first["task_id"]])


def test_a_body_over_the_cap_is_413_with_the_limit(api: ContractClient, caller: Caller) -> None:
    body = b'{"recipient_name": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    headers = {**caller.headers, "Content-Type": "application/json"}
    refused = api.call("POST", "/api/email/generate", expect=413, content=body, headers=headers)
    assert refused["detail"] == "Request body too large"
    shows(refused, "The request is too large; send at most 1 MiB.")


def test_limits_say_when_to_try_again(
    api: ContractClient, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import get_settings

    monkeypatch.setattr(get_settings(), "rate_limit_generate_per_minute", 0)
    refused = api.call("POST", "/api/email/generate", expect=429, json=GENERATE, headers=caller.headers)
    retry_after = refused["message"].split("try again in ")[1]
    assert frontend_shows(refused).startswith("Too many requests: at most 0 every 60 seconds; try again in ")
    assert retry_after.endswith(" seconds.") and int(retry_after.split()[0]) >= 1


def test_a_bad_request_reads_as_a_sentence(api: ContractClient, caller: Caller) -> None:
    outside = {"pdf_url": "https://evil.example.com/cv.pdf", "user_instructions": "Keep it short and warm."}
    shows(
        api.call("POST", "/api/templates/", expect=400, json=outside, headers=caller.headers),
        "Resume URL must point to Scribe's resume storage; upload the resume and use its link.",
    )
    with held_in_line():
        created = api.call("POST", "/api/email/generate", expect=202, json=GENERATE, headers=caller.headers)
    api.call("DELETE", f"/api/queue/{created['task_id']}", expect=200, headers=caller.headers)
    again = api.call("DELETE", f"/api/queue/{created['task_id']}", expect=400, headers=caller.headers)
    shows(again, as_sentence(again["detail"]))


@pytest.mark.parametrize(
    ("failure", "status", "sentence"),
    [
        (
            OperationalError("SELECT 1", {}, ConnectionError("gone")),
            503,
            "Scribe cannot reach its database right now; please try again in a minute.",
        ),
        (
            IntegrityError("INSERT secret", {}, ValueError("secret")),
            500,
            "Something went wrong on our side; please try again, and tell us if it keeps happening.",
        ),
        (
            RuntimeError("a bug with private words"),
            500,
            "Something went wrong on our side; please try again, and tell us if it keeps happening.",
        ),
    ],
)
def test_server_failures_apologise_without_internals(
    unguarded: ContractClient,
    caller: Caller,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
    sentence: str,
) -> None:
    def fail(**_kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(emails, "get_email", fail)
    refused = unguarded.call("GET", f"/api/email/{uuid.uuid4()}", expect=status, headers=caller.headers)
    shows(refused, sentence)
    assert "secret" not in json.dumps(refused) and "private" not in json.dumps(refused)


def test_token_checks_that_cannot_run_are_503(
    api: ContractClient, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    class KeysDown:
        def verify(self, _token: str, allow_fetch: bool = True) -> None:
            raise AuthUnavailable("signing keys unavailable")

    monkeypatch.setattr(dependencies, "get_token_verifier", KeysDown)
    shows(
        api.call("GET", "/api/user", expect=503, headers=caller.headers),
        "Scribe cannot check your sign-in right now; please try again in a minute.",
    )
