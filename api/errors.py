"""Every error body is `{"detail": ..., "message": "..."}`, whoever raised it.

`detail` keeps the shape clients already parse (a string, or FastAPI's list for 422); `message` is
the one sentence the frontend shows (see api/error_messages.py). Registered by `main.create_app`
for Scribe's own errors, request validation, Starlette's 404/405/413 and database failures.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.error_messages import size_text, validation_message
from config.settings import get_settings
from services.errors import ScribeError, as_sentence

log = logging.getLogger("scribe.api")

DATABASE_DOWN = "Database unavailable; try again shortly"
DATABASE_DOWN_MESSAGE = "Scribe cannot reach its database right now; please try again in a minute."
DATABASE_BUSY = "Database busy; try again shortly"
DATABASE_BUSY_MESSAGE = "Scribe is very busy right now; please try again in a few seconds."
# Every pooled connection stayed taken for the whole pool timeout: connections free up within
# seconds once the burst passes, so a short wait is the honest hint.
DATABASE_BUSY_RETRY_AFTER_SECONDS = 5
SERVER_ERROR_MESSAGE = (
    "Something went wrong on our side; please try again, and tell us if it keeps happening."
)


def error_response(
    status_code: int, detail: Any, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"detail": detail, "message": message}, status_code=status_code, headers=dict(headers or {})
    )


def too_large_message(max_bytes: int) -> str:
    return f"The request is too large; send at most {size_text(max_bytes)}."


def http_message(request: Request, status_code: int, detail: Any, headers: Mapping[str, str]) -> str:
    """The sentence for Starlette's own errors (unknown route, wrong method, body too large ...)."""
    if status_code == 404:
        return "Nothing exists at this address; check the URL."
    if status_code == 405:
        allowed = headers.get("Allow") or headers.get("allow")
        use = f"; use {allowed}" if allowed else ""
        return f"This address does not accept {request.method} requests{use}."
    if status_code == 413:
        return too_large_message(get_settings().max_request_bytes)
    if status_code == 400 and isinstance(detail, str) and "parsing the body" in detail:
        return "The request body could not be read; send JSON encoded as UTF-8."
    if isinstance(detail, str) and detail:
        return as_sentence(detail)
    return "The request could not be completed."


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and why a request is invalid, never the input itself: it may be private, large, or not
    even encodable (a lone surrogate fails UTF-8, which turned FastAPI's echo into a 500)."""
    return [
        _printable(jsonable_encoder({key: value for key, value in error.items() if key != "input"}))
        for error in exc.errors()
    ]


def _printable(value: Any) -> Any:
    # Locations and contexts can hold the client's text too (an unknown field's name, a bad character).
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "(invalid text)"
    return value


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error body its `message`."""

    @app.exception_handler(ScribeError)
    async def scribe_error(_request: Request, exc: ScribeError) -> JSONResponse:
        return error_response(
            exc.status_code, exc.detail, exc.message or as_sentence(exc.detail), exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        return error_response(422, errors, validation_message(errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code in {204, 304}:
            return Response(status_code=exc.status_code, headers=headers)
        message = http_message(request, exc.status_code, exc.detail, headers)
        return error_response(exc.status_code, exc.detail, message, headers)

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return error_response(503, DATABASE_DOWN, DATABASE_DOWN_MESSAGE)

    @app.exception_handler(PoolTimeout)
    async def database_busy(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        log.warning("database pool exhausted: no connection within the pool timeout")
        retry = {"Retry-After": str(DATABASE_BUSY_RETRY_AFTER_SECONDS)}
        return error_response(503, DATABASE_BUSY, DATABASE_BUSY_MESSAGE, retry)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        # The type only: a statement's text and parameters would carry user content into the logs.
        log.error("database error: %s", type(exc).__name__)
        return error_response(500, "Internal database error", SERVER_ERROR_MESSAGE)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Starlette still re-raises after answering, so the server logs the traceback once.
        return error_response(500, "Internal server error", SERVER_ERROR_MESSAGE)

    _document_validation_message(app)


def _document_validation_message(app: FastAPI) -> None:
    """OpenAPI's 422 body (FastAPI's HTTPValidationError) gains the `message` every error carries."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        body = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if body is not None:
            body.setdefault("properties", {})["message"] = {
                "type": "string",
                "title": "Message",
                "description": "One human sentence: which field, and what to change",
            }
            body["required"] = sorted({*body.get("required", []), "message"})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
