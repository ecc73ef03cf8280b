"""Limits shared by every worker process and machine: in Redis when there is one, in memory otherwise.

Each primitive answers in one atomic step on Redis's own clock (TIME inside a Lua script), so
workers on several machines agree without synchronised clocks. Without Redis (the embedded broker:
one machine, one worker process) the same arithmetic runs under a lock in this process. If Redis
fails mid-flight the in-process state answers instead, with a warning: a Redis outage also stops
the broker, so no other process is sending meanwhile.

Nothing here sleeps: each call says how long to wait, and the caller waits with `asyncio.sleep`,
so no thread is ever held by a wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from config.settings import get_settings

log = logging.getLogger(__name__)

PREFIX = "scribe:limits"
# Connections per event loop. Each call holds one for a round trip (well under a millisecond), so
# a few serve every pipeline of a worker; an unbounded pool opened one per call in flight (~20-40
# per worker), and opening one costs ~1.5 ms of CPU (redis-py reads its own package metadata each
# time).
MAX_CONNECTIONS = 4
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = weakref.WeakKeyDictionary()
_guard = threading.Lock()
_quiet_until: dict[str, float] = {}

# Spacing: the next free time (ms) moves by `cost` per reservation; returns ms to wait.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free < now then free = now end
local after = free + tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(after), 'PX', math.ceil(after - now) + 60000)
return tostring(free - now)
"""
# Exclusive slot: free when nobody holds it and `interval` ms passed since the last start.
# Answers {0, 0} (taken), {1, ms the holder may still keep it}, or {2, ms until the interval is over}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local held = redis.call('PTTL', KEYS[1])
if held > 0 then return {1, held} end
local start = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < start then return {2, math.ceil(start - now)} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], tostring(now + tonumber(ARGV[2])), 'PX', ARGV[2] + 60000)
return {0, 0}
"""
# Release: the next start is also at least `interval` after this holder's own start (ARGV[2] ms ago),
# which may have come later than the moment it took the slot.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
if tonumber(ARGV[2]) >= 0 then
  local after = now - tonumber(ARGV[2]) + tonumber(ARGV[3])
  local start = tonumber(redis.call('GET', KEYS[2]) or '0')
  if after > start then redis.call('SET', KEYS[2], tostring(after), 'PX', ARGV[3] + 60000) end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Cool-down: a provider said "not before": keep the latest such time, report what is left.
_COOL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local ends = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = now + tonumber(ARGV[1])
if tonumber(ARGV[1]) > 0 and wanted > ends then
  ends = wanted
  redis.call('SET', KEYS[1], tostring(ends), 'PX', math.ceil(ends - now) + 1000)
end
if ends < now then return '0' end
return tostring(ends - now)
"""


def redis_client() -> Redis | None:
    """The Redis client for the running loop (a client's connections belong to one loop), or None."""
    url = get_settings().redis_url
    if not url:
        return None
    loop = asyncio.get_running_loop()
    with _guard:
        client = _clients.get(loop)
        if client is None:
            pool = BlockingConnectionPool.from_url(
                url, max_connections=MAX_CONNECTIONS, timeout=5, socket_timeout=5, socket_connect_timeout=5
            )
            client = _clients[loop] = Redis(connection_pool=pool)
        return client


async def _in_redis[T](run: Callable[[Redis], Awaitable[T]], fallback: Callable[[], T], what: str) -> T:
    client = redis_client()
    if client is None:
        return fallback()
    try:
        return await run(client)
    except (RedisError, OSError) as exc:
        now = time.monotonic()
        if now >= _quiet_until.get(what, 0.0):  # once a minute per limit, not once per call
            _quiet_until[what] = now + 60
            log.warning(
                "%s: Redis unavailable (%s); this process's own state decides", what, type(exc).__name__
            )
        return fallback()


class Spacing:
    """Reservations spaced `seconds_per_unit` apart per unit of cost, for the whole deployment.

    `reserve(cost)` returns how long to wait before going: requests go in reservation order, never
    faster than the rate, and without bursts, so a provider's bucket never runs dry on our account.
    """

    def __init__(self, name: str, seconds_per_unit: float) -> None:
        self.name = name
        self.seconds_per_unit = seconds_per_unit
        self._free = 0.0
        self._lock = threading.Lock()

    async def reserve(self, cost: float = 1.0) -> float:
        amount_ms = cost * self.seconds_per_unit * 1000

        async def shared(client: Redis) -> float:
            return float(await client.eval(_RESERVE, 1, f"{PREFIX}:spacing:{self.name}", amount_ms)) / 1000

        return await _in_redis(shared, lambda: self._reserve_here(cost), f"budget {self.name}")

    def _reserve_here(self, cost: float) -> float:
        with self._lock:
            now = time.monotonic()
            free = max(self._free, now)
            self._free = free + cost * self.seconds_per_unit
            return free - now


