"""Cross-user isolation: another user's ids are 404 everywhere, and trying changes nothing.

User A (alice) owns one of everything: an email written by the worker, a finished task, a
pending task and batch items (held in line, so they stay pending), a template. User B (bob),
initialised and owning his own email and template, tries every route that takes an id. The
matrix is data: `test_every_route_with_a_path_parameter_is_in_the_matrix` fails when the app
serves an id-taking route the matrix does not probe.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from main import app
from services.emulator import EmulatorHandle
from tests.contract.client import ContractClient, served_routes
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
from tests.fetch.storage import PREFIX, resume_storage
from tests.fixtures.api import Caller, make_caller

INSTRUCTIONS = "Keep it short and mention my machine learning research."


@dataclass(frozen=True)
class Probe:
    """Bob calls `method path` with alice's `target` id and must get `expect`."""

    method: str
    path: str  # as the app declares it
    target: str
    expect: int = 404
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} <- {self.target}"


MATRIX = [
    Probe("GET", "/api/email/{email_id}", "email"),
    Probe("PATCH", "/api/email/{email_id}", "email", body={"displayed": False}),
    Probe("GET", "/api/email/status/{task_id}", "finished_task"),
    Probe("GET", "/api/email/status/{task_id}", "pending_task"),
    Probe("GET", "/api/email/status/{task_id}/stream", "finished_task"),
    Probe("GET", "/api/email/status/{task_id}/stream", "pending_task"),
    Probe("DELETE", "/api/queue/{item_id}", "pending_task"),
    Probe("DELETE", "/api/queue/{item_id}", "batch_item"),
    # 404, not the owner's 400 "only pending items": the answer must not reveal the item's state.
    Probe("DELETE", "/api/queue/{item_id}", "finished_task"),
    Probe("GET", "/api/templates/{template_id}", "template"),
    Probe("GET", "/api/admin/users/{user_id}/emails", "user", expect=403),
    Probe("GET", "/api/admin/users/{user_id}/templates", "user", expect=403),
    Probe("GET", "/api/admin/users/{user_id}/queue", "user", expect=403),
]


@dataclass
class World:
    alice: Caller
    bob: Caller
    alices: dict[str, str]  # target -> alice's id
    bobs: dict[str, str]  # what bob owns, so his lists are not trivially empty


def with_id(path: str, target_id: str) -> str:
    return re.sub(r"\{[^}]+\}", target_id, path)


def write_template(api: ContractClient, caller: Caller) -> str:
    with pytest.MonkeyPatch.context() as patch, resume_storage(app, patch) as store:
        store.server.serve(f"{PREFIX}/cv.pdf", text_pdf(RESUME_LINES))
        body = {"pdf_url": f"{store.base}/cv.pdf", "user_instructions": INSTRUCTIONS}
        return str(api.call("POST", "/api/templates/", expect=201, json=body, headers=caller.headers)["id"])


@pytest.fixture(scope="module")
def api(client: TestClient) -> ContractClient:
    return ContractClient(client)


@pytest.fixture(scope="module")
def world(
    api: ContractClient, client: TestClient, worker: object, emulator: EmulatorHandle
) -> Iterator[World]:
    alice, bob = make_caller(client), make_caller(client)
    # Both real generations finish before anything is held: the worker takes the head of the
    # fair line, which would otherwise be a held item.
    alice_task = generate(api, alice, RESEARCHER.name, RESEARCHER.interest)
    bob_task = generate(api, bob, RESEARCHER.name, RESEARCHER.interest)
    alice_done, bob_done = (
        poll_until_done(api, alice, alice_task)[-1],
        poll_until_done(api, bob, bob_task)[-1],
    )
    assert alice_done["status"] == bob_done["status"] == "SUCCESS", (alice_done, bob_done)
    with held_in_line():
        pending_task = generate(api, alice, "Ada Quill", "graph theory")
        items = [{"recipient_name": f"Person {i}", "recipient_interest": "topology"} for i in range(2)]
        batch = api.call(
            "POST",
            "/api/queue/batch",
            expect=201,
            json={"items": items, "email_template": TEMPLATE},
            headers=alice.headers,
        )["queue_item_ids"]
    alices = {
        "user": str(alice.id),
        "email": alice_done["result"]["email_id"],
        "finished_task": alice_task,
        "pending_task": pending_task,
        "batch_item": batch[0],
        "other_batch_item": batch[1],
        "template": write_template(api, alice),
    }
    bobs = {"email": bob_done["result"]["email_id"], "task": bob_task, "template": write_template(api, bob)}
    yield World(alice, bob, alices, bobs)
    cancel_held(api, alice, [pending_task, *batch])


