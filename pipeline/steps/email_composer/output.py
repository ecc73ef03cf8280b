"""The composer's structured output: a value for each placeholder (the emulator recognises the role by
these field names). Code, not the model, puts the values into the student's template."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PlaceholderValue(BaseModel):
    placeholder: str = Field(description="The placeholder exactly as the template writes it, e.g. {{name}}.")
    value: str = Field(description="The text that replaces it, written to fit the words around it.")


class ComposedValues(BaseModel):
    values: list[PlaceholderValue] = Field(description="One value for every placeholder of the template.")
    used_source_urls: list[str] = Field(description="Urls of the sources whose facts the values use.")
    used_paper_ids: list[str] = Field(description="arxiv_id of every paper the values mention.")
