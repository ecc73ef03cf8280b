"""Logfire for the API and the worker: one trace from the POST through every pipeline step.

Nothing leaves the machine without LOGFIRE_TOKEN. Spans carry ids and timings, never
prompts, resumes or email bodies: pydantic-ai content capture is off, request bodies are
not recorded, and Logfire's scrubbing is on for anything else that looks secret.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import logfire
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from config.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

_lock = threading.Lock()
_configured = False

SCRUB_PATTERNS = ["email_message", "email_template", "resume", "template_text", "authorization"]
# Polled every second or two by every open tab: most of the API's requests and none of its
# information. Their traces are not recorded (the spans are never built, which also keeps the
# polling path cheap); every other request, and everything the worker does, is traced.
POLLING_PATHS = re.compile(r"^/(health|api/queue/|api/email/status/[^/]+)$")


class SkipPolling(Sampler):
    """Head sampler: drop traces rooted at a polling GET, keep the rest; children follow their parent."""

    def __init__(self) -> None:
        self._keep = ParentBased(ALWAYS_ON)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if get_current_span(parent_context).get_span_context().is_valid is False and attributes:
            path = attributes.get("url.path") or attributes.get("http.target")
            method = attributes.get("http.request.method") or attributes.get("http.method")
            if method == "GET" and isinstance(path, str) and POLLING_PATHS.match(path):
                return SamplingResult(Decision.DROP)
        return self._keep.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "SkipPolling"


def configure(service: str) -> None:
    """Configure Logfire once per process and instrument the libraries both processes use."""
    global _configured
    with _lock:
        if _configured:
            return
        settings = get_settings()
        logfire.configure(
            send_to_logfire="if-token-present",
            token=settings.logfire_token or None,
            service_name=f"scribe-{service}",
            service_version=settings.version,
            environment=settings.environment,
            console=False,
            scrubbing=logfire.ScrubbingOptions(extra_patterns=SCRUB_PATTERNS),
            inspect_arguments=False,
            sampling=logfire.SamplingOptions(head=SkipPolling()),
        )
        logfire.instrument_pydantic_ai(include_content=False, include_binary_content=False)
        logfire.instrument_httpx(capture_headers=False)
        from database.engine import get_engine

        logfire.instrument_sqlalchemy(engine=get_engine())
        logfire.instrument_celery()
        _configured = True


def _no_request_values(_request: Any, attributes: dict[str, Any]) -> dict[str, Any] | None:
    # Validation errors are worth a span attribute; the submitted values (templates) are not.
    errors = attributes.get("errors")
    return {"errors": [{"loc": e.get("loc"), "type": e.get("type")} for e in errors]} if errors else None


def instrument_app(app: FastAPI) -> None:
    configure("api")
    logfire.instrument_fastapi(app, request_attributes_mapper=_no_request_values)
