"""The emulated Anthropic API answers each pipeline role through the real pydantic-ai stack."""

from __future__ import annotations

import json

import anthropic
import pytest

from services.emulator import EmulatorHandle
from tests.emulator.llm import JSON_MODE, agent, run
from tests.emulator.models import ComposedValues, GeneratedTemplate, ParsedTemplate, ResearchNotes

TEMPLATE = "Dear {{name}}, I read your paper {{research}} and would love to join your lab."


@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "json"])
def test_parser_output_validates_and_reports_usage(emulator_config: EmulatorHandle, stream: bool) -> None:
    settings = None if stream else JSON_MODE
    result = agent(emulator_config.url, ParsedTemplate).run_sync(
        "<template>\n" + TEMPLATE + "\n</template>\n\n<recipient_name>\nDr. Amara Okafor\n</recipient_name>",
        model_settings=settings,
    )
    assert result.output.template_type == "research"
    assert result.output.placeholders == ["name", "research"]
    assert all("Amara Okafor" in query for query in result.output.search_queries)
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    stats = emulator_config.stats()
    assert stats["calls"] == {"parser": 1}
    assert stats["events"] == {"llm_streamed" if stream else "llm_json": 1}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi {{name}}, I loved your novel {{book}}.", "book"),
        ("Hi {{name}}, your research on {{topic}} inspired me.", "research"),
        ("Hi {{name}}, can we chat about {{topic}}?", "general"),
    ],
)
def test_parser_classifies_template_type(
    emulator_config: EmulatorHandle, template: str, expected: str
) -> None:
    output = run(
        emulator_config.url,
        ParsedTemplate,
        template=template,
        recipient_name="Margaret Ellery",
        recipient_interest="x",
    )
    assert output.template_type == expected


@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "json"])
def test_summarizer_ties_each_fact_to_a_given_source(emulator_config: EmulatorHandle, stream: bool) -> None:
    sources = [
        {
            "url": "https://a.example.edu/okafor",
            "title": "Profile",
            "text": "Amara Okafor leads the Resilient "
            "Agents Lab at Northvale University. She studies robust reinforcement learning under shift.",
        },
        {
            "url": "https://b.example.edu/news",
            "title": "News",
            "text": "Okafor won a teaching award in 2023.",
        },
    ]
    output = run(
        emulator_config.url,
        ResearchNotes,
        stream=stream,
        recipient_name="Amara Okafor",
        recipient_interest="robust reinforcement learning",
        sources=sources,
    )
    assert output.facts
    for fact in output.facts:
        source = next(s for s in sources if s["url"] == fact.source_url)
        assert fact.text in source["text"]


def test_template_generator_uses_only_resume_facts(emulator_config: EmulatorHandle) -> None:
    resume = (
        "Jordan Ellis\njordan@example.com\nB.S. in Computer Science, Northvale University, 2026\nPython, SQL"
    )
    output = run(
        emulator_config.url,
        GeneratedTemplate,
        resume=resume,
        user_instructions="Keep it short and mention my degree.",
    )
    assert "{{name}}" in output.template_text and "{{research}}" in output.template_text
    assert "Jordan Ellis" in output.template_text and "Northvale University" in output.template_text
    assert "Computer Science" in output.template_text


@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "json"])
def test_a_request_without_an_output_tool_gets_plain_text(
    emulator_config: EmulatorHandle, stream: bool
) -> None:
    settings = None if stream else JSON_MODE
    output = agent(emulator_config.url, str).run_sync("Say hello.", model_settings=settings).output
    assert "emulator" in output
    assert emulator_config.stats()["calls"] == {"llm_other": 1}


def test_composer_output_validates_streaming_and_json(emulator_config: EmulatorHandle) -> None:
    papers = [
        {"arxiv_id": "2401.00001", "title": "Robust Policies", "year": 2024, "url": "u", "summary": "s"}
    ]
    outputs = [
        run(
            emulator_config.url,
            ComposedValues,
            stream=stream,
            template=TEMPLATE,
            recipient_name="Amara Okafor",
            recipient_interest="robust reinforcement learning",
            template_type="research",
            facts=[],
            papers=papers,
            sources=[],
        )
        for stream in (True, False)
    ]
    assert outputs[0] == outputs[1]
    assert outputs[0].value("{{name}}") == "Amara Okafor"
    assert outputs[0].value("{{research}}") == "Robust Policies"
    assert outputs[0].used_paper_ids == ["2401.00001"]
    assert json.dumps(outputs[0].model_dump())  # serialisable, no stray objects


def test_count_tokens_answers_roughly_chars_over_four(emulator_config: EmulatorHandle) -> None:
    client = anthropic.Anthropic(api_key="k", base_url=emulator_config.url)
    counted = client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "x" * 400}]
    )
    assert 90 <= counted.input_tokens <= 110
