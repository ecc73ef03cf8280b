"""A test client that holds every response to the real frontend's contract.

Each request is matched to its contract route by method and path; the status must be the
one the test expects; a success body must parse as the frontend parses it (frontend_schemas.py)
and keep SPEC §4's own rules (spec_rules.py); an error body must be `{"detail": ...,
"message": "a sentence"}` (401 with a Bearer challenge, 429 with Retry-After); and every `data:`
line of an event stream must pass the same checks as the route's JSON twin.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from tests.contract import frontend_schemas as fs
from tests.contract import spec_rules

Route = tuple[str, str]

CONTRACT: dict[Route, tuple[int, Any]] = {
    ("GET", "/health"): (200, fs.Health),
    ("POST", "/api/user/init"): (201, fs.UserProfile),
    ("GET", "/api/user"): (200, fs.UserProfile),
    ("GET", "/api/user/profile"): (200, fs.UserProfileWithCount),
    ("PATCH", "/api/user/onboarding"): (200, fs.UserProfileWithCount),
    ("PATCH", "/api/user/template"): (200, fs.UserProfile),
    ("POST", "/api/email/generate"): (202, fs.GenerateEmailResponse),
    ("GET", "/api/email/status/{}"): (200, fs.TaskStatusResponse),
    ("GET", "/api/email/status/{}/stream"): (200, fs.TaskStatusResponse),
    ("GET", "/api/email/"): (200, list[fs.EmailResponse]),
    ("GET", "/api/email/{}"): (200, fs.EmailResponse),
    ("PATCH", "/api/email/{}"): (200, fs.EmailResponse),
    ("POST", "/api/queue/batch"): (201, fs.BatchSubmitResponse),
    ("GET", "/api/queue/"): (200, list[fs.QueueItem]),
    ("GET", "/api/queue/stream"): (200, list[fs.QueueItem]),
    ("DELETE", "/api/queue/{}"): (200, fs.CancelQueueItemResponse),
    ("POST", "/api/templates/"): (201, fs.TemplateResponse),
    ("GET", "/api/templates/"): (200, list[fs.TemplateResponse]),
    ("GET", "/api/templates/{}"): (200, fs.TemplateResponse),
    ("GET", "/api/admin/overview"): (200, fs.AdminOverview),
    ("GET", "/api/admin/users"): (200, list[fs.AdminUser]),
    ("GET", "/api/admin/users/{}/emails"): (200, fs.PaginatedEmails),
    ("GET", "/api/admin/users/{}/templates"): (200, list[fs.AdminTemplate]),
    ("GET", "/api/admin/users/{}/queue"): (200, list[fs.AdminQueueItem]),
    ("GET", "/api/admin/activity"): (200, list[fs.AdminActivity]),
    ("GET", "/api/admin/errors"): (200, list[fs.AdminError]),
}
# SPEC §4's promises beyond the frontend's schemas, checked after the body parsed.
RULES: dict[Route, Callable[[Any], None]] = {
    ("GET", "/api/email/status/{}"): spec_rules.task_status,
    ("GET", "/api/email/status/{}/stream"): spec_rules.task_status,
    ("GET", "/api/queue/"): spec_rules.queue_items,
    ("GET", "/api/queue/stream"): spec_rules.queue_items,
    ("GET", "/api/admin/overview"): spec_rules.admin_overview,
    ("GET", "/api/admin/users"): spec_rules.admin_rows("created_at"),
    ("GET", "/api/admin/users/{}/emails"): spec_rules.admin_email_page,
    ("GET", "/api/admin/users/{}/templates"): spec_rules.admin_rows("created_at"),
    ("GET", "/api/admin/users/{}/queue"): spec_rules.admin_rows("created_at", "started_at", "completed_at"),
    ("GET", "/api/admin/activity"): spec_rules.activity,
    ("GET", "/api/admin/errors"): spec_rules.admin_rows("created_at", "started_at"),
}
STREAMS = {("GET", "/api/email/status/{}/stream"), ("GET", "/api/queue/stream")}
_ADAPTERS = {route: TypeAdapter(model) for route, (_, model) in CONTRACT.items()}
_ERROR = TypeAdapter(fs.ErrorBody)
_PATTERNS = {
    route: re.compile("^" + re.escape(route[1]).replace(r"\{\}", "[^/]+") + "$") for route in CONTRACT
}


def normalise(path: str) -> str:
    """`/api/email/{email_id}` -> `/api/email/{}`: contract routes name no parameters."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path as declared) for every HTTP route the app serves, included routers flattened."""
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
        if method != "HEAD" and context.path
    }


