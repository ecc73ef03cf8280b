"""What the runner records per step and publishes while it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel, Field

from pipeline.models.usage import Usage

StepName = Literal["template_parser", "web_scraper", "arxiv_helper", "email_composer"]
STEP_NAMES: tuple[StepName, ...] = ("template_parser", "web_scraper", "arxiv_helper", "email_composer")


class StepResult(BaseModel):
    """A step's own account of its run; the runner adds the duration."""

    model: str | None = None
    usage: Usage | None = None
    note: str | None = None


class ProgressEvent(BaseModel):
    """Published when a step starts, completes or fails; `step_timings` holds the steps finished so far."""

    step: StepName
    status: Literal["started", "completed", "failed"]
    step_timings: dict[str, float] = Field(default_factory=dict)
    error: str | None = None


ProgressCallback = Callable[[ProgressEvent], Awaitable[None] | None]
