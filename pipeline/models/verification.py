"""The code checks run on a composed email, and their outcome."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VerificationCheck(BaseModel):
    name: str
    passed: bool
    detail: str = ""


class FilledValue(BaseModel):
    """What went into one placeholder, and who wrote it: the model, its corrective retry, or code."""

    placeholder: str
    value: str
    origin: str = "model"


class Verification(BaseModel):
    checks: list[VerificationCheck] = Field(default_factory=list)
    retried: bool = False
    values: list[FilledValue] = Field(default_factory=list)
    # How the values were fitted into the template's sentences (pipeline/steps/email_composer/assembly.py).
    seams: list[str] = Field(default_factory=list)

    @property
    def failed(self) -> list[VerificationCheck]:
        return [check for check in self.checks if not check.passed]

    @property
    def passed(self) -> bool:
        return not self.failed