def route_of(method: str, path: str) -> Route:
    matches = [route for route, pattern in _PATTERNS.items() if route[0] == method and pattern.match(path)]
    assert len(matches) == 1, f"{method} {path} is not exactly one contract route: {matches}"
    return matches[0]


@dataclass
class SseEvent:
    event: str
    data: Any
    event_id: str | None


def read_sse(lines: Iterator[str]) -> Iterator[SseEvent | None]:
    """Events, and None for each comment (keep-alive)."""
    event_id, event, data = None, "message", None
    for line in lines:
        if line.startswith(":"):
            yield None
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data = line[5:].strip()
        elif line == "" and data is not None:
            yield SseEvent(event, data, event_id)
            event_id, event, data = None, "message", None


@dataclass
class ContractClient:
    client: TestClient
    exercised: set[Route] = field(default_factory=set)

    def call(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        headers: dict[str, str] | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """Send, check the status and the body against the contract, and return the JSON."""
        route = route_of(method, path.split("?")[0])
        response = self.client.request(
            method, path, headers=headers, json=json, params=params, content=content
        )
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/json"), response.headers
        if response.status_code >= 400:
            check_error(response.status_code, response.headers, response.content)
        else:
            success, _ = CONTRACT[route]
            assert response.status_code == success, f"{method} {path} succeeds with {success}"
            check_body(route, response.content)
            self.exercised.add(route)
        return response.json()

    def refused(self, method: str, path: str, *, expect: int, **kwargs: Any) -> dict[str, Any]:
        """Any path, contract route or not (unknown routes, wrong methods): an error body, checked."""
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/json"), response.headers
        check_error(response.status_code, response.headers, response.content)
        body: dict[str, Any] = response.json()
        return body

    def first_event(self, path: str, *, headers: dict[str, str]) -> Any:
        """The first event of a stream (checked like the JSON route), then hang up."""
        route = route_of("GET", path)
        assert route in STREAMS, f"{path} is not an event stream"
        with self.client.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200, response.read()
            for event in read_sse(response.iter_lines()):
                if event is not None:
                    check_body(route, event.data)
                    self.exercised.add(route)
                    return json.loads(event.data)
        raise AssertionError(f"{path} ended without an event")

    def stream(self, path: str, *, headers: dict[str, str]) -> list[SseEvent]:
        """Follow an event stream to its end; every `data:` line is validated like the JSON route."""
        route = route_of("GET", path)
        assert route in STREAMS, f"{path} is not an event stream"
        events: list[SseEvent] = []
        with self.client.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream"), response.headers
            for event in read_sse(response.iter_lines()):
                if event is not None:
                    check_body(route, event.data)
                    event.data = json.loads(event.data)
                    events.append(event)
        assert events, f"{path} ended without an event"
        self.exercised.add(route)
        return events


def check_body(route: Route, content: bytes | str) -> None:
    """Parse as the frontend does (a failure here is an error screen), then SPEC §4's own rules."""
    _ADAPTERS[route].validate_json(content)
    if route in RULES:
        RULES[route](json.loads(content))


def check_error(status: int, headers: Any, content: bytes) -> None:
    """`{"detail": ..., "message": str}`, with the headers SPEC §4 ties to 401 and 429."""
    _ERROR.validate_json(content)
    text = content.decode()
    assert "Traceback" not in text and "sqlalchemy" not in text.lower(), text
    if status == 401:
        assert headers.get("www-authenticate", "").startswith("Bearer"), headers
    if status == 429:
        assert int(headers["retry-after"]) >= 1, headers
