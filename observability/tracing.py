"""Logfire for the API and the worker: one trace from the POST through every pipeline step.

Nothing leaves the machine without LOGFIRE_TOKEN. Spans carry ids and timings, never
prompts, resumes or email bodies: pydantic-ai content capture is off, request bodies are
not recorded, and Logfire's scrubbing is on for anything else that looks secret.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import logfire

from config.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

_lock = threading.Lock()
_configured = False

SCRUB_PATTERNS = ["email_message", "email_template", "resume", "template_text", "authorization"]


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
    logfire.instrument_fastapi(app, request_attributes_mapper=_no_request_values, excluded_urls="/health")
