"""Latency, injected faults and call statistics: the emulator's mutable, thread-safe state."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from services.emulator.limits import ProviderRules, Refusal

ENDPOINTS = (
    "parser",
    "summarizer",
    "composer",
    "template_generator",
    "llm_other",
    "exa_search",
    "exa_contents",
    "exa_answer",
    "arxiv",
)
LLM_ROLES = frozenset({"parser", "summarizer", "composer", "template_generator", "llm_other"})
PRESETS: dict[str, dict[str, float]] = {
    "zero": {},
    # The seed deployment's step timings: the web step is exa_search + summarizer ~ 5.3 s.
    "seed": {
        "parser": 1.2,
        "exa_search": 2.5,
        "summarizer": 2.8,
        "arxiv": 0.8,
        "composer": 3.1,
        "template_generator": 3.0,
        "exa_contents": 0.5,
        "exa_answer": 2.0,
        "llm_other": 1.0,
    },
}
# How the emulated composer treats the student's template (services/emulator/composer.py).
COMPOSER_BEHAVIOURS = ("verbatim", "light", "paraphrase", "stubborn")
FaultKind = Literal["429", "500", "529", "timeout"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "529", "timeout")


@dataclass(frozen=True)
class FaultRule:
    """Inject a fault into this fraction of an endpoint's calls."""

    rate: float
    kinds: tuple[FaultKind, ...] = ("500",)
    retry_after: float = 1.0
    timeout_seconds: float = 30.0

    @classmethod
    def parse(cls, raw: dict[str, Any] | float) -> FaultRule:
        """Accept `0.5` or `{"rate": 0.5, "kinds": ["429"], "retry_after": 1, "timeout_seconds": 30}`."""
        if isinstance(raw, int | float):
            return cls(rate=float(raw))
        kinds = tuple(str(kind) for kind in raw.get("kinds", ["500"]))
        unknown = [kind for kind in kinds if kind not in FAULT_KINDS]
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be among {FAULT_KINDS}, got {kinds}")
        rate = float(raw.get("rate", 1.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be within 0..1")
        return cls(
            rate=rate,
            kinds=kinds,  # type: ignore[arg-type]
            retry_after=float(raw.get("retry_after", 1.0)),
            timeout_seconds=float(raw.get("timeout_seconds", 30.0)),
        )


@dataclass
class EmulatorState:
    """Configuration and counters shared by all requests; locked because tests mutate it from threads."""

    latency: dict[str, float] = field(default_factory=dict)
    faults: dict[str, FaultRule] = field(default_factory=dict)
    seed: int = 0
    composer: str = "verbatim"
    calls: Counter[str] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    queries: dict[str, deque[str]] = field(default_factory=dict)
    rules: ProviderRules = field(default_factory=ProviderRules)
    # Requests that broke a provider's rate rule (see limits.py): must stay 0 for a polite client.
    breaches: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(
        self,
        *,
        latency: str | dict[str, float] | None = None,
        faults: dict[str, Any] | None = None,
        seed: int | None = None,
        composer: str | None = None,
        rules: dict[str, Any] | None = None,
    ) -> None:
        """Apply a preset name or per-endpoint seconds (merged), fault rules (replacing), a seed, the
        composer's behaviour, and the providers' rate rules (replacing; see limits.py)."""
        if composer is not None and composer not in COMPOSER_BEHAVIOURS:
            raise ValueError(
                f"unknown composer behaviour {composer!r}; expected one of {COMPOSER_BEHAVIOURS}"
            )
        new_latency = _parse_latency(latency) if latency is not None else None
        new_faults = {_check_endpoint(k, faults=True): FaultRule.parse(v) for k, v in (faults or {}).items()}
        new_rules = ProviderRules.parse(rules) if rules is not None else None
        with self._lock:
            if new_rules is not None:
                self.rules = new_rules
            if isinstance(latency, str):
                self.latency = dict(new_latency or {})
            elif new_latency is not None:
                self.latency = {**self.latency, **new_latency}
            if faults is not None:
                self.faults = new_faults
            if seed is not None:
                self.seed = seed
            if composer is not None:
                self.composer = composer

    def reset(self, *, latency: str = "zero", rules: dict[str, Any] | None = None) -> None:
        """Back to the given latency preset and rate rules, no faults, seed 0 and empty counters."""
        with self._lock:
            self.rules = ProviderRules.parse(rules or {})
            self.breaches.clear()
            self.latency = dict(PRESETS[latency])
            self.faults = {}
            self.seed = 0
            self.composer = "verbatim"
            self.calls.clear()
            self.faults_injected.clear()
            self.events.clear()
            self.queries.clear()

    def record(self, endpoint: str, query: str | None = None) -> int:
        """Count a call (and remember its query); returns the call's 0-based index for this endpoint."""
        with self._lock:
            index = self.calls[endpoint]
            self.calls[endpoint] += 1
            if query is not None:
                self.queries.setdefault(endpoint, deque(maxlen=500)).append(query)
            return index

    def count(self, event: str) -> None:
        """Count something that is not a call (e.g. how many LLM answers were streamed)."""
        with self._lock:
            self.events[event] += 1

    def pick_fault(self, endpoint: str, index: int) -> tuple[FaultKind, FaultRule] | None:
        """Decide, deterministically from (seed, endpoint, call index), whether this call fails and how."""
        with self._lock:
            rule = self.faults.get(endpoint) or self.faults.get("llm" if endpoint in LLM_ROLES else "")
            rule = rule or self.faults.get("all")
            seed = self.seed
        if rule is None or rule.rate <= 0:
            return None
        rng = random.Random(f"{seed}:{endpoint}:{index}")
        if rng.random() >= rule.rate:
            return None
        kind = rule.kinds[rng.randrange(len(rule.kinds))]
        with self._lock:
            self.faults_injected[f"{endpoint}:{kind}"] += 1
        return kind, rule

    def arxiv_started(self) -> None:
        """An arXiv request begins: count the rules it breaks (it is served anyway, as arXiv does)."""
        with self._lock:
            self.breaches.update(self.rules.arxiv_begin(time.monotonic()))

    def arxiv_finished(self) -> None:
        with self._lock:
            self.rules.arxiv_end()

    def admit_anthropic(self, input_tokens: int) -> Refusal | None:
        """None, or the 429 a request gets for finding the account's bucket empty."""
        with self._lock:
            refusal = self.rules.anthropic_admit(input_tokens, time.monotonic())
            if refusal is not None:
                self.breaches[refusal.rule] += 1
            return refusal

    def admit_exa(self) -> Refusal | None:
        with self._lock:
            refusal = self.rules.exa_admit(time.monotonic())
            if refusal is not None:
                self.breaches[refusal.rule] += 1
            return refusal

    async def delay(self, endpoint: str) -> None:
        """Sleep this endpoint's latency without blocking the event loop."""
        with self._lock:
            seconds = self.latency.get(endpoint, 0.0)
        if seconds > 0:
            await asyncio.sleep(seconds)

    def snapshot(self) -> dict[str, Any]:
        """Counters and configuration as JSON."""
        with self._lock:
            return {
                "calls": dict(self.calls),
                "total_calls": sum(self.calls.values()),
                "faults_injected": dict(self.faults_injected),
                "events": dict(self.events),
                "queries": {endpoint: list(items) for endpoint, items in self.queries.items()},
                "latency": dict(self.latency),
                "faults": {k: rule.__dict__ for k, rule in self.faults.items()},
                "rules": self.rules.describe(),
                "breaches": dict(self.breaches),
                "seed": self.seed,
                "composer": self.composer,
            }


def _check_endpoint(name: str, *, faults: bool = False) -> str:
    allowed = set(ENDPOINTS) | ({"llm", "all"} if faults else set())
    if name not in allowed:
        raise ValueError(f"unknown endpoint {name!r}; expected one of {sorted(allowed)}")
    return name


def _parse_latency(latency: str | dict[str, float]) -> dict[str, float]:
    if isinstance(latency, str):
        if latency not in PRESETS:
            raise ValueError(f"unknown latency preset {latency!r}; expected one of {sorted(PRESETS)}")
        return dict(PRESETS[latency])
    parsed = {_check_endpoint(k): float(v) for k, v in latency.items()}
    if any(v < 0 for v in parsed.values()):
        raise ValueError("latency must be >= 0 seconds")
    return parsed
