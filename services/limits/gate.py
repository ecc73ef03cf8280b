"""The gate every call to a rate-limited provider goes through.

In order, a call waits for:
1. the provider's last "retry after" (a cool-down shared by every worker: once the account is out
   of requests, nobody asks again before the provider said so);
2. a place among this process's calls in flight to that provider: an AIMD limit, halved when the
   provider refuses a call (429) and raised by one per limit's worth of accepted calls, so a
   worker that meets an account's limit it was not told about settles just under it instead of
   keeping the bucket empty with retries;
3. the account's budgets when they are configured (ANTHROPIC_RPM, ANTHROPIC_INPUT_TPM, EXA_RPS):
   reservations spaced at the budget's rate for the whole deployment (services/limits/shared.py).

All of it is asleep on the event loop, and none of it counts against time limits (deadline.py).
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from config.settings import get_settings
from services.limits import deadline
from services.limits.shared import Cooldown, Spacing

# When a provider refuses without saying for how long (Exa sends no retry-after).
DEFAULT_RETRY_AFTER = 1.0
# Budgets run this much under the configured rate: scheduling and network jitter (a request that
# reaches the provider some milliseconds late, the next one on time) must not put two requests
# closer than the account allows. A share of the spacing, and between requests at least a fixed
# allowance: on a busy machine the jitter is tens of milliseconds whatever the rate. Tokens get the
# share only: the allowance is per request, and per token it would cap a budget at ~1000 tokens/min.
BUDGET_MARGIN = 0.03
JITTER_ALLOWANCE_SECONDS = 0.06
MAX_IN_FLIGHT = 64


class AdaptiveLimit:
    """Calls in flight on one event loop: additive increase, multiplicative decrease on refusals."""

    def __init__(self, ceiling: int = MAX_IN_FLIGHT) -> None:
        self.ceiling = ceiling
        self.limit = float(ceiling)
        self.in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._decrease_after = 0.0

    async def acquire(self) -> bool:
        """Take a place; whether the call had to wait for one."""
        waited = False
        while self.in_flight >= int(self.limit):
            waited = True
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                self._wake()  # a place handed to a cancelled waiter goes to the next one
                raise
        self.in_flight += 1
        return waited

    def release(self, *, accepted: bool | None, refused_for: float | None = None) -> None:
        """`accepted`: the provider took the call (True), refused it (False), or neither (None)."""
        self.in_flight -= 1
        now = asyncio.get_running_loop().time()
        if accepted:
            self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
        elif accepted is False and now >= self._decrease_after:
            # Calls sent together are refused together: that is one signal, so halve once per cool-down.
            self.limit = max(1.0, min(self.limit, self.in_flight + 1) / 2)
            self._decrease_after = now + (refused_for or DEFAULT_RETRY_AFTER)
        self._wake()

    def _wake(self) -> None:
        free = int(self.limit) - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1


@dataclass
class Call:
    """What became of one call at the gate, told by the caller."""

    accepted: bool | None = None
    retry_after: float | None = None

    def accept(self) -> None:
        self.accepted = True

    def refuse(self, retry_after: float | None) -> None:
        self.accepted = False
        self.retry_after = retry_after if retry_after and retry_after > 0 else DEFAULT_RETRY_AFTER


@dataclass
class ProviderGate:
    """Cool-down, AIMD limit and budgets for one provider (see the module docstring)."""

    name: str
    budgets: Mapping[str, Spacing] = field(default_factory=dict)
    cooldown: Cooldown = field(init=False)
    _limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AdaptiveLimit] = field(
        init=False, default_factory=weakref.WeakKeyDictionary
    )

    def __post_init__(self) -> None:
        self.cooldown = Cooldown(self.name)

    def limit(self) -> AdaptiveLimit:
        """This loop's AIMD limit (the worker has one loop: one limit per process)."""
        loop = asyncio.get_running_loop()
        found = self._limits.get(loop)
        if found is None:
            found = self._limits[loop] = AdaptiveLimit()
        return found

    @asynccontextmanager
    async def call(self, **costs: float) -> AsyncIterator[Call]:
        """Wait for the right to call; the caller says in `Call` whether the provider took it.

        `costs` names each budget's units for this call (default 1): e.g. `input_tokens=1200`.
        """
        limit = self.limit()
        with deadline.queued():
            await self._cooled_down()
            waited = await limit.acquire()
            try:
                for key, budget in self.budgets.items():
                    wait = await budget.reserve(costs.get(key, 1.0))
                    if wait > 0:
                        waited = True
                        await asyncio.sleep(wait)
                if waited:  # a refusal may have come in meanwhile (asking Redis again costs a round trip)
                    await self._cooled_down()
            except BaseException:
                limit.release(accepted=None)
                raise
        outcome = Call()
        try:
            yield outcome
        finally:
            limit.release(accepted=outcome.accepted, refused_for=outcome.retry_after)
        if outcome.accepted is False and outcome.retry_after:
            await self.cooldown.extend(outcome.retry_after)

    async def charge(self, key: str, units: float) -> None:
        """Spend more of a budget after the fact (a call that cost more than estimated)."""
        budget = self.budgets.get(key)
        if budget is not None and units > 0:
            await budget.reserve(units)

    async def _cooled_down(self) -> None:
        while (left := await self.cooldown.remaining()) > 0:
            await asyncio.sleep(left)


@lru_cache(maxsize=8)
def gate_for(provider: str) -> ProviderGate:
    """The process's gate for a provider; budgets come from the settings (unset: no budget).

    Rate limits belong to an account, so the shared state is named after the API key's hash: two
    deployments (or a test run) with other keys never share a budget or a cool-down.
    """
    settings = get_settings()
    key = {"anthropic": settings.anthropic_api_key, "exa": settings.exa_api_key}.get(provider) or ""
    account = f"{provider}:{hashlib.sha256(key.encode()).hexdigest()[:10]}"
    budgets: dict[str, Spacing] = {}
    if provider == "anthropic":
        if settings.anthropic_rpm:
            budgets["requests"] = Spacing(
                f"{account}:requests", request_spacing(60.0 / settings.anthropic_rpm)
            )
        if settings.anthropic_input_tpm:
            budgets["input_tokens"] = Spacing(
                f"{account}:input_tokens", 60.0 / settings.anthropic_input_tpm * (1 + BUDGET_MARGIN)
            )
    elif provider == "exa" and settings.exa_rps:
        budgets["requests"] = Spacing(f"{account}:requests", request_spacing(1.0 / settings.exa_rps))
    return ProviderGate(account, budgets)


def request_spacing(seconds: float) -> float:
    """The time kept between two requests of a budget allowing one every `seconds`."""
    return max(seconds * (1 + BUDGET_MARGIN), seconds + JITTER_ALLOWANCE_SECONDS)
