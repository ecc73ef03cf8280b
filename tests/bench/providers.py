"""The live configuration for the bench, and what the emulator saw: calls, refusals, breaches.

Every Scribe process of the bench runs with SCRIBE_PROVIDERS=live and the real SDKs pointed at the
emulator's base URLs, so every live behaviour (arXiv's pacing, the provider gates) is what is
measured. The emulator enforces arXiv's published rules for the whole run and, per scenario, an
Anthropic requests-per-minute limit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from config.settings import EMULATOR_API_KEY
from services.emulator.faults import LLM_ROLES
from services.emulator.limits import ARXIV_PUBLISHED

ARXIV_RULES = {"arxiv": ARXIV_PUBLISHED}


def live_environment(emulator_url: str) -> dict[str, str]:
    """Live mode, real SDKs, every base URL on the emulator."""
    return {
        "SCRIBE_PROVIDERS": "live",
        "ANTHROPIC_API_KEY": EMULATOR_API_KEY,
        "ANTHROPIC_BASE_URL": emulator_url,
        "EXA_API_KEY": EMULATOR_API_KEY,
        "EXA_BASE_URL": emulator_url,
        "ARXIV_API_URL": f"{emulator_url}/api/query",
    }


@dataclass
class ProviderCounts:
    """One scenario's traffic as the emulator counted it."""

    anthropic_requests: int
    anthropic_refused: int
    arxiv_requests: int
    arxiv_authors_asked: int
    breaches: dict[str, int]

    @property
    def arxiv_breaches(self) -> int:
        return sum(n for rule, n in self.breaches.items() if rule.startswith("arxiv"))

    @property
    def refused_share(self) -> float:
        return self.anthropic_refused / max(1, self.anthropic_requests)

    def line(self) -> str:
        return (
            f"arXiv: {self.arxiv_requests} requests for {self.arxiv_authors_asked} author queries, "
            f"breaches of arXiv's rules: {self.arxiv_breaches} (must be 0); "
            f"Anthropic: {self.anthropic_requests} requests, {self.anthropic_refused} answered 429 "
            f"({self.refused_share:.1%}); all breaches: {self.breaches or 'none'}"
        )


class Emulator:
    """The emulator's control API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self, *, rules: dict[str, Any] | None = None) -> None:
        """Back to the seed latencies, arXiv's rules plus `rules`, empty counters."""
        httpx.post(f"{self.url}/_emulator/reset", timeout=10).raise_for_status()
        body = {"rules": {**ARXIV_RULES, **(rules or {})}}
        httpx.post(f"{self.url}/_emulator/config", json=body, timeout=10).raise_for_status()

    def counts(self) -> ProviderCounts:
        stats = httpx.get(f"{self.url}/_emulator/stats", timeout=10).json()
        calls: dict[str, int] = stats["calls"]
        breaches: dict[str, int] = stats["breaches"]
        queries: list[str] = stats["queries"].get("arxiv", [])
        return ProviderCounts(
            anthropic_requests=sum(n for role, n in calls.items() if role in LLM_ROLES),
            anthropic_refused=breaches.get("anthropic_rpm", 0) + breaches.get("anthropic_itpm", 0),
            arxiv_requests=calls.get("arxiv", 0),
            arxiv_authors_asked=sum(query.count('au:"') for query in queries),  # one quoted name per author
            breaches=breaches,
        )


def forget_shared_limits() -> None:
    """Every scenario starts with no cached arXiv answer, budget or cool-down left by the last one."""
    import redis

    url = os.environ.get("REDIS_URL")
    if not url:
        return
    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter(match="scribe:limits:*", count=1000):
            client.delete(key)
