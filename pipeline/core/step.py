"""The contract every pipeline step follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from pipeline.models import PipelineData, StepName, StepResult


class Step(ABC):
    """A step reads what earlier steps left in `PipelineData`, adds its own part and accounts for itself."""

    name: ClassVar[StepName]

    def skip_reason(self, data: PipelineData) -> str | None:
        """Why this step has nothing to do for this email, or None to run it."""
        return None

    @abstractmethod
    async def run(self, data: PipelineData) -> StepResult:
        """Enrich `data`; raise `ProviderError` or `PipelineError` when the email cannot be written."""
