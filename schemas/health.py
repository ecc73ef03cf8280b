from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from schemas.common import UTCDateTime


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["up", "down"]
    broker: Literal["up", "down"]
    version: str
    timestamp: UTCDateTime
