"""Time limits that do not count time spent queued for a provider's rate limit (up to an allowance).

An account's rate limit makes a batch slower; it must not make an email fail. A pipeline that
waits 40 s in the Anthropic budget has not been working for those 40 s, so the task's time limit
(and an agent attempt's) stands still while it waits, for at most RATE_LIMIT_WAIT_SECONDS in all:
past that allowance the clock runs again, so every email still ends within
TASK_TIME_LIMIT_SECONDS + RATE_LIMIT_WAIT_SECONDS whatever the providers answer.

The other way would be to wait for the budget before claiming an item. But one email's calls
are spread over its whole run (parser, summariser, composer), so a budget checked at the claim
says nothing about the waits that follow; and items waiting unclaimed look the same as items
nobody is working on. Pausing the clock keeps the time limit a measure of the email's own work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_active: ContextVar[tuple[PausableDeadline, ...]] = ContextVar("scribe_deadlines", default=())


class PausableDeadline:
    """An `asyncio.timeout` whose deadline moves back by the time spent in `queued()` blocks."""

    def __init__(self, timeout: asyncio.Timeout, allowance: float) -> None:
        self._timeout = timeout
        self.allowance = allowance
        self.paused_for = 0.0
        self._depth = 0
        self._since = 0.0
        self._when: float | None = None

    def _pause(self) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        self._when = None if self._timeout.expired() else self._timeout.when()
        self._since = asyncio.get_running_loop().time()
        if self._when is not None:
            # Room to wait: the whole remaining allowance; what is not used is given back on resume.
            self._timeout.reschedule(self._when + self.allowance)

    def _resume(self) -> None:
        self._depth -= 1
        if self._depth > 0 or self._timeout.expired() or self._when is None:
            return
        waited = min(asyncio.get_running_loop().time() - self._since, self.allowance)
        self.allowance -= waited
        self.paused_for += waited
        self._timeout.reschedule(self._when + waited)


@contextmanager
def pausable(timeout: asyncio.Timeout, allowance: float) -> Iterator[PausableDeadline]:
    """Make the enclosing `asyncio.timeout` pausable for the code inside this block."""
    deadline = PausableDeadline(timeout, allowance)
    token = _active.set((*_active.get(), deadline))
    try:
        yield deadline
    finally:
        _active.reset(token)


@contextmanager
def queued() -> Iterator[None]:
    """Time spent in this block (queued for a provider) does not count against enclosing limits."""
    deadlines = _active.get()
    for deadline in deadlines:
        deadline._pause()
    try:
        yield
    finally:
        for deadline in deadlines:
            deadline._resume()
