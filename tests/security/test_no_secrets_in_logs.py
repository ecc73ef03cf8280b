"""Logs and traces carry ids, never tokens, templates, resumes or email bodies (SPEC §9, §11).

Every logger is opened to DEBUG and every span the API makes is read as it ends, before Logfire's
scrubbing: what is checked is what the code hands to logging and tracing, so the guarantee does
not rest on scrubbing patterns. Covers the API process only (the worker's pipeline is not run here).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response

from database.engine import get_engine, session_scope
from main import app
from models import Email
from tests.fetch.pdfs import text_pdf
from tests.fetch.storage import PREFIX, resume_storage
from tests.fixtures.api import Caller, make_caller
from tests.fixtures.auth import mint

CANARY = uuid.uuid4().hex[:12]
TEMPLATE = f"Dear {{{{name}}}}, your work on {{{{research}}}} moved me. template-canary-{CANARY}"
RESUME_LINE = f"Resume canary {CANARY} Jane Doe, graph neural networks"
EMAIL_BODY = f"Dear Professor Quill, an email body with body-canary-{CANARY} in it."
INSTRUCTIONS = f"Mention my lab work; instruction-canary-{CANARY}"


class SpanCollector(SpanProcessor):
    """Keeps every span that ends while active; added to the live tracer provider, never removed."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []
        self.active = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        if self.active:
            self.spans.append(span)


@pytest.fixture
def spans() -> Iterator[SpanCollector]:
    # Logfire's configuration stays as the app set it; the collector only listens beside its exporter.
    collector = SpanCollector()
    provider: Any = trace.get_tracer_provider()
    provider.add_span_processor(collector)
    yield collector
    collector.active = False


# Libraries whose debug channels print what they send by design: SQLAlchemy's echo (statements with
# their parameters, result rows; SQLAlchemy pins its own loggers at WARNING unless told otherwise)
# and the Anthropic SDK's request dump at DEBUG (the prompt). Opening them is asking for the data.
LIBRARY_ECHOES = ("sqlalchemy.engine", "anthropic")


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    extra_handlers = []
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        caplog.set_level(logging.DEBUG, logger=name)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            extra_handlers.append(logger)
    for name in LIBRARY_ECHOES:
        caplog.set_level(logging.WARNING, logger=name)
    yield caplog
    for logger in extra_handlers:
        logger.removeHandler(caplog.handler)


def _record_text(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    return " ".join([message, repr(record.args), record.exc_text or "", repr(vars(record))])


def _span_text(span: ReadableSpan) -> str:
    parts = [span.name, repr(dict(span.attributes or {}))]
    parts += [f"{event.name} {dict(event.attributes or {})!r}" for event in span.events]
    return " ".join(parts)


def _leaks(texts: list[str], secrets: dict[str, str]) -> list[str]:
    return [
        f"{name} in: {text[:160]}" for text in texts for name, secret in secrets.items() if secret in text
    ]


def _log_leaks(records: list[logging.LogRecord], secrets: dict[str, str]) -> list[str]:
    return [
        f"{record.name}: {leak}" for record in records for leak in _leaks([_record_text(record)], secrets)
    ]


def _secrets(caller: Caller) -> dict[str, str]:
    token = caller.headers["Authorization"].removeprefix("Bearer ")
    return {
        "token": token,
        "token signature": token.rsplit(".", 1)[1],
        "template": f"template-canary-{CANARY}",
        "resume": f"Resume canary {CANARY}",
        "email body": f"body-canary-{CANARY}",
        "instructions": f"instruction-canary-{CANARY}",
    }


def _exercise_the_api(client: TestClient, caller: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests that carry each secret in, and out, through the API."""
    headers = caller.headers
    assert client.patch("/api/user/template", json={"template": TEMPLATE}, headers=headers).status_code == 200
    assert client.get("/api/user", headers=headers).json()["email_template"] == TEMPLATE
    body = {"email_template": TEMPLATE, "recipient_name": "Ada Quill", "recipient_interest": "graphs"}
    task = client.post("/api/email/generate", json=body, headers=headers)
    assert task.status_code == 202
    assert client.get(f"/api/email/status/{task.json()['task_id']}", headers=headers).status_code == 200
    batch = {
        "items": [{"recipient_name": "Ada Quill", "recipient_interest": "graphs"}],
        "email_template": TEMPLATE,
    }
    assert client.post("/api/queue/batch", json=batch, headers=headers).status_code == 201
    # Refused bodies too: a validation error must not log the submitted values.
    too_long = {**body, "email_template": TEMPLATE + "x" * 5000}
    assert client.post("/api/email/generate", json=too_long, headers=headers).status_code == 422

    with session_scope() as session:
        email = Email(
            user_id=caller.id,
            recipient_name="Ada Quill",
            recipient_interest="graphs",
            email_message=EMAIL_BODY,
            template_type="research",
        )
        session.add(email)
        session.commit()
        email_id = email.id
    assert client.get(f"/api/email/{email_id}", headers=headers).json()["email_message"] == EMAIL_BODY
    assert client.get("/api/email/", headers=headers).json()[0]["email_message"] == EMAIL_BODY

    with resume_storage(app, monkeypatch) as storage:
        storage.server.serve(f"{PREFIX}/cv.pdf", text_pdf([RESUME_LINE, "jane.doe@uni.test"]))
        created = client.post(
            "/api/templates/",
            json={"pdf_url": f"{storage.base}/cv.pdf", "user_instructions": INSTRUCTIONS},
            headers=headers,
        )
    assert created.status_code == 201, created.text
    assert client.get("/api/templates/", headers=headers).json()[0]["user_instructions"] == INSTRUCTIONS


@pytest.mark.usefixtures("emulator")
def test_no_token_template_resume_or_email_body_in_logs_or_spans(
    client: TestClient,
    all_logs: pytest.LogCaptureFixture,
    spans: SpanCollector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caller = make_caller(client)
    _exercise_the_api(client, caller, monkeypatch)
    # A refused token is as secret as an accepted one.
    forged = mint(sub=str(caller.id), exp=1)
    assert client.get("/api/user", headers={"Authorization": f"Bearer {forged}"}).status_code == 401

    secrets = {**_secrets(caller), "refused token": forged.rsplit(".", 1)[1]}
    assert _log_leaks(all_logs.records, secrets) == []
    assert _leaks([_span_text(span) for span in spans.spans], secrets) == []


@pytest.mark.usefixtures("emulator")
def test_the_api_does_emit_request_spans(client: TestClient, caller: Caller, spans: SpanCollector) -> None:
    # The control for the test above: spans are made in this process, so finding no secret in them counts.
    client.get("/api/user", headers=caller.headers)
    routes = {(span.attributes or {}).get("http.route") for span in spans.spans}
    assert "/api/user" in routes


def test_database_error_logs_carry_no_statement_or_values(caplog: pytest.LogCaptureFixture) -> None:
    # The driver's own message quotes the offending value (PostgreSQL: 'invalid input syntax ... "<value>"'),
    # so the API's handler must log the error's type only.
    with pytest.raises(SQLAlchemyError) as caught, get_engine().begin() as connection:
        connection.execute(
            text("INSERT INTO users (id, email) VALUES (:id, :email)"), {"id": TEMPLATE, "email": "x"}
        )
    handler = app.exception_handlers[SQLAlchemyError]
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    caplog.set_level(logging.DEBUG)
    response: Response = asyncio.run(handler(request, caught.value))  # type: ignore[arg-type]
    assert response.status_code == 500
    assert TEMPLATE not in caplog.text
    assert type(caught.value).__name__ in caplog.text
