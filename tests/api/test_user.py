from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from database.engine import session_scope
from models import User
from tests.fixtures.api import Caller
from tests.fixtures.auth import mint

Z_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
PROFILE_FIELDS = {
    "id",
    "email",
    "display_name",
    "generation_count",
    "onboarded",
    "email_template",
    "created_at",
}


def test_init_creates_the_profile_from_the_token(
    client: TestClient, new_caller: Callable[..., Caller]
) -> None:
    caller = new_caller(init=False)
    response = client.post("/api/user/init", json={"display_name": "Ada"}, headers=caller.headers)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["id"] == str(caller.id)
    assert body["email"] == caller.email
    assert body["display_name"] == "Ada"
    assert body["generation_count"] == 0
    assert body["onboarded"] is False
    assert Z_TIME.match(body["created_at"])


@pytest.mark.parametrize("email", ["", "ada", "ada@localhost", "ada..quill@uni.test", "ada@uni.t"])
def test_init_refuses_a_token_without_an_address_the_frontend_can_show(
    client: TestClient, email: str
) -> None:
    # The frontend parses UserProfile.email with zod's .email(): such a profile would break every page.
    user_id = uuid.uuid4()
    headers = {"Authorization": f"Bearer {mint(sub=str(user_id), email=email)}"}
    response = client.post("/api/user/init", json={"display_name": "Ada"}, headers=headers)
    assert response.status_code == 403
    assert response.json()["message"].startswith("Scribe needs an account with an e-mail address")
    with session_scope() as session:
        assert session.scalar(select(User).where(User.id == user_id)) is None


def test_init_is_idempotent(client: TestClient, caller: Caller) -> None:
    first = client.get("/api/user", headers=caller.headers).json()
    again = client.post("/api/user/init", json={"display_name": "Someone Else"}, headers=caller.headers)
    assert again.status_code == 201
    assert again.json() == first


def test_routes_need_an_initialised_user(client: TestClient, new_caller: Callable[..., Caller]) -> None:
    caller = new_caller(init=False)
    for method, path in [
        ("GET", "/api/user"),
        ("GET", "/api/user/profile"),
        ("PATCH", "/api/user/onboarding"),
        ("GET", "/api/email/"),
    ]:
        response = client.request(method, path, headers=caller.headers)
        assert response.status_code == 403, path
        assert "POST /api/user/init" in response.json()["detail"]


def test_profile_counts_templates(client: TestClient, caller: Caller) -> None:
    body = client.get("/api/user/profile", headers=caller.headers).json()
    assert set(body) == PROFILE_FIELDS | {"template_count"}
    assert body["template_count"] == 0


def test_onboarding_sets_the_flag(client: TestClient, caller: Caller) -> None:
    response = client.patch("/api/user/onboarding", headers=caller.headers)
    assert response.status_code == 200
    assert response.json()["onboarded"] is True
    assert response.json()["template_count"] == 0
    assert client.get("/api/user", headers=caller.headers).json()["onboarded"] is True


def test_template_is_saved(client: TestClient, caller: Caller) -> None:
    response = client.patch(
        "/api/user/template", json={"template": "Dear {{name}}, ..."}, headers=caller.headers
    )
    assert response.status_code == 200
    assert response.json()["email_template"] == "Dear {{name}}, ..."


def test_bad_templates_are_refused_and_nothing_changes(client: TestClient, caller: Caller) -> None:
    client.patch("/api/user/template", json={"template": "Keep me {{name}}"}, headers=caller.headers)
    for body in [
        {"template": ""},
        {"template": "   "},
        {"template": "x" * 10_001},
        {"template": 5},
        {},
        {"template": "ok", "extra": 1},
    ]:
        response = client.patch("/api/user/template", json=body, headers=caller.headers)
        assert response.status_code == 422, body
    assert client.get("/api/user", headers=caller.headers).json()["email_template"] == "Keep me {{name}}"


def test_user_id_comes_only_from_the_token(client: TestClient, caller: Caller) -> None:
    response = client.post(
        "/api/user/init", json={"display_name": "x", "id": str(uuid.uuid4())}, headers=caller.headers
    )
    assert response.status_code == 422
