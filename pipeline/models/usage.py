"""Tokens and requests an agent run spent: recorded per step, summed per email."""

from __future__ import annotations

from pydantic import BaseModel


class Usage(BaseModel):
    """Tokens and requests spent by one or more agent runs."""

    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            requests=self.requests + other.requests,
        )
