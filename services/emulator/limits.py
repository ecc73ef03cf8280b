"""The providers' published rate rules, enforced the way each provider does, with breach counters.

- arXiv (API terms of use): at most one request every 3 seconds, one connection at a time. arXiv
  answers anyway (and may block the address later), so the emulator answers too and counts the
  breach: a client that breaks the rule is caught by the counter, not by its own error handling.
- Anthropic (rate limits per organisation and tier, e.g. 50 requests/min on the first tier): a
  continuously refilled token bucket for requests and optionally one for input tokens; a request
  that finds a bucket empty is refused with 429, a `rate_limit_error` body and `retry-after`.
- Exa: requests per second, refused with 429 over the rate (no retry-after: Exa does not send one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

ARXIV_PUBLISHED = {"interval_seconds": 3.0, "connections": 1}


class TokenBucket:
    """`capacity` tokens, refilled continuously at `rate` per second."""

    def __init__(self, *, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def wait(self, amount: float, now: float) -> float:
        """Seconds until `amount` tokens are there (0: now); refills first."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return max(0.0, (min(amount, self.capacity) - self.tokens) / self.rate)

    def take(self, amount: float) -> None:
        # One oversized request still passes on a full bucket.
        self.tokens -= min(amount, self.capacity)


@dataclass
class Refusal:
    """A 429: which rule, and the retry-after to send (None: the provider sends none)."""

    rule: str
    retry_after: int | None


@dataclass
class ProviderRules:
    """The rules in force and their buckets; the caller holds the emulator state's lock."""

    arxiv_interval: float | None = None
    arxiv_connections: int | None = None
    anthropic_rpm: float | None = None
    anthropic_itpm: float | None = None
    anthropic_burst_seconds: float = 10.0
    exa_rps: float | None = None
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)
    _arxiv_last_start: float | None = None
    _arxiv_in_flight: int = 0

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ProviderRules:
        """From `{"arxiv": {...}, "anthropic": {...}, "exa": {...}}` (see the module docstring)."""
        unknown = set(raw) - {"arxiv", "anthropic", "exa"}
        if unknown:
            raise ValueError(f"unknown rule providers {sorted(unknown)}; expected arxiv, anthropic, exa")
        arxiv, anthropic, exa = (dict(raw.get(name) or {}) for name in ("arxiv", "anthropic", "exa"))
        rules = cls(
            arxiv_interval=_positive(arxiv.pop("interval_seconds", None), "arxiv.interval_seconds"),
            arxiv_connections=_count(arxiv.pop("connections", None)),
            anthropic_rpm=_positive(anthropic.pop("requests_per_minute", None), "requests_per_minute"),
            anthropic_itpm=_positive(
                anthropic.pop("input_tokens_per_minute", None), "input_tokens_per_minute"
            ),
            anthropic_burst_seconds=_positive(anthropic.pop("burst_seconds", 10.0), "burst_seconds") or 10.0,
            exa_rps=_positive(exa.pop("requests_per_second", None), "exa.requests_per_second"),
        )
        leftover = [
            f"{name}.{key}"
            for name, d in (("arxiv", arxiv), ("anthropic", anthropic), ("exa", exa))
            for key in d
        ]
        if leftover:
            raise ValueError(f"unknown rule settings {leftover}")
        return rules

    def describe(self) -> dict[str, Any]:
        return {
            "arxiv": {"interval_seconds": self.arxiv_interval, "connections": self.arxiv_connections},
            "anthropic": {
                "requests_per_minute": self.anthropic_rpm,
                "input_tokens_per_minute": self.anthropic_itpm,
                "burst_seconds": self.anthropic_burst_seconds,
            },
            "exa": {"requests_per_second": self.exa_rps},
        }

    def arxiv_begin(self, now: float) -> list[str]:
        """A request starts: the arXiv rules it breaks (it is served anyway)."""
        broken = []
        last = self._arxiv_last_start
        if self.arxiv_interval is not None and last is not None and now - last < self.arxiv_interval:
            broken.append("arxiv_interval")
        if self.arxiv_connections is not None and self._arxiv_in_flight >= self.arxiv_connections:
            broken.append("arxiv_connections")
        self._arxiv_last_start = now
        self._arxiv_in_flight += 1
        return broken

    def arxiv_end(self) -> None:
        self._arxiv_in_flight -= 1

    def anthropic_admit(self, input_tokens: int, now: float) -> Refusal | None:
        """Every bucket must have room; a refused request takes nothing from any of them."""
        wanted = [
            (
                self._bucket(name, per_minute / 60, per_minute * self.anthropic_burst_seconds / 60, now),
                amount,
                name,
            )
            for name, per_minute, amount in (
                ("anthropic_rpm", self.anthropic_rpm, 1.0),
                ("anthropic_itpm", self.anthropic_itpm, float(input_tokens)),
            )
            if per_minute is not None
        ]
        waits = [(bucket.wait(amount, now), name) for bucket, amount, name in wanted]
        longest, rule = max(waits, default=(0.0, ""))
        if longest > 0:
            return Refusal(rule=rule, retry_after=max(1, math.ceil(longest)))
        for bucket, amount, _ in wanted:
            bucket.take(amount)
        return None

    def exa_admit(self, now: float) -> Refusal | None:
        if self.exa_rps is None:
            return None
        bucket = self._bucket("exa_rps", self.exa_rps, self.exa_rps, now)
        if bucket.wait(1.0, now) > 0:
            return Refusal(rule="exa_rps", retry_after=None)
        bucket.take(1.0)
        return None

    def _bucket(self, name: str, rate: float, capacity: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = TokenBucket(rate=rate, capacity=capacity, now=now)
        return bucket


def _positive(value: Any, name: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if number <= 0:
        raise ValueError(f"{name} must be positive")
    return number


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if int(value) < 1:
        raise ValueError("arxiv.connections must be at least 1")
    return int(value)
