"""The one error a pipeline run raises."""

from __future__ import annotations


class PipelineError(Exception):
    """A step failed; `transient` tells the task whether a later retry can succeed."""

    def __init__(self, message: str, *, failed_step: str, error_type: str, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.failed_step = failed_step
        self.error_type = error_type
        self.transient = transient

    def as_dict(self) -> dict[str, str | bool]:
        """The shape the status endpoint reports: `{message, type, failed_step, transient}`."""
        return {
            "message": self.message,
            "type": self.error_type,
            "failed_step": self.failed_step,
            "transient": self.transient,
        }