class ExclusiveSlot:
    """One holder at a time, each start at least `interval` after the previous one (arXiv's rule).

    A holder that dies keeps the slot for at most `hold_seconds`, then it is free again.
    """

    def __init__(self, name: str, *, interval: float, hold_seconds: float, poll_seconds: float = 0.1) -> None:
        self.name = name
        self.interval = interval
        self.hold_seconds = hold_seconds
        self.poll_seconds = poll_seconds
        self._holder: str | None = None
        self._next_start = 0.0
        self._lock = threading.Lock()

    async def acquire(self) -> str:
        """Wait (asleep) until the slot is ours; returns the token that releases it."""
        token = uuid.uuid4().hex
        while True:
            held, wait = await self._try(token)
            if wait <= 0 and not held:
                return token
            # A holder may finish early: look again soon rather than sleeping out its whole lease.
            await asyncio.sleep(min(wait, self.poll_seconds) if held else wait)

    async def release(self, token: str, *, started: float | None = None) -> None:
        """Free the slot; `started` (time.monotonic()) is when the holder really began, if it did."""
        ago = time.monotonic() - started if started is not None else -1.0

        async def shared(client: Redis) -> None:
            await client.eval(_RELEASE, 2, *self._keys, token, ago * 1000, self.interval * 1000)

        await _in_redis(shared, lambda: None, f"slot {self.name}")
        self._release_here(token, started)

    @property
    def _keys(self) -> tuple[str, str]:
        return f"{PREFIX}:slot:{self.name}:holder", f"{PREFIX}:slot:{self.name}:next"

    async def _try(self, token: str) -> tuple[bool, float]:
        async def shared(client: Redis) -> tuple[bool, float]:
            args = (token, self.interval * 1000, int(self.hold_seconds * 1000))
            state, ms = await client.eval(_ACQUIRE, 2, *self._keys, *args)
            return int(state) == 1, int(ms) / 1000

        return await _in_redis(shared, lambda: self._try_here(token), f"slot {self.name}")

    def _try_here(self, token: str) -> tuple[bool, float]:
        with self._lock:
            now = time.monotonic()
            if self._holder is not None:
                return True, self.poll_seconds
            if now < self._next_start:
                return False, self._next_start - now
            self._holder, self._next_start = token, now + self.interval
            return False, 0.0

    def _release_here(self, token: str, started: float | None) -> None:
        with self._lock:
            if self._holder == token:
                self._holder = None
                if started is not None:
                    self._next_start = max(self._next_start, started + self.interval)


class Cooldown:
    """ "Not before": the latest time a provider told us to come back, for the whole deployment."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._ends = 0.0
        self._lock = threading.Lock()

    async def remaining(self) -> float:
        return await self._update(0.0)

    async def extend(self, seconds: float) -> float:
        return await self._update(max(0.0, seconds))

    async def _update(self, seconds: float) -> float:
        async def shared(client: Redis) -> float:
            return float(await client.eval(_COOL, 1, f"{PREFIX}:cooldown:{self.name}", seconds * 1000)) / 1000

        return await _in_redis(shared, lambda: self._update_here(seconds), f"cool-down {self.name}")

    def _update_here(self, seconds: float) -> float:
        with self._lock:
            now = time.monotonic()
            if seconds > 0:
                self._ends = max(self._ends, now + seconds)
            return max(0.0, self._ends - now)


class SharedCache:
    """JSON values by key for `ttl` seconds (Redis, or a bounded in-process map)."""

    def __init__(self, namespace: str, *, ttl: float, max_local: int = 2048) -> None:
        self.namespace = namespace
        self.ttl = ttl
        self._local: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max_local = max_local
        self._lock = threading.Lock()

    def _key(self, key: str) -> str:
        return f"{PREFIX}:cache:{self.namespace}:{key}"

    async def get(self, key: str) -> Any | None:
        if self.ttl <= 0:
            return None

        async def shared(client: Redis) -> str | None:
            raw = await client.get(self._key(key))
            return raw.decode() if isinstance(raw, bytes) else raw

        raw = await _in_redis(shared, lambda: self._get_here(key), f"cache {self.namespace}")
        return json.loads(raw) if raw is not None else None

    async def put(self, key: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        raw = json.dumps(value)

        async def shared(client: Redis) -> None:
            await client.set(self._key(key), raw, px=int(self.ttl * 1000))

        await _in_redis(shared, lambda: self._put_here(key, raw), f"cache {self.namespace}")

    async def clear(self) -> None:
        """Forget every entry (tests, and operators after changing the provider)."""

        async def shared(client: Redis) -> None:
            async for name in client.scan_iter(match=self._key("*"), count=500):
                await client.delete(name)

        with self._lock:
            self._local.clear()
        await _in_redis(shared, lambda: None, f"cache {self.namespace}")

    def _get_here(self, key: str) -> str | None:
        with self._lock:
            found = self._local.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            self._local.move_to_end(key)
            return found[1]

    def _put_here(self, key: str, raw: str) -> None:
        with self._lock:
            self._local[key] = (time.monotonic() + self.ttl, raw)
            self._local.move_to_end(key)
            while len(self._local) > self._max_local:
                self._local.popitem(last=False)


def _forget_after_fork() -> None:
    # Redis connections belong to the parent; a forked child opens its own.
    global _guard
    _clients.clear()
    _guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
