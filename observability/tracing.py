"""Logfire for the API and the worker: one trace from the POST through every pipeline step.

Nothing leaves the machine without LOGFIRE_TOKEN. Spans carry ids and timings, never
prompts, resumes or email bodies: pydantic-ai content capture is off, request bodies are
not recorded, and Logfire's scrubbing is on for anything else that looks secret.

Tracing is on when LOGFIRE_TOKEN is set (or TRACING=on). Otherwise nothing here imports Logfire or
OpenTelemetry: spans that go nowhere would cost each process ~30 MiB and every request some CPU.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import TYPE_CHECKING, Any

from config.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from logfire.types import ExceptionCallbackHelper

_lock = threading.Lock()
_configured = False
_agents_instrumented = False

SCRUB_PATTERNS = ["email_message", "email_template", "resume", "template_text", "authorization"]


def configure(service: str) -> bool:
    """Configure Logfire once per process and instrument the libraries both processes use;
    False (and nothing imported) when tracing is off."""
    global _configured
    settings = get_settings()
    if not settings.tracing_enabled:
        _keep_logfire_out()
        return False
    with _lock:
        if _configured:
            return True
        import logfire

        from database.engine import get_engine
        from observability.sampling import SkipPolling

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
            advanced=logfire.AdvancedOptions(exception_callback=_answered_errors_unrecorded),
        )
        logfire.instrument_httpx(capture_headers=False)
        logfire.instrument_sqlalchemy(engine=get_engine())
        logfire.instrument_celery()
        _configured = True
    if "pydantic_ai" in sys.modules:  # agents were built before tracing was configured
        instrument_agents()
    return True


def _answered_errors_unrecorded(helper: ExceptionCallbackHelper) -> None:
    """Scribe's own errors are answers (a 4xx, a 503 with Retry-After), not failures: the request's span
    keeps its status, but the exception is not recorded. Recording one formats its traceback (source
    lines read and parsed, ~1 ms on the event loop), which made a burst of refused requests stall
    every other request; unexpected exceptions are still recorded in full."""
    from services.errors import ScribeError

    if isinstance(helper.exception, ScribeError):
        helper.no_record_exception()


def _keep_logfire_out() -> None:
    """pydantic-ai's `logfire_api` shim imports Logfire whenever it is installed, only to make spans
    that go nowhere (with OpenTelemetry, requests and rich: ~18 MiB in the worker). In a process that
    traces nothing `import logfire` fails instead, so the shim makes its own no-op spans."""
    sys.modules.setdefault("logfire", None)  # type: ignore[arg-type]


def span(name: str, **attributes: Any) -> contextlib.AbstractContextManager[Any]:
    """A Logfire span once tracing is configured in this process; otherwise nothing, and Logfire is
    never imported (the worker's every pipeline step opens one: ~18 MiB of imports and a span's CPU)."""
    if not _configured:
        return contextlib.nullcontext()
    import logfire

    return logfire.span(name, **attributes)


def instrument_agents() -> None:
    """Trace pydantic-ai runs once tracing is configured. Called where agents are built, so the API,
    which builds one only for its first resume, never imports pydantic-ai for tracing's sake."""
    global _agents_instrumented
    with _lock:
        if _agents_instrumented or not _configured:
            return
        import logfire

        logfire.instrument_pydantic_ai(include_content=False, include_binary_content=False)
        _agents_instrumented = True


def _no_request_values(_request: Any, attributes: dict[str, Any]) -> dict[str, Any] | None:
    # Validation errors are worth a span attribute; the submitted values (templates) are not.
    errors = attributes.get("errors")
    return {"errors": [{"loc": e.get("loc"), "type": e.get("type")} for e in errors]} if errors else None


def instrument_app(app: FastAPI) -> None:
    if configure("api"):
        import logfire

        logfire.instrument_fastapi(app, request_attributes_mapper=_no_request_values)
