"""A request Scribe refuses with one of its own errors is traced with its status, not as an exception:
recording one formats the traceback on the event loop, which a burst of refusals paid for in full."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from tests.fixtures.api import Caller


class Ended(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []
        self.active = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        if self.active:
            self.spans.append(span)


@pytest.fixture
def ended() -> Iterator[Ended]:
    collector = Ended()
    provider: Any = trace.get_tracer_provider()
    provider.add_span_processor(collector)
    yield collector
    collector.active = False


def test_a_refused_request_is_traced_without_an_exception(
    client: TestClient, caller: Caller, ended: Ended
) -> None:
    response = client.get(f"/api/email/{uuid.uuid4()}", headers=caller.headers)
    assert response.status_code == 404
    [request] = [s for s in ended.spans if (s.attributes or {}).get("http.route") == "/api/email/{email_id}"]
    assert (request.attributes or {}).get("http.status_code") == 404
    assert [event.name for event in request.events if event.name == "exception"] == []
