"""Change notices: the write paths say whose rows changed; the API's live streams then read them.

Every write that a live stream shows (claim, step progress, completion, failure, cancel, the
reaper's requeue, an operator's requeue, a submission) publishes one small notice on a Redis
pub/sub channel after its commit. Each API process keeps one subscription (services/events.py) and
re-reads only the rows of the streams a notice concerns, instead of every open stream reading its
rows twice a second.

Why Redis pub/sub and not PostgreSQL LISTEN/NOTIFY: production reaches Supabase through its
transaction pooler (port 6543, NullPool), where a LISTEN does not outlive the transaction that
issued it, so notices would need a connection of their own outside the pooler (Supabase's direct
address is IPv6-only without a paid add-on; the session pooler would hold one of the project's few
connections per API process for as long as it runs). Redis is already required beside PostgreSQL
(the broker, the shared rate limits), runs next to the API, and a subscription costs it nothing.
What that gives up: a notice is published after its commit rather than inside it, so a process
that dies between the two loses it, and pub/sub keeps nothing for a subscriber that is
reconnecting. Neither loses a change for good: a notice carries no state (streams re-read the
rows, which are the truth), the API polls while its subscription is down, re-reads every open
stream after each (re)subscription, and re-reads all of them every SSE_RESYNC_SECONDS anyway.
Without Redis (the embedded one-machine setup, SQLite) nothing is published and streams poll their
rows (SSE_POLL_SECONDS).

A notice names the user, the items that changed, and whether the line moved (a pending item came
or went, or someone's in-flight count changed), which can change every waiting user's positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from config.settings import get_settings

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

PREFIX = "scribe:changes"
# After a failed publish, the next ones are skipped this long (a write must not wait out Redis's
# timeouts on every step while Redis is down; the streams' resync catches up).
PUBLISH_PAUSE_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0
# The subscription is pinged when quiet this long, and dropped when nothing came back for twice that.
PING_EVERY_SECONDS = 15.0
RECONNECT_FIRST_SECONDS = 0.1
RECONNECT_MAX_SECONDS = 5.0
# CLIENT LIST shows each API process's subscription by this name and its process id.
LISTENER_NAME = "scribe-sse-listener"


@dataclass(frozen=True)
class Change:
    user_id: uuid.UUID
    item_ids: tuple[uuid.UUID, ...] = ()
    line_moved: bool = False

    def encode(self) -> str:
        return " ".join(["L" if self.line_moved else "-", self.user_id.hex, *(i.hex for i in self.item_ids)])

    @classmethod
    def decode(cls, raw: bytes | str) -> Change:
        text = raw.decode() if isinstance(raw, bytes) else raw
        flag, user, *items = text.split()
        return cls(uuid.UUID(user), tuple(uuid.UUID(i) for i in items), flag == "L")


def enabled() -> bool:
    """Whether notices are published and streams wake on them (Redis configured, SSE_WAKE=auto)."""
    settings = get_settings()
    return settings.sse_wake == "auto" and bool(settings.redis_url)


@lru_cache
def channel(url: str) -> str:
    """One channel per Redis database: pub/sub ignores SELECT, and deployments (or test runs)
    sharing a server on different databases must not wake each other's streams."""
    from redis.connection import parse_url

    return f"{PREFIX}:{parse_url(url).get('db', 0)}"


class _Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: redis.Redis | None = None
        self._client_url: str | None = None
        self._paused_until = 0.0
        self._warned_at = -WARN_EVERY_SECONDS

    def client(self, url: str) -> redis.Redis:
        with self._lock:
            if self._client is None or self._client_url != url:
                import redis

                self._client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
                self._client_url = url
            return self._client

    def publish(self, changes: list[Change]) -> None:
        url = get_settings().redis_url
        if not url or not enabled() or time.monotonic() < self._paused_until:
            return
        from redis.exceptions import RedisError

        try:
            client = self.client(url)
            if len(changes) == 1:
                client.publish(channel(url), changes[0].encode())
            else:
                with client.pipeline(transaction=False) as pipe:
                    for change in changes:
                        pipe.publish(channel(url), change.encode())
                    pipe.execute()
        except (RedisError, OSError) as exc:
            now = time.monotonic()
            self._paused_until = now + PUBLISH_PAUSE_SECONDS
            if now - self._warned_at >= WARN_EVERY_SECONDS:
                self._warned_at = now
                log.warning(
                    "change notices: Redis unavailable (%s); live streams catch up on their resync",
                    type(exc).__name__,
                )


_publisher = _Publisher()


def announce(user_id: uuid.UUID, item_ids: Iterable[uuid.UUID] = (), *, line_moved: bool = False) -> None:
    """Tell live streams that these rows changed. Call it after the commit (never inside the
    transaction: a stream woken early would read the old row and wait for the next notice)."""
    _publisher.publish([Change(user_id, tuple(item_ids), line_moved)])


def announce_many(changes: Iterable[Change]) -> None:
    """Several notices in one round trip (the reaper's sweep)."""
    batch = list(changes)
    if batch:
        _publisher.publish(batch)


async def listen(
    on_change: Callable[[Change], None], on_subscribed: Callable[[], None], on_lost: Callable[[], None]
) -> None:
    """Follow the channel until cancelled: `on_subscribed()` after every (re)subscription (notices
    may have been missed before it), `on_change(change)` per notice, `on_lost()` when the
    connection is lost. A dropped connection is reconnected with backoff; a silent one is found by
    pinging."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    url = get_settings().redis_url
    if not url:
        return
    delay = RECONNECT_FIRST_SECONDS
    warned_at = -WARN_EVERY_SECONDS
    while True:
        client = Redis.from_url(url, socket_connect_timeout=5, client_name=f"{LISTENER_NAME}-{os.getpid()}")
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel(url))
            heard = pinged = time.monotonic()
            while True:
                message = await pubsub.get_message(timeout=PING_EVERY_SECONDS)
                now = time.monotonic()
                if message is not None:
                    heard = now
                    kind = message["type"]
                    if kind == "message":
                        _deliver(on_change, message)
                    elif kind == "subscribe":
                        # Also after redis-py resubscribed by itself on a new connection.
                        delay = RECONNECT_FIRST_SECONDS
                        on_subscribed()
                    continue
                if now - heard > 2 * PING_EVERY_SECONDS:
                    raise ConnectionError("no answer to the subscription's pings")
                if now - pinged >= PING_EVERY_SECONDS:
                    pinged = now
                    await pubsub.ping()
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            on_lost()
            now = time.monotonic()
            if now - warned_at >= WARN_EVERY_SECONDS:
                warned_at = now
                log.warning(
                    "change notices: subscription lost (%s); reconnecting, streams poll meanwhile",
                    type(exc).__name__,
                )
        finally:
            await _close(pubsub, client)
        await asyncio.sleep(delay)
        delay = min(RECONNECT_MAX_SECONDS, delay * 2)


def _deliver(on_change: Callable[[Change], None], message: dict[str, Any]) -> None:
    try:
        change = Change.decode(message["data"])
    except (ValueError, UnicodeDecodeError):
        log.warning("change notices: unreadable notice ignored")
        return
    on_change(change)


async def _close(pubsub: Any, client: Any) -> None:
    from redis.exceptions import RedisError

    for closing in (pubsub.aclose, client.aclose):
        with contextlib.suppress(RedisError, OSError):
            await closing()
