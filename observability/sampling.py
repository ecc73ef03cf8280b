"""The head sampler: polling GETs are not traced (loaded only when tracing is on)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

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
