"""The frontend contract: every endpoint, walked as the frontend uses it.

Every response goes through `ContractClient`, which holds status codes, bodies and headers to
models written from the real frontend's zod schemas (`frontend_schemas.py`) and to SPEC §4's own
rules (`spec_rules.py`), so these tests fail on any drift in shape even where their own
assertions look only at behaviour. Every state of a task is walked in `test_task_states.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import get_settings
from main import app
from services.emulator import EmulatorHandle
from tests.contract.client import CONTRACT, ContractClient, SseEvent, normalise, served_routes
from tests.contract.helpers import (
    RESEARCHER,
    TEMPLATE,
    cancel_held,
    fast_streams,
    generate,
    held_in_line,
    poll_until_done,
)
from tests.fetch.pdfs import RESUME_LINES, text_pdf
from tests.fetch.storage import PREFIX, Storage, resume_storage
from tests.fixtures.api import Caller, make_caller

INSTRUCTIONS = "Keep it short and mention my machine learning research."
ADMIN_ROUTES = ["overview", "users", "users/{id}/emails", "users/{id}/templates", "users/{id}/queue"]
ADMIN_ROUTES += ["activity", "errors"]


@dataclass
class Generated:
    task_id: str
    email_id: str
    polled: list[dict[str, Any]]
    failed_task_id: str
    failure_events: list[SseEvent]


@pytest.fixture(scope="module")
def api(client: TestClient) -> ContractClient:
    return ContractClient(client)


@pytest.fixture(scope="module")
def author(client: TestClient) -> Caller:
    return make_caller(client)


@pytest.fixture(scope="module")
def generated(api: ContractClient, author: Caller, worker: object, emulator: EmulatorHandle) -> Generated:
    """One email written by the real worker (polled), and one that fails (followed over SSE)."""
    # Slow steps a little so the running state is seen, not skipped.
    with fast_streams(), emulator.override(latency={"parser": 0.3, "composer": 0.3}):
        task_id = generate(api, author, RESEARCHER.name, RESEARCHER.interest)
        polled = poll_until_done(api, author, task_id)
        emulator.configure(faults={"composer": {"rate": 1.0, "kinds": ["500"]}})
        failed_task_id = generate(api, author, RESEARCHER.name, RESEARCHER.interest)
        events = api.stream(f"/api/email/status/{failed_task_id}/stream", headers=author.headers)
    email_id = polled[-1]["result"]["email_id"] if polled[-1]["status"] == "SUCCESS" else ""
    return Generated(task_id, email_id, polled, failed_task_id, events)


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    with resume_storage(app, monkeypatch) as resume_store:
        resume_store.server.serve(f"{PREFIX}/cv.pdf", text_pdf(RESUME_LINES))
        yield resume_store


@pytest.fixture(scope="module")
def author_template(api: ContractClient, author: Caller, emulator: EmulatorHandle) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch, resume_storage(app, patch) as store:
        store.server.serve(f"{PREFIX}/cv.pdf", text_pdf(RESUME_LINES))
        body = {"pdf_url": f"{store.base}/cv.pdf", "user_instructions": INSTRUCTIONS}
        template: dict[str, Any] = api.call(
            "POST", "/api/templates/", expect=201, json=body, headers=author.headers
        )
    return template


@pytest.mark.usefixtures("worker")  # the embedded broker's folders exist once a worker has configured it
def test_health_answers_without_a_token(api: ContractClient) -> None:
    assert api.call("GET", "/health", expect=200)["status"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/user"),
        ("POST", "/api/user/init"),
        ("POST", "/api/email/generate"),
        ("GET", f"/api/email/status/{uuid.uuid4()}/stream"),
        ("GET", "/api/queue/"),
        ("GET", "/api/templates/"),
        ("GET", "/api/admin/overview"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwdw=="])
def test_a_missing_or_bad_token_is_401_with_a_bearer_challenge(
    api: ContractClient, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    api.call(method, path, expect=401, headers=headers)


def test_an_uninitialised_user_is_403_until_init_which_is_idempotent(
    api: ContractClient, new_caller: Callable[..., Caller]
) -> None:
    stranger = new_caller(init=False)
    assert "init" in api.call("GET", "/api/user", expect=403, headers=stranger.headers)["detail"]
    api.call("GET", "/api/email/", expect=403, headers=stranger.headers)
    first = api.call(
        "POST", "/api/user/init", expect=201, json={"display_name": "Ada"}, headers=stranger.headers
    )
    again = api.call(
        "POST", "/api/user/init", expect=201, json={"display_name": "Bob"}, headers=stranger.headers
    )
    assert again == first and first["id"] == str(stranger.id) and first["email"] == stranger.email
    assert api.call("GET", "/api/user", expect=200, headers=stranger.headers) == first


def test_profile_onboarding_and_template_edit(api: ContractClient, caller: Caller) -> None:
    profile = api.call("GET", "/api/user/profile", expect=200, headers=caller.headers)
    assert profile["template_count"] == 0 and profile["onboarded"] is False
    onboarded = api.call("PATCH", "/api/user/onboarding", expect=200, headers=caller.headers)
    assert onboarded["onboarded"] is True
    saved = api.call(
        "PATCH", "/api/user/template", expect=200, json={"template": TEMPLATE}, headers=caller.headers
    )
    assert saved["email_template"] == TEMPLATE
    for bad in ("   ", "", "x" * 10_001):
        api.call("PATCH", "/api/user/template", expect=422, json={"template": bad}, headers=caller.headers)
    assert api.call("GET", "/api/user", expect=200, headers=caller.headers) == saved


def test_a_generated_email_is_polled_through_started_to_success(generated: Generated) -> None:
    states = [status["status"] for status in generated.polled]
    assert states[-1] == "SUCCESS", generated.polled[-1]
    assert "STARTED" in states
    assert set(states) <= {"PENDING", "STARTED", "SUCCESS"}
    assert states == sorted(states, key=["PENDING", "STARTED", "SUCCESS"].index)


def test_a_failing_task_streams_to_failure_with_a_readable_error(generated: Generated) -> None:
    statuses = [event.data for event in generated.failure_events]
    assert statuses[-1]["status"] == "FAILURE"
    error = statuses[-1]["error"]
    assert (error if isinstance(error, str) else error["message"]).strip()
    assert all(status["status"] in {"PENDING", "STARTED"} for status in statuses[:-1])


def test_a_finished_tasks_stream_sends_its_final_state_and_ends(
    api: ContractClient, author: Caller, generated: Generated
) -> None:
    with fast_streams():
        events = api.stream(f"/api/email/status/{generated.task_id}/stream", headers=author.headers)
    assert events[-1].data == generated.polled[-1]


def test_an_email_is_read_hidden_listed_and_restored(
    api: ContractClient, author: Caller, generated: Generated
) -> None:
    url, headers = f"/api/email/{generated.email_id}", author.headers
    email = api.call("GET", url, expect=200, headers=headers)
    assert email["user_id"] == str(author.id) and email["displayed"] is True
    assert email["recipient_name"] == RESEARCHER.name and "{{" not in email["email_message"]

    assert (
        api.call("PATCH", url, expect=200, json={"displayed": False}, headers=headers)["displayed"] is False
    )
    assert api.call("GET", "/api/email/", expect=200, headers=headers) == []
    hidden = api.call("GET", "/api/email/", expect=200, params={"include_discarded": "true"}, headers=headers)
    assert [e["id"] for e in hidden] == [generated.email_id]

    assert api.call("PATCH", url, expect=200, json={"displayed": True}, headers=headers) == email
    listed = api.call("GET", "/api/email/", expect=200, params={"limit": 1, "offset": 0}, headers=headers)
    assert listed == [email]
    assert api.call("GET", "/api/email/", expect=200, params={"offset": 1}, headers=headers) == []


def test_bad_email_requests_are_refused_with_a_detail(api: ContractClient, author: Caller) -> None:
    headers, unknown = author.headers, uuid.uuid4()
    api.call("GET", f"/api/email/{unknown}", expect=404, headers=headers)
    api.call("PATCH", f"/api/email/{unknown}", expect=404, json={"displayed": False}, headers=headers)
    api.call("GET", f"/api/email/status/{unknown}", expect=404, headers=headers)
    api.call("GET", f"/api/email/status/{unknown}/stream", expect=404, headers=headers)
    api.call("GET", "/api/email/not-a-uuid", expect=422, headers=headers)
    api.call("GET", "/api/email/", expect=422, params={"limit": 101}, headers=headers)
    body = {"email_template": "no placeholder here", "recipient_name": "Ada", "recipient_interest": "graphs"}
    api.call("POST", "/api/email/generate", expect=422, json=body, headers=headers)
    api.call("POST", "/api/email/generate", expect=422, json={**body, "recipient_name": "A"}, headers=headers)


def test_a_batch_is_listed_in_order_and_a_pending_item_cancelled(api: ContractClient, caller: Caller) -> None:
    items = [{"recipient_name": f"Person {i}", "recipient_interest": "topology"} for i in range(3)]
    with held_in_line():
        created = api.call(
            "POST",
            "/api/queue/batch",
            expect=201,
            json={"items": items, "email_template": TEMPLATE},
            headers=caller.headers,
        )
    ids = created["queue_item_ids"]
    try:
        listed = api.call("GET", "/api/queue/", expect=200, headers=caller.headers)
        assert [item["id"] for item in listed] == ids
        positions = [item["position"] for item in listed]
        assert positions == sorted(positions) and len(set(positions)) == 3
        api.call("DELETE", f"/api/queue/{ids[0]}", expect=200, headers=caller.headers)
        assert [
            item["id"] for item in api.call("GET", "/api/queue/", expect=200, headers=caller.headers)
        ] == ids[1:]
        api.call("DELETE", f"/api/queue/{ids[0]}", expect=400, headers=caller.headers)
        api.call("DELETE", f"/api/queue/{uuid.uuid4()}", expect=404, headers=caller.headers)
        api.call(
            "POST",
            "/api/queue/batch",
            expect=422,
            json={"items": [], "email_template": TEMPLATE},
            headers=caller.headers,
        )
    finally:
        cancel_held(api, caller, ids)


def test_finished_items_cannot_be_cancelled(
    api: ContractClient, author: Caller, generated: Generated
) -> None:
    api.call("DELETE", f"/api/queue/{generated.task_id}", expect=400, headers=author.headers)
    api.call("DELETE", f"/api/queue/{generated.failed_task_id}", expect=400, headers=author.headers)


def test_the_queue_stream_of_a_finished_line_sends_it_and_ends(
    api: ContractClient, author: Caller, generated: Generated
) -> None:
    with fast_streams():
        events = api.stream("/api/queue/stream", headers=author.headers)
    line = events[-1].data
    assert line == api.call("GET", "/api/queue/", expect=200, headers=author.headers)
    assert [(i["id"], i["status"]) for i in line] == [
        (generated.task_id, "completed"),
        (generated.failed_task_id, "failed"),
    ]
    assert line[0]["email_id"] == generated.email_id and line[1]["error_message"]


def test_the_batch_rate_limit_is_429_with_retry_after(
    api: ContractClient, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "rate_limit_batch_per_minute", 1)
    body = {
        "items": [{"recipient_name": "Ada Quill", "recipient_interest": "graphs"}],
        "email_template": TEMPLATE,
    }
    with held_in_line():
        created = api.call("POST", "/api/queue/batch", expect=201, json=body, headers=caller.headers)
        try:
            api.call("POST", "/api/queue/batch", expect=429, json=body, headers=caller.headers)
        finally:
            cancel_held(api, caller, created["queue_item_ids"])


def test_a_template_is_created_listed_and_read(
    api: ContractClient, author: Caller, author_template: dict[str, Any]
) -> None:
    assert author_template["user_id"] == str(author.id)
    assert "{{" in author_template["template_text"]
    url = f"/api/templates/{author_template['id']}"
    assert api.call("GET", url, expect=200, headers=author.headers) == author_template
    assert api.call("GET", "/api/templates/", expect=200, headers=author.headers) == [author_template]
    assert api.call("GET", "/api/user/profile", expect=200, headers=author.headers)["template_count"] == 1


def test_bad_template_requests_are_refused_with_a_detail(
    api: ContractClient,
    author: Caller,
    author_template: dict[str, Any],
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = author.headers
    api.call("GET", f"/api/templates/{uuid.uuid4()}", expect=404, headers=headers)
    outside = {"pdf_url": "https://evil.example.com/cv.pdf", "user_instructions": INSTRUCTIONS}
    api.call("POST", "/api/templates/", expect=400, json=outside, headers=headers)
    api.call(
        "POST", "/api/templates/", expect=422, json={**outside, "user_instructions": "short"}, headers=headers
    )
    monkeypatch.setattr(get_settings(), "template_generation_limit", 1)
    body = {"pdf_url": f"{storage.base}/cv.pdf", "user_instructions": INSTRUCTIONS}
    api.call("POST", "/api/templates/", expect=429, json=body, headers=headers)


def _this_monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


def test_the_admin_views_follow_the_contract(
    api: ContractClient,
    client: TestClient,
    author: Caller,
    generated: Generated,
    author_template: dict[str, Any],
) -> None:
    headers = make_caller(client, email="admin@scribe.test").headers
    overview = api.call("GET", "/api/admin/overview", expect=200, headers=headers)
    assert overview["total_emails"] >= 1 and overview["error_count"] >= 1
    [row] = [
        u
        for u in api.call("GET", "/api/admin/users", expect=200, headers=headers)
        if u["id"] == str(author.id)
    ]
    assert row["actual_email_count"] == 1 and row["failed_count"] == 1 and row["template_count"] == 1

    base = f"/api/admin/users/{author.id}"
    page = api.call("GET", f"{base}/emails", expect=200, params={"page": 1, "per_page": 20}, headers=headers)
    assert [e["id"] for e in page["items"]] == [generated.email_id] and page["total"] == page["pages"] == 1
    templates = api.call("GET", f"{base}/templates", expect=200, headers=headers)
    assert [t["id"] for t in templates] == [author_template["id"]]
    items = api.call("GET", f"{base}/queue", expect=200, headers=headers)
    assert {i["id"] for i in items} == {generated.task_id, generated.failed_task_id}
    errors = api.call("GET", "/api/admin/errors", expect=200, headers=headers)
    assert generated.failed_task_id in {e["id"] for e in errors}

    weeks = [
        date.fromisoformat(w["week"])
        for w in api.call("GET", "/api/admin/activity", expect=200, headers=headers)
    ]
    assert sorted(weeks) == [_this_monday() - timedelta(weeks=n) for n in range(11, -1, -1)]

    api.call("GET", f"/api/admin/users/{uuid.uuid4()}/emails", expect=404, headers=headers)
    api.call("GET", f"{base}/emails", expect=422, params={"per_page": 101}, headers=headers)


@pytest.mark.parametrize("route", ADMIN_ROUTES)
def test_admin_routes_are_403_for_everyone_else(api: ContractClient, author: Caller, route: str) -> None:
    api.call("GET", f"/api/admin/{route.format(id=author.id)}", expect=403, headers=author.headers)


def test_the_contract_names_every_route_the_app_serves() -> None:
    served = {(method, normalise(path)) for method, path in served_routes(app)}
    assert {route for route in served if route[1].startswith("/api/") or route[1] == "/health"} == set(
        CONTRACT
    )


def test_every_contract_route_was_exercised(api: ContractClient, request: pytest.FixtureRequest) -> None:
    """Runs last: the journeys above must have had a success from every route of the contract."""
    module_tests = {item.name.split("[")[0] for item in request.session.items if item.path == request.path}
    journeys = {name for name in dir(request.module) if name.startswith("test_")}
    if module_tests != journeys:
        pytest.skip("only part of the contract module was selected")
    assert set(CONTRACT) - api.exercised == set()
