"""Shared field types: UTC timestamps that always end in Z, optional-not-nullable fields, strict requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator


def to_utc_z(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything Scribe stores is UTC. PostgreSQL's are already
    # UTC (a zero offset) and need no conversion: this runs for every item of every queue poll.
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


UTCDateTime = Annotated[datetime, PlainSerializer(to_utc_z, return_type=str, when_used="json")]


def _is_none(value: object) -> bool:
    return value is None


def _never_null(schema: dict[str, Any]) -> None:
    """OpenAPI for an omitted-when-None field: the key may be missing, but it is never null."""
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    schema.pop("default", None)
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


# For a field the frontend declares `.optional()` (zod: a value or an absent key, never null):
# `x: Annotated[str | None, OMITTED_WHEN_NONE] = None` leaves the key out of the JSON when it has no value.
# A field declared `.nullable()` stays a plain `X | None` and is sent as null.
OMITTED_WHEN_NONE = Field(exclude_if=_is_none, json_schema_extra=_never_null)


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields, strip surrounding whitespace, and refuse NUL characters
    and text that is not valid Unicode."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        # PostgreSQL cannot store NUL in text; refuse it here as a 422 rather than fail at the database.
        if "\x00" in value:
            raise ValueError("text must not contain NUL (\\u0000) characters")
        # JSON's \ud800 escapes decode to lone surrogates, which no UTF-8 encoder (database, logs, the
        # response) accepts.
        if not value.isascii() and _has_lone_surrogate(value):
            raise ValueError("text must be valid Unicode (a lone surrogate such as \\ud800 is not)")
        return value


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Message(BaseModel):
    message: str
