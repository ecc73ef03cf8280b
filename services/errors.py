"""The one error hierarchy: each error carries its HTTP status and a public detail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    detail: str


class ScribeError(Exception):
    status_code = 400
    detail = "Bad request"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = detail or self.detail
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

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(ScribeError):
    status_code = 403
    detail = "Forbidden"


class NotInitialised(Forbidden):
    detail = "User not initialised: call POST /api/user/init first"


class NotFound(ScribeError):
    status_code = 404
    detail = "Not found"


class Conflict(ScribeError):
    status_code = 409
    detail = "Conflict"


class RateLimited(ScribeError):
    status_code = 429
    detail = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


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
