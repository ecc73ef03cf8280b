"""Shared field types: UTC timestamps that always end in Z, strict request models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, field_validator


def to_utc_z(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything Scribe stores is UTC.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


UTCDateTime = Annotated[datetime, PlainSerializer(to_utc_z, return_type=str, when_used="json")]


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields, strip surrounding whitespace and refuse NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL cannot store NUL in text; refuse it here as a 422 rather than fail at the database.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return value


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Message(BaseModel):
    message: str
