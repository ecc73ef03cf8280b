from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from main import app
from tests.fixtures.auth import mint


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Caller:
    id: uuid.UUID
    email: str
    headers: dict[str, str]


def make_caller(client: TestClient, *, init: bool = True, email: str | None = None) -> Caller:
    user_id = uuid.uuid4()
    address = email or f"student-{user_id.hex[:8]}@uni.test"
    headers = {"Authorization": f"Bearer {mint(sub=str(user_id), email=address)}"}
    if init:
        response = client.post("/api/user/init", json={"display_name": "Test Student"}, headers=headers)
        assert response.status_code == 201, response.text
    return Caller(id=user_id, email=address, headers=headers)


@pytest.fixture
def caller(client: TestClient) -> Caller:
    """A fresh, initialised user: tests never see each other's rows."""
    return make_caller(client)


@pytest.fixture
def new_caller(client: TestClient) -> Callable[..., Caller]:
    return lambda **kwargs: make_caller(client, **kwargs)
