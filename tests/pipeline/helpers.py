"""Fakes at the process edge for pipeline tests: a scripted model and a scripted search client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from pipeline.models import ArxivPaper, Fact, Source


def last_prompt(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""


@dataclass
class ScriptedModel:
    """A FunctionModel answering with the next output in `outputs`, recording every prompt it saw."""

    outputs: list[dict[str, Any]]
    prompts: list[str] = field(default_factory=list)

    def _answer(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.prompts.append(last_prompt(messages))
        output = self.outputs[min(len(self.prompts), len(self.outputs)) - 1]
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, output)])

    @property
    def model(self) -> FunctionModel:
        return FunctionModel(self._answer, model_name="scripted")


@dataclass
class FakeSearch:
    """An Exa stand-in: results per query keyword, or an exception to raise."""

    answer: Callable[[str], list[Source]] | Exception
    queries: list[str] = field(default_factory=list)
    closed: bool = False

    async def search(self, query: str, *, num_results: int | None = None, contents: Any = None) -> Any:
        self.queries.append(query)
        if isinstance(self.answer, Exception):
            raise self.answer
        results = [
            SimpleNamespace(url=s.url, title=s.title, published_date=s.published_date, text=s.text)
            for s in self.answer(query)
        ]
        return SimpleNamespace(results=results)

    async def aclose(self) -> None:
        self.closed = True


def paper(title: str, *, arxiv_id: str = "2401.00001", year: int = 2024, **extra: Any) -> ArxivPaper:
    return ArxivPaper(
        arxiv_id=arxiv_id,
        title=title,
        year=year,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        summary=extra.pop("summary", ""),
        authors=extra.pop("authors", ["Jane Smith"]),
        **extra,
    )


PROFILE = Source(
    url="https://cs.example.edu/people/jane-smith",
    title="Jane Smith | Example University",
    text="Jane Smith is a Professor at Example University. She leads the Sparse Systems Lab.",
)
FACT = Fact(text="Jane Smith leads the Sparse Systems Lab.", source_url=PROFILE.url)


def counter() -> Iterator[int]:
    n = 0
    while True:
        n += 1
        yield n
