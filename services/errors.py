"""The one error hierarchy: each error carries its HTTP status, a public detail and a message.

`detail` is the short machine-facing text API clients already read; `message` is the one sentence
the frontend shows a student (`errorData.message || errorData.detail`): what went wrong and what
to change. Without an explicit message, the detail is written as a sentence.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    detail: str
    message: str = Field(description="One human sentence: what went wrong and what to change")


def as_sentence(text: str) -> str:
    """'task not found' -> 'Task not found.'"""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


class ScribeError(Exception):
    status_code = 400
    detail = "Bad request"
    message: str | None = None

    def __init__(
        self, detail: str | None = None, *, message: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.detail = detail or self.detail
        self.message = message or self.message or as_sentence(self.detail)
        self.headers = headers
        super().__init__(self.detail)

    @classmethod
    def openapi(cls) -> dict[int | str, dict[str, Any]]:
        return {cls.status_code: {"description": cls.detail, "model": ErrorBody}}


class BadRequest(ScribeError):
    status_code = 400


class Unauthorized(ScribeError):
    status_code = 401
    detail = "Missing or invalid access token"
    message = "Your sign-in could not be verified; please sign in again."

    def __init__(self, detail: str | None = None, *, message: str | None = None) -> None:
        super().__init__(
            detail, message=message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )


class Forbidden(ScribeError):
    status_code = 403
    detail = "Forbidden"


class NotInitialised(Forbidden):
    detail = "User not initialised: call POST /api/user/init first"
    message = "Your profile is not set up yet; finish signing in (POST /api/user/init) and try again."


class NotFound(ScribeError):
    status_code = 404
    detail = "Not found"


class Conflict(ScribeError):
    status_code = 409
    detail = "Conflict"


class RateLimited(ScribeError):
    status_code = 429
    detail = "Too many requests"

    def __init__(
        self, detail: str | None = None, *, message: str | None = None, retry_after: int = 60
    ) -> None:
        super().__init__(detail, message=message, headers={"Retry-After": str(max(1, retry_after))})


class ServiceUnavailable(ScribeError):
    status_code = 503
    detail = "A dependency is unavailable; try again shortly"


class BadGateway(ScribeError):
    status_code = 502
    detail = "An upstream service gave an unusable answer"


def responses(*errors: type[ScribeError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route from the errors it can raise."""
    out: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        out.update(error.openapi())
    return out
