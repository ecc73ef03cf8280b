"""Shared field types: UTC timestamps that always end in Z, strict request models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


def to_utc_z(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything Scribe stores is UTC.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


UTCDateTime = Annotated[datetime, PlainSerializer(to_utc_z, return_type=str, when_used="json")]


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields and strip surrounding whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Message(BaseModel):
    message: str
