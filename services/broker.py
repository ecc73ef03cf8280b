"""How many work tokens the broker holds for a queue, so the reaper can replace exactly the lost ones.

A token is either ready (waiting in the queue) or reserved: delivered to a worker and not yet
acked. Kombu's Redis transport keeps reserved messages in the `unacked` hash until the ack, or
until the visibility timeout puts them back (with the delivery time in the `unacked_index` set);
a worker killed holding messages leaves them there, looking reserved, for that whole timeout. The
filesystem broker deletes a message's file on delivery, so there reserved tokens are invisible
(counted as 0, which can only cause a surplus).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from kombu import Connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backlog:
    ready: int
    reserved: int
    # Of the reserved, those delivered within the last `recent_seconds` asked for.
    reserved_recently: int


def backlog(
    queue: str, *, connection: Connection | None = None, recent_seconds: float = 0.0
) -> Backlog | None:
    """The queue's ready and reserved messages; None when the broker cannot tell (down, unsupported)."""
    from celery_config import celery_app

    own = connection is None
    conn = connection if connection is not None else celery_app.connection_for_read()
    try:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2)
        channel = conn.default_channel
        # Not passive: Redis drops an empty list, and a passive declare then says "no such queue".
        ready = int(channel.queue_declare(queue=queue, durable=True, auto_delete=False).message_count)
        reserved, recently = _reserved(channel, queue, since=time.time() - recent_seconds)
        return Backlog(ready=ready, reserved=reserved, reserved_recently=recently)
    except Exception as exc:  # the reaper falls back on its timers
        log.warning("broker backlog for %s unavailable: %s", queue, exc)
        return None
    finally:
        if own:
            conn.release()


def _reserved(channel: object, queue: str, *, since: float) -> tuple[int, int]:
    """Reserved messages of `queue`: all, and those delivered at or after `since` (epoch seconds)."""
    from kombu.transport import redis as redis_transport

    if not isinstance(channel, redis_transport.Channel):
        return 0, 0
    # Each value is [message, exchange, routing_key]; the `celery` queue's messages share the hash.
    messages = channel.client.hgetall(channel.unacked_key)
    delivered = dict(channel.client.zrange(channel.unacked_index_key, 0, -1, withscores=True))
    ours = [tag for tag, raw in messages.items() if json.loads(raw)[2] == queue]
    return len(ours), sum(1 for tag in ours if delivered.get(tag, 0.0) >= since)
