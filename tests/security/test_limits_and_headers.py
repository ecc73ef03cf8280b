"""Request body cap (413, nothing written), CORS by origin, security headers (SPEC §4, §9)."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.errors import too_large_message
from config.settings import get_settings
from database.engine import session_scope
from models import QueueItem
from tests.fixtures.api import Caller
from tests.security.live import api_in_thread, row_counts

CAP = get_settings().max_request_bytes
TOO_LARGE_BODY = {"detail": "Request body too large", "message": too_large_message(CAP)}
ALLOWED_ORIGIN = get_settings().allowed_origins[0]
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
TEMPLATE = "Dear {{name}}, I read your work on {{research}} with great interest."


@pytest.fixture(scope="module")
def live_api() -> Iterator[str]:
    with api_in_thread() as base:
        yield base


def _padded_generate_body(size: int) -> bytes:
    """A valid generate request padded with JSON whitespace to `size` bytes: only its size is wrong."""
    body = json.dumps(
        {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graph theory"}
    ).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def _queue_items_of(user_id: uuid.UUID) -> int:
    with session_scope() as session:
        count = select(func.count()).select_from(QueueItem).where(QueueItem.user_id == user_id)
        return session.scalar(count) or 0


def _raw_post(base: str, path: str, headers: dict[str, str], parts: list[bytes]) -> tuple[int, bytes]:
    """POST over a raw socket: the request head, then `parts` as given, then read the answer.

    The body is never finished (no final chunk, fewer bytes than declared): the server must answer
    from what it has seen, and not writing after its answer keeps the socket from being reset.
    """
    url = urlsplit(base)
    assert url.hostname is not None and url.port is not None
    lines = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for part in parts:
            sock.sendall(part)
        response = b""
        while not _complete(response):
            data = sock.recv(65536)
            if not data:
                break
            response += data
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _chunks(body: bytes, size: int = 65536) -> list[bytes]:
    return [
        f"{len(body[i : i + size]):x}\r\n".encode() + body[i : i + size] + b"\r\n"
        for i in range(0, len(body), size)
    ]


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def test_declared_body_over_the_cap_is_413_and_writes_nothing(live_api: str, caller: Caller) -> None:
    before = row_counts()
    body = _padded_generate_body(CAP + 1)
    headers = {**caller.headers, "Content-Type": "application/json"}
    response = httpx.post(f"{live_api}/api/email/generate", content=body, headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.json() == TOO_LARGE_BODY
    assert _queue_items_of(caller.id) == 0
    assert row_counts() == before


def test_declared_size_is_refused_before_the_body_is_read(live_api: str) -> None:
    # Only the head is sent: the answer comes from Content-Length alone, before authentication,
    # so no client can make the API wait for or read an oversized body.
    headers = {"Content-Type": "application/json", "Content-Length": str(10 * CAP)}
    status, answer = _raw_post(live_api, "/api/user/init", headers, [])
    assert status == 413
    assert json.loads(answer) == TOO_LARGE_BODY


def test_chunked_body_over_the_cap_is_413_and_writes_nothing(live_api: str, caller: Caller) -> None:
    before = row_counts()
    body = _padded_generate_body(CAP + 1)
    headers = {**caller.headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    status, answer = _raw_post(live_api, "/api/email/generate", headers, _chunks(body))
    assert status == 413
    assert json.loads(answer) == TOO_LARGE_BODY
    assert _queue_items_of(caller.id) == 0
    assert row_counts() == before


def test_chunked_body_under_the_cap_is_accepted(live_api: str, caller: Caller) -> None:
    body = _padded_generate_body(CAP - 1024)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    headers = {**caller.headers, "Content-Type": "application/json"}
    # A generator body makes httpx send Transfer-Encoding: chunked with no Content-Length.
    response = httpx.post(f"{live_api}/api/email/generate", content=chunks, headers=headers, timeout=30)
    assert response.status_code == 202, response.text
    assert _queue_items_of(caller.id) == 1


def test_largest_valid_batch_fits_under_the_cap(client: TestClient, caller: Caller) -> None:
    # Every character at the length limits, astral, and JSON-escaped as a surrogate pair (12 bytes).
    item = {"recipient_name": "\U0001f600" * 255, "recipient_interest": "\U0001f600" * 500}
    template = "{{name}} " + "\U0001f600" * (5000 - 9)
    body = json.dumps({"items": [item] * 100, "email_template": template}).encode()
    assert 0.9 * CAP < len(body) < CAP
    headers = {**caller.headers, "Content-Type": "application/json"}
    response = client.post("/api/queue/batch", content=body, headers=headers)
    assert response.status_code == 201, response.text[:300]
    for item_id in response.json()["queue_item_ids"]:  # never leave work for a later worker test
        cancelled = client.delete(f"/api/queue/{item_id}", headers=caller.headers)
        assert cancelled.status_code == 200, cancelled.text


def test_preflight_from_an_allowed_origin_is_allowed(client: TestClient) -> None:
    response = client.options(
        "/api/email/generate",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]


def test_preflight_from_another_origin_is_not_allowed(client: TestClient) -> None:
    response = client.options(
        "/api/email/generate",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_simple_request_from_another_origin_gets_no_cors_grant(client: TestClient, caller: Caller) -> None:
    response = client.get("/api/user", headers={**caller.headers, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    response = client.get("/api/user", headers={**caller.headers, "Origin": ALLOWED_ORIGIN})
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_413_is_readable_by_the_allowed_frontend(live_api: str) -> None:
    body = _padded_generate_body(CAP + 1)
    response = httpx.post(
        f"{live_api}/api/email/generate", content=body, headers={"Origin": ALLOWED_ORIGIN}, timeout=30
    )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    ("method", "path", "authorised", "status"),
    [
        ("GET", "/health", False, None),
        ("GET", "/api/user", True, 200),
        ("GET", "/api/user", False, 401),
        ("GET", f"/api/email/{uuid.uuid4()}", True, 404),
        ("POST", "/api/email/generate", True, 422),
        ("GET", "/no/such/route", False, 404),
    ],
)
def test_security_headers_are_on_every_kind_of_response(
    client: TestClient, caller: Caller, method: str, path: str, authorised: bool, status: int | None
) -> None:
    response = client.request(method, path, headers=caller.headers if authorised else {}, json=None)
    if status is not None:
        assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value


def test_security_headers_are_on_a_413(live_api: str) -> None:
    response = httpx.post(f"{live_api}/api/user/init", content=_padded_generate_body(CAP + 1), timeout=30)
    assert response.status_code == 413
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value
