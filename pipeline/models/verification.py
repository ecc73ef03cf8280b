"""The code checks run on a composed email, and their outcome."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VerificationCheck(BaseModel):
    name: str
    passed: bool
    detail: str = ""


class Verification(BaseModel):
    checks: list[VerificationCheck] = Field(default_factory=list)
    retried: bool = False

    @property
    def failed(self) -> list[VerificationCheck]:
        return [check for check in self.checks if not check.passed]

    @property
    def passed(self) -> bool:
        return not self.failed
