"""Latency, faults, statistics and the control endpoints, seen through the real SDKs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import anthropic
import arxiv
import httpx
import pytest
from exa_py import AsyncExa
from pydantic_ai.exceptions import ModelHTTPError

from services.emulator import EmulatorHandle
from tests.conftest import free_port
from tests.emulator.llm import JSON_MODE, agent
from tests.emulator.models import ParsedTemplate

PARSER_PROMPT = "<template>\nHi {{name}}\n</template>"


def _message(client: anthropic.Anthropic) -> anthropic.types.Message:
    return client.messages.create(
        model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": "hello"}]
    )


def test_configured_latency_delays_the_call(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(latency={"parser": 0.2})
    started = time.monotonic()
    agent(emulator_config.url, ParsedTemplate).run_sync(PARSER_PROMPT)
    assert time.monotonic() - started >= 0.2


def test_seed_preset_sets_the_step_timings(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(latency="seed")
    latency = emulator_config.stats()["latency"]
    assert latency["parser"] == 1.2 and latency["composer"] == 3.1 and latency["arxiv"] == 0.8
    assert latency["exa_search"] + latency["summarizer"] == pytest.approx(5.3)


def test_latency_does_not_block_concurrent_requests(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(latency={"arxiv": 0.5})

    async def many() -> list[int]:
        async with httpx.AsyncClient(base_url=emulator_config.url, timeout=30) as client:
            calls = [client.get("/api/query", params={"search_query": "au:Okafor"}) for _ in range(120)]
            return [response.status_code for response in await asyncio.gather(*calls)]

    started = time.monotonic()
    assert asyncio.run(many()) == [200] * 120
    assert time.monotonic() - started < 10  # 120 sequential sleeps would take 60 s
    assert emulator_config.stats()["calls"]["arxiv"] == 120


def test_429_reaches_pydantic_ai_as_a_rate_limit_error(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"parser": {"rate": 1.0, "kinds": ["429"], "retry_after": 0}})
    with pytest.raises(ModelHTTPError) as caught:
        agent(emulator_config.url, ParsedTemplate).run_sync(PARSER_PROMPT, model_settings=JSON_MODE)
    assert caught.value.status_code == 429
    assert emulator_config.stats()["faults_injected"] == {"parser:429": 1}


def test_faults_reach_the_anthropic_sdk_as_its_own_errors(emulator_config: EmulatorHandle) -> None:
    client = anthropic.Anthropic(api_key="k", base_url=emulator_config.url, max_retries=0)
    emulator_config.configure(faults={"llm": {"rate": 1.0, "kinds": ["429"], "retry_after": 7}})
    with pytest.raises(anthropic.RateLimitError) as rate_limited:
        _message(client)
    assert rate_limited.value.response.headers["retry-after"] == "7"
    assert rate_limited.value.response.json()["error"]["type"] == "rate_limit_error"
    emulator_config.configure(faults={"llm": {"rate": 1.0, "kinds": ["529"]}})
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        _message(client)
    assert overloaded.value.status_code == 529
    assert overloaded.value.response.json()["error"]["type"] == "overloaded_error"


def test_sdk_retries_recover_from_a_partial_fault_rate(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(
        faults={"llm_other": {"rate": 0.5, "kinds": ["429"], "retry_after": 0.01}}, seed=3
    )
    client = anthropic.Anthropic(api_key="k", base_url=emulator_config.url, max_retries=8)
    for _ in range(5):
        assert _message(client).content
    stats = emulator_config.stats()
    assert stats["calls"]["llm_other"] == 5 + stats["faults_injected"]["llm_other:429"]


def test_faults_are_deterministic_for_a_seed(emulator_config: EmulatorHandle) -> None:
    def outcomes() -> list[int]:
        emulator_config.reset()
        emulator_config.configure(faults={"arxiv": {"rate": 0.5, "kinds": ["500", "429"]}}, seed=42)
        with httpx.Client(base_url=emulator_config.url) as client:
            return [client.get("/api/query", params={"search_query": "au:x"}).status_code for _ in range(20)]

    first = outcomes()
    assert first == outcomes()
    assert set(first) == {200, 500, 429}


def test_exa_and_arxiv_faults_reach_their_sdks(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"exa_search": {"rate": 1, "kinds": ["429"]}, "arxiv": 1.0})

    async def search() -> None:
        async with AsyncExa("k", api_base=emulator_config.url) as exa:
            await exa.search("Amara Okafor")

    with pytest.raises(ValueError, match="429"):
        asyncio.run(search())
    client = arxiv.Client(delay_seconds=0, num_retries=0)
    client.query_url_format = emulator_config.arxiv_query_url_format
    with pytest.raises(arxiv.HTTPError):
        list(client.results(arxiv.Search(query="au:Okafor")))


def test_timeout_fault_hangs_until_the_client_gives_up(emulator_config: EmulatorHandle) -> None:
    emulator_config.configure(faults={"exa_search": {"rate": 1, "kinds": ["timeout"], "timeout_seconds": 5}})
    with httpx.Client(base_url=emulator_config.url, timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.post("/search", json={"query": "Amara Okafor"}, headers={"x-api-key": "k"})


def test_control_endpoints_configure_report_and_reset(emulator_config: EmulatorHandle) -> None:
    with httpx.Client(base_url=emulator_config.url) as client:
        bad = client.post("/_emulator/config", json={"latency": {"nonsense": 1}})
        assert bad.status_code == 400 and "nonsense" in bad.json()["detail"]
        assert client.post("/_emulator/config", json={"faults": {"arxiv": {"rate": 2}}}).status_code == 400
        configured = client.post("/_emulator/config", json={"latency": {"composer": 0.01}, "seed": 9}).json()
        assert configured["latency"]["composer"] == 0.01 and configured["seed"] == 9
        client.get("/api/query", params={"search_query": "au:x"})
        assert client.get("/_emulator/stats").json()["calls"] == {"arxiv": 1}
        reset = client.post("/_emulator/reset").json()
        assert reset["calls"] == {} and reset["latency"] == {} and reset["seed"] == 0


def test_the_composer_behaviour_is_configured_checked_and_reset(emulator_config: EmulatorHandle) -> None:
    with httpx.Client(base_url=emulator_config.url) as client:
        bad = client.post("/_emulator/config", json={"composer": "creative"})
        assert bad.status_code == 400 and "creative" in bad.json()["detail"]
        assert (
            client.post("/_emulator/config", json={"composer": "stubborn"}).json()["composer"] == "stubborn"
        )
        assert client.post("/_emulator/reset").json()["composer"] == "verbatim"


def test_override_resets_afterwards(emulator_config: EmulatorHandle) -> None:
    with emulator_config.override(latency="seed", faults={"all": 0.1}):
        assert emulator_config.stats()["latency"]["parser"] == 1.2
    assert emulator_config.stats()["latency"] == {} and emulator_config.stats()["faults"] == {}


def test_missing_api_key_is_an_authentication_error(emulator_config: EmulatorHandle) -> None:
    response = httpx.post(f"{emulator_config.url}/v1/messages", json={"model": "m", "messages": []})
    assert response.status_code == 401
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "authentication_error"


def test_command_line_serves_and_says_it_is_the_emulator() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.emulator", "--port", str(port), "--latency", "seed"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "emulator" in line and f"127.0.0.1:{port}" in line and "latency=seed" in line
        deadline = time.monotonic() + 10
        while True:
            try:
                stats = httpx.get(f"http://127.0.0.1:{port}/_emulator/stats").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert stats["latency"]["composer"] == 3.1
    finally:
        process.terminate()
        process.wait(10)