def alices_view(api: ContractClient, world: World) -> dict[str, Any]:
    """Everything alice can see of her own data."""
    headers, ids = world.alice.headers, world.alices
    status = "/api/email/status/{}"
    return {
        "email": api.call("GET", f"/api/email/{ids['email']}", expect=200, headers=headers),
        "emails": api.call("GET", "/api/email/?include_discarded=true", expect=200, headers=headers),
        "queue": api.call("GET", "/api/queue/", expect=200, headers=headers),
        "finished": api.call("GET", status.format(ids["finished_task"]), expect=200, headers=headers),
        "pending": api.call("GET", status.format(ids["pending_task"]), expect=200, headers=headers),
        "template": api.call("GET", f"/api/templates/{ids['template']}", expect=200, headers=headers),
        "profile": api.call("GET", "/api/user/profile", expect=200, headers=headers),
    }


@pytest.mark.parametrize("probe", MATRIX, ids=str)
def test_another_users_id_is_refused_and_changes_nothing(
    api: ContractClient, world: World, probe: Probe
) -> None:
    before = alices_view(api, world)
    url = with_id(probe.path, world.alices[probe.target])
    refused = api.call(probe.method, url, expect=probe.expect, json=probe.body, headers=world.bob.headers)
    if probe.expect == 404:
        unknown = with_id(probe.path, str(uuid.uuid4()))
        assert (
            api.call(probe.method, unknown, expect=404, json=probe.body, headers=world.bob.headers) == refused
        )
    after = alices_view(api, world)
    assert after == before
    assert after["email"]["displayed"] is True and after["pending"]["status"] == "PENDING"
    pending = {world.alices[key] for key in ("pending_task", "batch_item", "other_batch_item")}
    assert {item["id"] for item in after["queue"] if item["status"] == "pending"} == pending


def test_bobs_lists_and_streams_never_show_alices_ids(api: ContractClient, world: World) -> None:
    headers = world.bob.headers
    seen = {
        path: json.dumps(api.call("GET", path, expect=200, headers=headers))
        for path in (
            "/api/email/?include_discarded=true",
            "/api/queue/",
            "/api/templates/",
            "/api/user/profile",
        )
    }
    with fast_streams():
        seen["/api/queue/stream"] = json.dumps(
            [e.data for e in api.stream("/api/queue/stream", headers=headers)]
        )
    for path, text in seen.items():
        leaked = {name for name, alice_id in world.alices.items() if alice_id in text}
        assert not leaked, f"{path} shows alice's {leaked}"
    assert world.bobs["email"] in seen["/api/email/?include_discarded=true"]
    assert world.bobs["task"] in seen["/api/queue/"] and world.bobs["task"] in seen["/api/queue/stream"]
    assert world.bobs["template"] in seen["/api/templates/"]


@pytest.mark.parametrize(
    "route", sorted(r for r in served_routes(app) if r[1].startswith("/api/admin/")), ids="{0[1]}".format
)
def test_admin_routes_are_403_for_a_user(api: ContractClient, world: World, route: tuple[str, str]) -> None:
    method, path = route
    api.call(method, with_id(path, world.alices["user"]), expect=403, headers=world.alice.headers)


def test_every_route_with_a_path_parameter_is_in_the_matrix() -> None:
    takes_an_id = {(method, path) for method, path in served_routes(app) if "{" in path}
    probed = {(probe.method, probe.path) for probe in MATRIX}
    assert takes_an_id - probed == set(), "add the new id-taking routes to MATRIX"
    assert probed - takes_an_id == set(), "MATRIX probes routes the app no longer serves"
